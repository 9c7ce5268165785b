/** Types of the local ESLint rule (eslint-rules/no-import-cycles.js), for the spec that runs it. */
import type { Rule } from 'eslint';

declare const rule: Rule.RuleModule;
export default rule;
