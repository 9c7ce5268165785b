/**
 * The bench's figures: each a value, the baseline it was measured against in the same run,
 * and its target. Throughput is measured in palindromic rounds (every contender twice per
 * round, in mirrored order) and summarised by medians, so drift on a noisy machine hits every
 * contender alike.
 */

/** One row of the table `npm run bench` prints. */
export interface Figure {
  section: string;
  name: string;
  value: string;
  baseline: string;
  target: string;
  /** undefined: reported, no target. */
  ok: boolean | undefined;
}

export const figures: Figure[] = [];

/** Records a figure; `target` compares the value (`>=`, `<=` or `=`), or is absent for information. */
export function record(section: string, name: string, value: number, unit: string, baseline: string, target?: { op: '>=' | '<=' | '='; value: number }): void {
  const digits = unit === 'x' ? 3 : unit === '' ? 1 : 2;
  const shown = `${value.toFixed(digits)}${unit === 'x' ? 'x' : unit ? ` ${unit}` : ''}`;
  const ok = target === undefined ? undefined : target.op === '>=' ? value >= target.value : target.op === '<=' ? value <= target.value : value === target.value;
  const targetText = target === undefined ? '(info)' : `${target.op} ${target.value}${unit === 'x' ? 'x' : unit ? ` ${unit}` : ''}`;
  figures.push({ section, name, value: shown, baseline, target: targetText, ok });
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Each contender's measurements, one per round, in round order. */
export type Samples<K extends string> = Record<K, number[]>;

/**
 * Runs the contenders in palindromic rounds (A B C C B A, the next round C B A A B C) and takes
 * each contender's mean of its two runs as the round's sample. A load that rises or falls
 * steadily through a round (another job starting on the machine) hits both halves of it alike,
 * so it cancels out of the round's ratios; no contender always goes first or last.
 */
export async function palindromic<K extends string>(rounds: number, contenders: Record<K, () => Promise<number>>): Promise<Samples<K>> {
  const names = Object.keys(contenders) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as unknown as Samples<K>;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...names].reverse() : names;
    const sums = new Map<K, number>();
    for (const name of [...order, ...[...order].reverse()]) sums.set(name, (sums.get(name) ?? 0) + (await contenders[name]()));
    for (const name of names) samples[name].push(sums.get(name)! / 2);
  }
  return samples;
}

/**
 * The median over rounds of `a / b`, each ratio taken within one round: a burst of load from
 * elsewhere on the machine hits both sides of a round alike, and the median drops the rounds
 * it hit unevenly.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((value, i) => value / b[i]!));
}

/** Prints the table; returns how many figures missed their target. */
export function printTable(): number {
  const width = Math.max(...figures.map((f) => f.name.length));
  let section = '';
  for (const f of figures) {
    if (f.section !== section) {
      section = f.section;
      console.log(`\n${section}`);
      console.log(`  ${'figure'.padEnd(width)}  ${'value'.padEnd(12)}  ${'target'.padEnd(12)}  ${'ok'.padEnd(4)}  baseline (same run)`);
    }
    const ok = f.ok === undefined ? '-' : f.ok ? 'yes' : 'NO';
    console.log(`  ${f.name.padEnd(width)}  ${f.value.padEnd(12)}  ${f.target.padEnd(12)}  ${ok.padEnd(4)}  ${f.baseline}`);
  }
  const bad = figures.filter((f) => f.ok === false).length;
  const checked = figures.filter((f) => f.ok !== undefined).length;
  console.log(`\n${checked - bad} of ${checked} figures within target${bad ? `, ${bad} outside` : ''}`);
  return bad;
}
