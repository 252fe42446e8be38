/**
 * dst-sequencer/verifier's block and chain checks (src/verifier/verify.ts) on real threshold-signed chains, on
 * both signature backends: valid blocks verify; every single-byte change of a header, a transaction,
 * the round or the signature is rejected with the reason an independent decoding (@ethereumjs/rlp)
 * predicts; dropped, added and reordered transactions, another chain id, t − 1 partials and another
 * key are rejected; ranges out of order or with a broken link name the first bad block; a range of
 * 1,000 blocks with one bad signature names exactly that block.
 */
import { describe, expect, it } from 'vitest';
import { RLP } from '@ethereumjs/rlp';
import { combine, createThresholdKey, partialSign, signingRoot, BLOCK_DOMAIN, WorkerPoolExecutor } from '../../src/crypto/index.js';
import { verifyChain, verifySignedBlock, type BackendName, type FailureReason, type SignedBlockData } from '../../src/verifier/index.js';
import { CHAIN_ID, edited, makeSignedChain } from './signed-chain.js';

const chain = makeSignedChain({ count: 12 });
const { trust } = chain;

/** The reason a header with these bytes must be refused for, decoded independently of src/chain. */
function expectedHeaderReason(original: Uint8Array, bytes: Uint8Array): FailureReason {
  let fields: Uint8Array[];
  try {
    const decoded = RLP.decode(bytes);
    if (!Array.isArray(decoded) || decoded.length !== 7 || decoded.some((f) => !(f instanceof Uint8Array))) return 'malformed-header';
    fields = decoded as Uint8Array[];
    if (Buffer.compare(RLP.encode(fields), bytes) !== 0) return 'malformed-header';
  } catch {
    return 'malformed-header';
  }
  const canonicalInteger = (f: Uint8Array, max: number) => f.length <= max && (f.length === 0 || f[0] !== 0);
  if (![0, 1, 3, 4, 6].every((i) => canonicalInteger(fields[i]!, [32, 8, 0, 8, 4, 0, 4][i]!)) || fields[2]!.length !== 32 || fields[5]!.length !== 32) {
    return 'malformed-header';
  }
  const before = RLP.decode(original) as Uint8Array[];
  const int = (f: Uint8Array) => (f.length === 0 ? 0n : BigInt(`0x${Buffer.from(f).toString('hex')}`));
  if (int(fields[1]!) > BigInt(Number.MAX_SAFE_INTEGER)) return 'malformed-header';
  if (int(fields[0]!) !== int(before[0]!)) return 'wrong-chain';
  if (int(fields[1]!) === 0n) return 'bad-genesis';
  if (Buffer.compare(fields[5]!, before[5]!) !== 0 || int(fields[6]!) !== int(before[6]!)) return 'transactions-mismatch';
  return 'bad-signature';
}

describe.each(['native', 'wasm'] as BackendName[])('dst-sequencer/verifier on the %s backend', (backend) => {
  it('every block of a threshold-signed chain verifies, one by one and as a chain', async () => {
    for (const [i, block] of chain.blocks.entries()) {
      const result = await verifySignedBlock(block, trust, { backend });
      expect(result).toEqual({ ok: true, number: i + 1, hash: chain.assembled[i]!.hash });
    }
    const result = await verifyChain(chain.blocks, trust, { backend, parent: { number: 0, hash: chain.assembled[0]!.header.parentHash } });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.head).toEqual({ number: 12, hash: chain.assembled[11]!.hash, timestampMs: chain.assembled[11]!.header.timestampMs });
  });

  it('refuses every single-byte change of the header with the reason its decoding gives', async () => {
    const block = chain.blocks[4]!;
    const seen = new Set<FailureReason>();
    for (let at = 0; at < block.header.length; at++) {
      for (const flip of [0x01, 0x80]) {
        const bad = edited(block, (b) => (b.header[at]! ^= flip));
        const expected = expectedHeaderReason(block.header, bad.header);
        const result = await verifySignedBlock(bad, trust, { backend });
        expect(result.ok, `byte ${at} ^ ${flip}`).toBe(false);
        if (!result.ok) expect(result.reason, `byte ${at} ^ ${flip}: ${result.detail}`).toBe(expected);
        seen.add(expected);
      }
    }
    expect([...seen].sort()).toEqual(['bad-signature', 'malformed-header', 'transactions-mismatch', 'wrong-chain']);
  });

  it('refuses every single-byte change of a transaction, and dropped, added and reordered transactions', async () => {
    const block = chain.blocks[1]!;
    const reasons = new Set<string>();
    for (const [t, tx] of block.transactions.entries()) {
      for (let at = 0; at < tx.length; at++) {
        const result = await verifySignedBlock(edited(block, (b) => (b.transactions[t]![at]! ^= 0x04)), trust, { backend });
        reasons.add(result.ok ? 'ok' : result.reason);
      }
    }
    const variants: Array<(b: SignedBlockData) => void> = [
      (b) => b.transactions.pop(),
      (b) => b.transactions.push(chain.blocks[2]!.transactions[0]!),
      (b) => b.transactions.reverse(),
      (b) => b.transactions.splice(1, 1),
    ];
    for (const variant of variants) {
      const result = await verifySignedBlock(edited(block, variant), trust, { backend });
      reasons.add(result.ok ? 'ok' : result.reason);
    }
    expect([...reasons]).toEqual(['transactions-mismatch']);
  });

  it('refuses another round, a changed signature, t − 1 partials, another key and another chain id', async () => {
    const block = chain.blocks[3]!;
    const reasonOf = async (b: SignedBlockData, trusted = trust) => {
      const result = await verifySignedBlock(b, trusted, { backend });
      return result.ok ? 'ok' : result.reason;
    };
    expect(await reasonOf(edited(block, (b) => (b.round += 1)))).toBe('bad-signature');
    expect(await reasonOf(edited(block, (b) => (b.round = 0)))).toBe('bad-signature');
    for (const at of [0, 1, 47, 48, 95]) expect(await reasonOf(edited(block, (b) => (b.signature[at]! ^= 0x01)))).toBe('bad-signature');
    expect(await reasonOf(edited(block, (b) => (b.signature = b.signature.subarray(0, 95))))).toBe('bad-signature');
    const root = signingRoot(BLOCK_DOMAIN, CHAIN_ID, block.round, chain.assembled[3]!.hash);
    const fewer = combine(chain.key.shares.slice(0, chain.key.threshold - 1).map((s) => partialSign(s, root)));
    expect(await reasonOf(edited(block, (b) => (b.signature = fewer)))).toBe('bad-signature');
    const other = createThresholdKey({ shares: 4, threshold: 3 });
    const byOther = combine(other.shares.slice(0, 3).map((s) => partialSign(s, root)));
    expect(await reasonOf(edited(block, (b) => (b.signature = byOther)))).toBe('bad-signature');
    expect(await reasonOf(block, { chainId: CHAIN_ID, groupPublicKey: other.groupPublicKey })).toBe('bad-signature');
    const otherChain = makeSignedChain({ count: 2, chainId: CHAIN_ID + 1n }, chain.key);
    expect(await reasonOf(otherChain.blocks[1]!)).toBe('wrong-chain');
    await expect(verifySignedBlock(block, { chainId: CHAIN_ID, groupPublicKey: new Uint8Array(48) }, { backend })).rejects.toThrow(/groupPublicKey/);
  });

  it('a range out of order, with a broken link or a timestamp going back names the first bad block', async () => {
    const blocks = chain.blocks;
    const swapped = [blocks[0]!, blocks[1]!, blocks[3]!, blocks[2]!];
    expect(await verifyChain(swapped, trust, { backend })).toMatchObject({ ok: false, index: 2, number: 4, reason: 'not-linked' });
    const gap = [blocks[0]!, blocks[2]!];
    expect(await verifyChain(gap, trust, { backend })).toMatchObject({ ok: false, index: 1, reason: 'not-linked' });
    const parent = { number: 1, hash: chain.assembled[0]!.hash };
    expect(await verifyChain(blocks.slice(1, 4), trust, { backend, parent })).toMatchObject({ ok: true });
    expect(await verifyChain(blocks.slice(2, 4), trust, { backend, parent })).toMatchObject({ ok: false, index: 0, reason: 'not-linked' });
    expect(await verifyChain(blocks.slice(1, 4), trust, { backend, parent: { number: 1, hash: chain.assembled[1]!.hash } })).toMatchObject({ ok: false, index: 0, reason: 'not-linked' });
    const late = { ...parent, timestampMs: chain.assembled[1]!.header.timestampMs + 1n };
    expect(await verifyChain(blocks.slice(1, 4), trust, { backend, parent: late })).toMatchObject({ ok: false, index: 0, reason: 'not-linked' });
    // a structural failure after a bad signature: the bad signature, which comes first, is named
    const mixed = [blocks[0]!, edited(blocks[1]!, (b) => (b.round = 7)), edited(blocks[2]!, (b) => b.transactions.pop())];
    expect(await verifyChain(mixed, trust, { backend })).toMatchObject({ ok: false, index: 1, number: 2, reason: 'bad-signature' });
    expect(await verifyChain([], trust, { backend, parent })).toEqual({ ok: true, head: parent, verified: [] });
  });
});

describe('a range of 1,000 blocks with one bad signature', () => {
  const long = makeSignedChain({ count: 1_000, transactionsPerBlock: 2, signWith: 'group' });
  it.each(['native', 'wasm'] as BackendName[])('names exactly that block on the %s backend, and verifies the range without it', async (backend) => {
    const bad = 1 + Math.floor(Math.random() * 998);
    const blocks = long.blocks.map((b, i) => (i === bad ? edited(b, (c) => (c.round += 1)) : b));
    const result = await verifyChain(blocks, long.trust, { backend });
    expect(result).toMatchObject({ ok: false, index: bad, number: bad + 1, reason: 'bad-signature' });
    if (!result.ok) expect(result.verified.length).toBe(bad);
    expect(await verifyChain(long.blocks, long.trust, { backend })).toMatchObject({ ok: true, head: { number: 1_000 } });
  });

  it('names exactly that block when the signatures are checked on a worker pool', async () => {
    const pool = new WorkerPoolExecutor({ workers: 2 });
    try {
      const bad = 1 + Math.floor(Math.random() * 998);
      const blocks = long.blocks.map((b, i) => (i === bad ? edited(b, (c) => (c.signature = long.blocks[0]!.signature)) : b));
      expect(await verifyChain(blocks, long.trust, { pool })).toMatchObject({ ok: false, index: bad, number: bad + 1, reason: 'bad-signature' });
      expect(await verifyChain(long.blocks, long.trust, { pool })).toMatchObject({ ok: true, head: { number: 1_000 } });
    } finally {
      await pool.close();
    }
  });
});
