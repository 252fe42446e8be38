/**
 * Health that does not lie (issues 6 and 12): the readiness reasons of a node, gathered from the parts
 * that know them. A node is ready only when it can take part: block production running; the disk
 * taking writes; the pool reloaded; and in a cluster a quorum connected (itself included), not
 * joining, not behind its peers, its clock within the tolerance of the cluster's (PeerTracker), not
 * missing votes — `NOT_VOTING_HEIGHTS` blocks in a row came by sync, the latest within
 * `NOT_VOTING_RECENT_MS` — and no sync stalled for `SYNC_STUCK_MS`. Each failing condition is one
 * reason in `/readyz`'s body. While not ready a node still accepts transactions (they are kept and
 * gossiped, and wait for a block): with any pooled, one more reason says so (`pendingReason`), and
 * RPC responses carry it too (the `X-DST-Not-Ready` header, src/api/server.ts).
 */
import type { Admission } from './admission.js';
import type { BlockCommitter } from './committer.js';
import type { PeerTracker } from './peers.js';
import type { StorageHealth } from './storage-health.js';
import type { SyncRunner } from './sync.js';

const NOT_VOTING_HEIGHTS = 3;
const NOT_VOTING_RECENT_MS = 30_000;
const SYNC_STUCK_MS = 10_000;

export interface HealthSources {
  producing: boolean;
  joining: boolean;
  fatal: Error | undefined;
  storage: StorageHealth;
  admission: Admission;
  committer: BlockCommitter;
  quorum: number;
  /** In a cluster only. */
  peers?: PeerTracker;
  syncer?: SyncRunner;
}

/** The reason added while not ready with transactions pooled. */
export function pendingReason(pooled: number, oldestAgeMs: number): string {
  return `${pooled} transaction${pooled === 1 ? '' : 's'} accepted and kept (the oldest ${Math.round(oldestAgeMs / 1000)} s old): they are gossiped and wait, as no block is signed here until the reasons above are gone`;
}

export function readinessReasons(node: HealthSources): string[] {
  const reasons: string[] = [];
  if (!node.producing) reasons.push('block production is not running');
  if (node.fatal) reasons.push(`block production failed: ${node.fatal.message}`);
  if (node.storage.failing) reasons.push(`the disk refuses writes: ${node.storage.failing.message}`);
  const restoring = node.admission.restoreProgress;
  if (restoring) reasons.push(`reloading the transaction pool (${restoring.done} of ${restoring.total})`);
  const { peers, syncer } = node;
  if (peers && syncer) {
    reasons.push(...peers.problems(node.quorum, node.committer.head.header.number, node.joining, syncer.active));
    const synced = node.committer.syncedInARow(NOT_VOTING_RECENT_MS);
    if (node.producing && !node.joining && synced >= NOT_VOTING_HEIGHTS) reasons.push(`not taking part in consensus: the last ${synced} blocks came from peers by sync`);
    const stalled = syncer.stalledMs();
    if (stalled >= SYNC_STUCK_MS) reasons.push(`sync stuck: no block stored for ${Math.round(stalled / 1000)} s`);
  }
  return reasons;
}
