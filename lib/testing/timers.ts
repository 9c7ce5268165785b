/**
 * Delays that `close()` can cancel: a `slow` fault must not keep the process (or Jest)
 * alive after the emulator stopped.
 */

/** The pending delays of one emulator. */
export class TimerSet {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  /** Resolves after `ms`, unless {@link clear} runs first (then it never resolves). */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Cancels every pending delay. */
  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
