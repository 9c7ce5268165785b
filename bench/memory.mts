/**
 * Memory figures of an app process after many sign-ins and a settle: heap retained per
 * signed-in session (the sessions themselves with MemoryStore, nothing with Redis), and timers
 * still alive (each app process counts Timeout resources with async_hooks, unref'd ones too).
 */
import type { ServerProcess } from './support/child.mjs';
import { record } from './support/figures.mjs';
import { signInMany } from './support/load.mjs';
import { OURS_LOGIN } from './throughput.mjs';

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/** `count` sign-ins on `app` (a process started with `trackTimers`); `perSessionKiB` is the heap target. */
export async function memoryFigures(section: string, app: ServerProcess, count: number, perSessionKiB: number): Promise<void> {
  // Warm-up: the first thousand sign-ins still compile and optimise code (about 1.8 MiB of
  // heap); after them the heap per sign-in is flat within noise.
  await signInMany(app.url, OURS_LOGIN, 1000);
  await settle(1000);
  const timersBefore = await app.ask<number>('timers');
  const heapBefore = await app.ask<number>('heap');
  await signInMany(app.url, OURS_LOGIN, count);
  await settle(1500); // past the per-second API pacing windows
  const heapAfter = await app.ask<number>('heap');
  const timersAfter = await app.ask<number>('timers');
  record(section, `heap per signed-in session (${count} sign-ins, after gc)`, (heapAfter - heapBefore) / count / 1024, 'KiB', `heap ${mib(heapBefore)} -> ${mib(heapAfter)} MiB`, {
    op: '<=',
    value: perSessionKiB,
  });
  record(section, `timers alive after settle, growth over ${count} sign-ins`, timersAfter - timersBefore, '', `${timersBefore} alive before (connections, pacing windows, quota records)`, { op: '<=', value: 5 });
}
