/**
 * Expiry for in-process maps, without a timer: every write looks at a few entries for expiry,
 * resuming where the previous write stopped, so each entry is looked at once per pass through
 * the map whatever lives in front of it. Sweeping from the oldest entries instead stalls behind
 * the first long-lived one (a day-long login record kept a ten-second outcome behind it for a day).
 */
export class Sweeper<K, V> {
  private cursor: Iterator<[K, V]> | undefined;

  constructor(
    private readonly map: Map<K, V>,
    private readonly expired: (value: V, now: number) => boolean,
    private readonly perWrite: number,
  ) {}

  /** Looks at the next few entries (Map iterators stay valid as entries come and go) and drops the expired. */
  sweep(now: number): void {
    for (let i = 0; i < this.perWrite; i++) {
      this.cursor ??= this.map.entries();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        // A map smaller than one sweep is done for this write.
        if (this.map.size <= this.perWrite) return;
        continue;
      }
      const [key, value] = next.value;
      if (this.expired(value, now)) this.map.delete(key);
    }
  }
}
