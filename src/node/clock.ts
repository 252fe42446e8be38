/**
 * Time, injected (issue 19): every part of the node reads the time and arms timers only through a
 * `Clock`, never through the global `setTimeout`/`setInterval`/`Date.now`/`performance.now`. A node
 * in production runs on `systemClock`; the whole-node simulator (test/node/sim/) runs n nodes on one
 * `VirtualClock`, whose time moves only when the simulator runs the next due timer, so a run is a
 * function of its seed and replays exactly.
 *
 * `now()` is wall-clock Unix milliseconds (block timestamps, the future-drift check); `monotonic()`
 * is a clock that never goes back, in milliseconds from an arbitrary origin (durations, deadlines).
 */

/** A timer that has been armed: `cancel()` is idempotent and harmless after the timer fired. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Unix time in milliseconds. */
  now(): number;
  /** Milliseconds from an arbitrary origin; never decreases. */
  monotonic(): number;
  /** Calls `callback` once, `ms` from now (at once-ish for ms ≤ 0). */
  after(ms: number, callback: () => void): Timer;
  /** Calls `callback` every `ms` until cancelled. */
  every(ms: number, callback: () => void): Timer;
}

/** Resolves `ms` from now on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.after(ms, resolve));
}

/** The process's clocks and timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  after(ms, callback) {
    const handle = setTimeout(callback, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
  every(ms, callback) {
    const handle = setInterval(callback, ms);
    return { cancel: () => clearInterval(handle) };
  },
};

interface Scheduled {
  at: number;
  /** Tie-break: timers due at the same time run in the order they were armed. */
  order: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock whose time advances only by `runNext()`: the earliest armed timer (ties in arming order) is
 * popped, time jumps to it, and it runs. Nothing runs by itself, so the caller interleaves timers with
 * whatever else it drives (the simulator drains promise jobs between two timers).
 */
export class VirtualClock implements Clock {
  private time: number;
  private order = 0;
  private readonly queue: Scheduled[] = [];

  /** `startUnixMs`: what `now()` reads at virtual time 0. */
  constructor(private readonly startUnixMs = 1_800_000_000_000) {
    this.time = 0;
  }

  now(): number {
    return this.startUnixMs + Math.floor(this.time);
  }

  monotonic(): number {
    return this.time;
  }

  after(ms: number, callback: () => void): Timer {
    const entry: Scheduled = { at: this.time + Math.max(0, ms), order: this.order++, callback, cancelled: false };
    this.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  every(ms: number, callback: () => void): Timer {
    if (!(ms > 0)) throw new RangeError(`VirtualClock.every: expected a positive period, got ${ms}`);
    let current: Timer | undefined;
    let cancelled = false;
    const arm = (): void => {
      current = this.after(ms, () => {
        if (cancelled) return;
        arm();
        callback();
      });
    };
    arm();
    return {
      cancel: () => {
        cancelled = true;
        current?.cancel();
      },
    };
  }

  /** Time of the next live timer, or undefined when none is armed. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.queue[0]?.at;
  }

  /** Runs the next live timer (advancing time to it); false when none is armed. */
  runNext(): boolean {
    this.dropCancelled();
    const entry = this.pop();
    if (entry === undefined) return false;
    this.time = Math.max(this.time, entry.at);
    entry.callback();
    return true;
  }

  private dropCancelled(): void {
    while (this.queue.length > 0 && this.queue[0]!.cancelled) this.pop();
  }

  // A binary min-heap on (at, order).
  private less(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private push(entry: Scheduled): void {
    const q = this.queue;
    q.push(entry);
    for (let i = q.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(q[i]!, q[parent]!)) break;
      [q[i], q[parent]] = [q[parent]!, q[i]!];
      i = parent;
    }
  }

  private pop(): Scheduled | undefined {
    const q = this.queue;
    const top = q[0];
    const last = q.pop();
    if (q.length > 0 && last !== undefined) {
      q[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < q.length && this.less(q[l]!, q[m]!)) m = l;
        if (r < q.length && this.less(q[r]!, q[m]!)) m = r;
        if (m === i) break;
        [q[i], q[m]] = [q[m]!, q[i]!];
        i = m;
      }
    }
    return top;
  }
}
