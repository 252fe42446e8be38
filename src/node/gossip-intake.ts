/**
 * Gossip intake (issue 11, "Gossip quotas per peer"): what a peer's gossiped batch must pass before
 * `Admission` pools any of it. Each peer (even a real operator) may hold at most its share of the pool
 * (`maxTransactions / nodes`), counted before any sender is recovered — its pooled transactions and
 * those of its batches still being recovered — so a flood costs little; what the pool has or a block
 * includes is skipped (the normal echo of gossip); the rest is decoded, its senders recovered on the
 * worker pool with the node's other admissions (`Admission.recoverSenders`), and handed to
 * `Admission`. A peer
 * whose transactions fail to decode or recover is throttled: each bad one spends a token of its
 * `BAD_BURST` allowance (refilled `BAD_PER_SECOND`), and while none is left its batches are dropped
 * unread. Every refusal is counted in `dst_gossip_rejected_total{peer,reason}`. Owns the allowances,
 * the batches in flight and their counts per peer.
 */
import type { Logger } from 'pino';
import { hex } from '../bytes/index.js';
import { decodeTransaction, TransactionRejected, type DecodedTransaction, type TransactionRejectionReason, type TransactionRules } from '../chain/index.js';
import type { Admission } from './admission.js';
import type { Clock } from './clock.js';
import type { SequencerMetrics } from './options.js';

const BAD_BURST = 64;
const BAD_PER_SECOND = 8;

/** Why a peer's transaction was refused: the decoder's or pool's reason, throttled, or beyond its share. */
export type GossipRejection = TransactionRejectionReason | 'throttled' | 'peer-share';

export interface GossipIntakeOptions {
  admission: Admission;
  rules: TransactionRules;
  clock: Clock;
  logger: Logger;
  metrics?: SequencerMetrics;
  /** Cluster size and pool size: a peer's share is `pool.maxTransactions / nodes`. */
  nodes: number;
  pool: { maxTransactions: number };
}

export class GossipIntake {
  private readonly allowance = new Map<number, { tokens: number; at: number }>();
  /** Per peer: its transactions whose senders are being recovered, not yet pooled (they count against its share). */
  private readonly recovering = new Map<number, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly peerShare: number;
  private closed = false;

  constructor(private readonly options: GossipIntakeOptions) {
    this.peerShare = Math.max(1, Math.floor(options.pool.maxTransactions / options.nodes));
  }

  /** A batch gossiped by peer `from` (0-based operator index), admitted in the background. */
  receive(raws: readonly Uint8Array[], from: number): void {
    if (this.closed || !this.options.admission.accepting) return;
    const work = this.admit(raws, from).catch((error: Error) => this.options.logger.error({ err: error }, 'admitting gossiped transactions failed'));
    const settled = work.finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
  }

  /** Takes no more batches and waits for those in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.inFlight);
  }

  /** Whether peer `from` may send now: false while its allowance of bad transactions is spent. */
  private allowed(from: number): boolean {
    const now = this.options.clock.monotonic();
    const allowance = this.allowance.get(from) ?? { tokens: BAD_BURST, at: now };
    allowance.tokens = Math.min(BAD_BURST, allowance.tokens + ((now - allowance.at) / 1000) * BAD_PER_SECOND);
    allowance.at = now;
    this.allowance.set(from, allowance);
    return allowance.tokens >= 1;
  }

  private async admit(raws: readonly Uint8Array[], from: number): Promise<void> {
    const { metrics, logger, admission } = this.options;
    const peer = String(from + 1);
    const refused = (reason: GossipRejection, count = 1): void => metrics?.gossipRejected.inc({ peer, reason }, count);
    if (!this.allowed(from)) return refused('throttled', raws.length);
    const bad = (error: TransactionRejected): void => {
      refused(error.reason);
      metrics?.transactionsRejected.inc({ reason: error.reason, source: 'gossip' });
      const allowance = this.allowance.get(from)!;
      if (allowance.tokens >= 1 && --allowance.tokens < 1) {
        logger.warn({ share: Number(peer), reason: error.reason }, 'throttling transaction gossip from a peer that sends transactions that do not decode or recover');
      }
    };
    const source = { id: `peer:${peer}`, maxPending: this.peerShare };
    let room = source.maxPending - admission.pendingFrom(source.id) - (this.recovering.get(from) ?? 0);
    const fresh: DecodedTransaction[] = [];
    for (const raw of raws) {
      try {
        const tx = decodeTransaction(raw, this.options.rules);
        if (admission.isKnown(hex(tx.hash))) continue;
        if (room-- > 0) fresh.push(tx);
        else refused('peer-share');
      } catch (error) {
        if (!(error instanceof TransactionRejected)) throw error;
        bad(error);
      }
    }
    if (fresh.length === 0 || this.closed) return;
    // Until they are pooled, they hold their room: batches read meanwhile see the peer's share taken.
    this.recovering.set(from, (this.recovering.get(from) ?? 0) + fresh.length);
    let outcome: Awaited<ReturnType<Admission['admitRecovered']>>;
    try {
      const recovered = await admission.recoverSenders(fresh);
      if (this.closed) return;
      const transactions = recovered.flatMap((tx) => (tx instanceof TransactionRejected ? (bad(tx), []) : [tx]));
      outcome = await admission.admitRecovered(transactions, source);
    } finally {
      this.recovering.set(from, this.recovering.get(from)! - fresh.length);
    }
    for (const error of outcome.refused) {
      metrics?.transactionsRejected.inc({ reason: error.reason, source: 'gossip' });
      refused(error.reason);
    }
    if (outcome.accepted > 0) metrics?.transactionsAccepted.inc({ source: 'gossip' }, outcome.accepted);
  }
}
