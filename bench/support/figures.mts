/**
 * The bench's figures: each a value, the baseline it was measured against in the same run,
 * and its target. Throughput is measured in interleaved rounds (every contender once per
 * round, in a rotating order) and summarised by medians, so drift on a noisy machine hits
 * every contender alike.
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
 * Runs every contender once per round, `rounds` times, starting each round one contender
 * further along so none always goes first; returns each contender's samples in round order.
 */
export async function interleaved<K extends string>(rounds: number, contenders: Record<K, () => Promise<number>>): Promise<Samples<K>> {
  const names = Object.keys(contenders) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as unknown as Samples<K>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      samples[name].push(await contenders[name]());
    }
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
