/**
 * Whether this node's disk takes writes (issue 12: disk trouble is a state, not a crash). A part whose
 * durable write failed with `StorageUnavailable` reports it here (`failed`); admission then refuses
 * with reason `storage-unavailable`, the production loop drops the height in progress and waits in
 * `untilWritable`, which probes the disk (`NodeStorage.probeWrite`) less and less often until a write
 * succeeds, and `/readyz` carries the failure as a reason meanwhile. Logged at error once when writes
 * start failing and at info once when they succeed again — never once per request.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { ChangeSignal } from './signal.js';
import { StorageUnavailable, type NodeStorage } from './storage.js';

/** The disk is probed after this long, doubling up to the maximum. */
const PROBE_FIRST_MS = 250;
const PROBE_MAX_MS = 4_000;

export class StorageHealth {
  private current: StorageUnavailable | undefined;
  private since = 0;

  constructor(
    private readonly store: Pick<NodeStorage, 'probeWrite'>,
    private readonly clock: Clock,
    /** Notified when writes start failing (the loop may be waiting and must pause), and waited on between probes. */
    private readonly signal: ChangeSignal,
    private readonly logger: Logger,
  ) {}

  /** The failure while writes fail, else undefined. */
  get failing(): StorageUnavailable | undefined {
    return this.current;
  }

  failed(error: StorageUnavailable): void {
    if (this.current) return;
    this.current = error;
    this.since = this.clock.monotonic();
    this.logger.error({ err: error.message }, 'the disk refuses writes: admission refuses and block production pauses until a write succeeds again');
    this.signal.notify();
  }

  /** Probes the disk until a write succeeds (then true) or `running()` turns false (then false). */
  async untilWritable(running: () => boolean): Promise<boolean> {
    for (let waitMs = PROBE_FIRST_MS; running(); waitMs = Math.min(2 * waitMs, PROBE_MAX_MS)) {
      const until = this.clock.monotonic() + waitMs;
      while (running() && this.clock.monotonic() < until) await this.signal.wait(until - this.clock.monotonic());
      try {
        await this.store.probeWrite();
      } catch (error) {
        if (!(error instanceof StorageUnavailable)) throw error;
        continue;
      }
      this.logger.info({ failingMs: Math.round(this.clock.monotonic() - this.since) }, 'the disk takes writes again: admission and block production resume');
      this.current = undefined;
      return true;
    }
    return false;
  }
}
