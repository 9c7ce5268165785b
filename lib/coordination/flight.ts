/**
 * A single-flight across every instance: within a process concurrent callers share one
 * promise ({@link SingleFlight}); across processes one caller takes a lock that expires
 * (`SET NX PX`), runs the task and shares its result for a while, and the others poll for
 * that result.
 *
 * The lock: held by the one caller that claimed it, for `lockMs`, renewed every third of that
 * while its task runs (so a task slower than `lockMs`, such as a sign-in with a slow
 * `afterCallback`, is never run twice); released when the task settles. A holder that dies stops
 * renewing, so its lock frees itself within `lockMs` and one of the others runs the task.
 */
import { randomUUID } from 'node:crypto';
import { EgnyteAuthError } from '../errors/errors.js';
import { flightKeys } from './keys.js';
import { SingleFlight } from './single-flight.js';
import type { EgnyteCoordination } from './types.js';

/** How one kind of flight behaves. */
export interface FlightKind<T> {
  /** Key namespace, e.g. `'reload'`. */
  name: string;
  /** How long the lock lives: about the task's own time limit. */
  lockMs: number;
  /** How long a settled result is shared with later callers (0: not at all). */
  shareMs: (result: T) => number;
  /**
   * How long this process also keeps it in memory, at most (default: as long as it is
   * shared). Long-shared results (a callback's outcome, 10 minutes) need not cost each
   * process memory per sign-in: the backend's copy answers late twins.
   */
  localMaxMs?: number;
}

/** Room on top of a task's own time limit (an upstream call's `timeoutMs`) before its lock frees itself. */
export const LOCK_MARGIN_MS = 1000;

const POLL_FIRST_MS = 10;
const POLL_MAX_MS = 100;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Flights of one kind, over one coordination backend. */
export class Flights<T> {
  private readonly local: SingleFlight<T>;

  constructor(
    private readonly coordination: EgnyteCoordination,
    private readonly kind: FlightKind<T>,
  ) {
    const localMaxMs = kind.localMaxMs ?? Infinity;
    this.local = new SingleFlight<T>((result) => Math.min(kind.shareMs(result), localMaxMs));
  }

  /**
   * Runs `task` for `id` unless another caller (here or on another instance) is running it
   * or has just shared its result; then answers that result. Results must survive
   * `JSON.stringify`. Throws `coordination_unavailable` when the backend fails or a holder
   * neither settles nor lets its lock expire in time.
   */
  run(id: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(id, () => this.acrossInstances(id, task));
  }

  /** Like {@link run}, and tells whether this very call ran `task` (others joined a result). */
  async join(id: string, task: () => Promise<T>): Promise<{ result: T; ran: boolean }> {
    let ran = false;
    const result = await this.run(id, () => {
      ran = true;
      return task();
    });
    return { result, ran };
  }

  /** Shares `result` for `id` as if a task had settled it (nobody holds a lock for it). */
  async share(id: string, result: T): Promise<void> {
    await this.coordination.set(flightKeys(this.kind.name, id).result, JSON.stringify(result), this.kind.shareMs(result));
  }

  /** The result shared for `id` right now, if any (no lock taken). */
  async peek(id: string): Promise<T | undefined> {
    const value = await this.coordination.get(flightKeys(this.kind.name, id).result);
    return value === undefined || value === '' ? undefined : (JSON.parse(value) as T);
  }

  /** Forgets this process's shared result for `id`. */
  forget(id: string): void {
    this.local.forget(id);
  }

  private async acrossInstances(id: string, task: () => Promise<T>): Promise<T> {
    const { lock: lockKey, result: resultKey } = flightKeys(this.kind.name, id);
    const owner = randomUUID();
    const giveUpAt = Date.now() + 2 * this.kind.lockMs + 1000;
    let pause = POLL_FIRST_MS;
    for (;;) {
      let answer;
      try {
        answer = await this.coordination.claim(lockKey, owner, this.kind.lockMs, resultKey);
      } catch (err) {
        // A claim we gave up on may still reach the backend later and take the lock: release it
        // after the claim (one connection keeps commands in order), or it would hold everyone
        // back for `lockMs`. Not awaited: the backend is slow or down right now.
        void this.coordination.settle(lockKey, owner, resultKey, '', 0).catch(() => undefined);
        throw err;
      }
      if (answer.kind === 'result') return JSON.parse(answer.value) as T;
      if (answer.kind === 'acquired') return this.runHolding(lockKey, owner, resultKey, task);
      if (Date.now() >= giveUpAt) {
        throw new EgnyteAuthError('coordination_unavailable', 'Another instance of the app is still busy with this sign-in. Try again in a moment.', {
          retryAfter: 2,
        });
      }
      await sleep(pause);
      pause = Math.min(pause * 2, POLL_MAX_MS);
    }
  }

  /** Renews the lock every third of its life while the task runs; answers the function that stops it. */
  private keepLock(lockKey: string, owner: string): () => void {
    const { lockMs } = this.kind;
    const timer = setInterval(() => {
      // Only while still ours; a failed renewal leaves the lock to expire as a dead holder's would.
      this.coordination.compareAndSet(lockKey, owner, owner, lockMs).catch(() => undefined);
    }, Math.max(lockMs / 3, 10));
    timer.unref();
    return () => clearInterval(timer);
  }

  private async runHolding(lockKey: string, owner: string, resultKey: string, task: () => Promise<T>): Promise<T> {
    let result: T;
    const release = this.keepLock(lockKey, owner);
    try {
      result = await task();
    } catch (err) {
      release();
      await this.coordination.settle(lockKey, owner, resultKey, '', 0).catch(() => undefined);
      throw err;
    }
    release();
    // The result is ours whatever happens to the backend now; others will run after the lock
    // expires. Not awaited: the caller need not wait a round trip for others to see it (later
    // commands of this process follow it on the same connection).
    void this.coordination.settle(lockKey, owner, resultKey, JSON.stringify(result), this.kind.shareMs(result)).catch(() => undefined);
    return result;
  }
}
