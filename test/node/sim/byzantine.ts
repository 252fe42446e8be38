/**
 * Byzantine nodes for the whole-node simulator. A Byzantine node runs the real pipeline (so it takes
 * part, builds blocks and signs with its real share), and the network rewrites what it sends:
 *
 * - `equivocate`: as leader, a different block (same parent and transactions, timestamp + 1) to every
 *   other peer — two valid blocks for one round;
 * - `bad-partials`: its COMMITs carry a well-formed partial signature over the wrong message, which
 *   verifies against no public share for the round's signing root;
 * - `withhold`: never sends a COMMIT or a DECIDED;
 * - `ahead`: with every message, a PREPARE four heights above it, as a node far ahead would send
 *   (honest nodes must sync, find nothing to sync and carry on);
 * - `silent` (scripted tests only, not among the random scenarios' kinds): sends no consensus message
 *   at all while staying connected — a dead leader that no connection loss gives away.
 */
import { assembleBlock, type Block } from '../../../src/chain/index.js';
import type { QbftMessage } from '../../../src/consensus/index.js';
import { partialSign, type KeyShare } from '../../../src/crypto/index.js';
import type { OutgoingHook } from './network.js';

export const BYZANTINE_KINDS = ['equivocate', 'bad-partials', 'withhold', 'ahead'] as const;
export type ByzantineKind = (typeof BYZANTINE_KINDS)[number] | 'silent';

export function byzantineHook(kind: ByzantineKind, share: KeyShare): OutgoingHook {
  switch (kind) {
    case 'equivocate':
      return (message, to) => {
        if (message.type !== 'PRE-PREPARE' || to % 2 === 0) return [message];
        const { header, transactions } = message.value;
        const other: Block = assembleBlock({ ...header, timestampMs: header.timestampMs + 1n }, transactions);
        return [{ ...message, value: other }];
      };
    case 'bad-partials':
      return (message) => {
        if (message.type !== 'COMMIT') return [message];
        const wrong = new Uint8Array(32).fill(message.round);
        return [{ ...message, signature: partialSign(share, wrong).signature }];
      };
    case 'withhold':
      return (message) => (message.type === 'COMMIT' || message.type === 'DECIDED' ? [] : [message]);
    case 'silent':
      return () => [];
    case 'ahead':
      return (message) => {
        const far: QbftMessage<Block> = { type: 'PREPARE', height: message.height + 4, round: 1, sender: message.sender, valueId: 'f'.repeat(64) };
        return [message, far];
      };
  }
}
