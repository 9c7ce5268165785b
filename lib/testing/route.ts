/** What the emulator does with one request: which endpoint it counts as, and its handler. */
import type { EmulatorEndpointName } from './types.js';

/** Where a request goes. */
export interface Route {
  /** The endpoint to count and to match faults against; none for unrouted requests. */
  endpoint?: EmulatorEndpointName;
  /** The emulated domain of the request, as written in the path. */
  host?: string;
  /** The normalised domain that domain-scoped faults are matched against. */
  faultHost?: string;
  /** Read the body (as a form) before running. */
  readForm: boolean;
  /** Writes the answer; gets the decoded form (empty unless `readForm` and a form content type). */
  run: (form: Record<string, string>) => void;
}
