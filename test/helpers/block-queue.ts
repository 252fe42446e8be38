/**
 * A block source for tests: blocks pushed in, iterated out in order (an unbounded queue is fine for a
 * test's few blocks), ended by `close()` — what `startExecutionNode`'s `follow` option wants, standing
 * in for `DstFollower` where a test makes its own blocks.
 */
import type { SignedBlock } from '../../src/node/types.js';
import type { BlockSource, VerifiedBlock } from '../../src/execution/types.js';

export class BlockQueue {
  private readonly queued: VerifiedBlock[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  push(block: VerifiedBlock): void {
    this.queued.push(block);
    this.wake?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
  }

  blocks(after = 0): BlockSource {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        while (true) {
          const next = self.queued.shift();
          if (next !== undefined) {
            if (next.number > after) yield next;
            continue;
          }
          if (self.closed) return;
          await new Promise<void>((resolve) => (self.wake = resolve));
        }
      },
    };
  }
}

/** A signed block of the in-memory sequencer (test/api/memory-sequencer.ts) as a follower emits it. */
export function verifiedOf(signed: SignedBlock): VerifiedBlock {
  const { block } = signed;
  return { number: block.header.number, hash: block.hash, header: block.header, transactions: block.transactions, round: signed.round, signature: signed.signature, source: 'memory' };
}
