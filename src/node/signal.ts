/**
 * A wake-up signal for the production loop (./sequencer.ts): the parts call `notify()` when something
 * the loop may be waiting for has changed (a transaction pooled, a peer started a height, a COMMIT or a
 * decision arrived, a sync is due, the node stops), and the loop re-checks its condition after
 * `wait()`. Every waiter is woken by the next notify after it started waiting, or by its timeout; so a
 * caller checks its condition and calls `wait()` with no `await` in between, or a notify can be missed.
 */
import type { Clock, Timer } from './clock.js';

export class ChangeSignal {
  private waiters = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  notify(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves at the next `notify()`, or after `timeoutMs` (never, if undefined). */
  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: Timer | undefined;
      const wake = (): void => {
        timer?.cancel();
        resolve();
      };
      if (timeoutMs !== undefined) {
        timer = this.clock.after(Math.max(0, timeoutMs), () => {
          this.waiters.delete(wake);
          resolve();
        });
      }
      this.waiters.add(wake);
    });
  }
}
