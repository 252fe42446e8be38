/**
 * Framing and signed consensus envelopes without a network: frames survive any chunking, oversized
 * and malformed input is refused with FrameError, and every message type round-trips with signatures
 * that an independent Ed25519 implementation (@noble/curves) accepts over `domain ‖ body`.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Commit, Prepare, QbftMessage, RoundChange } from '../../src/consensus/qbft/types.js';
import {
  AuthenticationError,
  CONSENSUS_SIGNING_DOMAIN,
  ConsensusCodec,
  FrameError,
  FrameReader,
  encodeFrame,
} from '../../src/p2p/index.js';

describe('framing', () => {
  it('decodes the same frames however the byte stream is chunked', () => {
    const value = fc.oneof(fc.integer(), fc.string(), fc.uint8Array({ maxLength: 40 }), fc.array(fc.nat(), { maxLength: 5 }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (values, cuts) => {
        const frames = values.map((v) => encodeFrame(v, 1 << 16));
        const bytes = Uint8Array.from(frames.flatMap((f) => [...f]));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const reader = new FrameReader(1 << 16);
        const decoded: unknown[] = [];
        let start = 0;
        for (const point of [...points, bytes.length]) {
          decoded.push(...reader.push(bytes.subarray(start, point)));
          start = point;
        }
        expect(reader.pendingBytes).toBe(0);
        expect(decoded.map(normalise)).toEqual(values.map(normalise));
      }),
      { numRuns: 200 },
    );
  });

  it('decodes a frame delivered one byte at a time', () => {
    const value = { block: new Uint8Array(3000).fill(7), n: 1 };
    const frame = encodeFrame(value, 1 << 16);
    const reader = new FrameReader(1 << 16);
    const decoded = [...frame].flatMap((byte) => reader.push(new Uint8Array([byte])));
    expect(decoded.length).toBe(1);
    expect([...(decoded[0] as typeof value).block]).toEqual([...value.block]);
  });

  it('writes the length as a 4-byte big-endian prefix', () => {
    const frame = encodeFrame('abc', 100);
    expect([...frame.subarray(0, 4)]).toEqual([0, 0, 0, frame.length - 4]);
  });

  it('refuses oversized, empty and malformed frames', () => {
    expect(() => encodeFrame(new Uint8Array(200), 100)).toThrow(/frame too large: expected at most 100 bytes/);
    expect(() => new FrameReader(100).push(new Uint8Array([0, 0, 0, 101]))).toThrow(FrameError);
    expect(() => new FrameReader(100).push(new Uint8Array([0, 0, 0, 0]))).toThrow(/empty frame/);
    expect(() => new FrameReader(100).push(new Uint8Array([0, 0, 0, 2, 0x92, 0x01]))).toThrow(/malformed msgpack/);
    // Two values in one frame: a frame holds exactly one.
    expect(() => new FrameReader(100).push(new Uint8Array([0, 0, 0, 2, 1, 2]))).toThrow(/expected one msgpack value, got 2/);
  });
});

function normalise(value: unknown): unknown {
  return value instanceof Uint8Array ? [...value] : value;
}

describe('consensus envelopes', () => {
  const n = 4;
  let keys: Ed25519PrivateKey[];
  let codecs: ConsensusCodec<{ block: Uint8Array }>[];

  beforeAll(async () => {
    keys = await Promise.all(Array.from({ length: n }, () => generateKeyPair('Ed25519')));
    codecs = keys.map((k, i) => new ConsensusCodec(k, i, keys.map((key) => key.publicKey)));
  });

  const value = { block: new Uint8Array([9, 8, 7]) };
  const prepare = (sender: number): Prepare => ({ type: 'PREPARE', height: 3, round: 2, sender, valueId: '0x01' });
  const commit = (sender: number): Commit => ({ type: 'COMMIT', height: 3, round: 2, sender, valueId: '0x01', signature: new Uint8Array(96).fill(sender + 1) });

  /** What `sender` sends arrives at `receiver` (as the host does: seal there, open here). */
  const transfer = async <M extends QbftMessage<{ block: Uint8Array }>>(sender: number, receiver: number, message: M): Promise<M> =>
    (await codecs[receiver].open(await codecs[sender].seal(message), sender)) as M;

  it('signs with Ed25519 over domain ‖ body, checked by @noble/curves', async () => {
    const [body, signature] = await codecs[1].seal(prepare(1));
    const signed = new Uint8Array([...CONSENSUS_SIGNING_DOMAIN, ...body]);
    expect(ed25519.verify(signature, signed, keys[1].publicKey.raw)).toBe(true);
    expect(ed25519.verify(signature, body, keys[1].publicKey.raw)).toBe(false);
  });

  it('round-trips every message type, nested messages keeping their own senders', async () => {
    const prepares = await Promise.all([1, 2, 3].map((s) => transfer(s, 0, prepare(s))));
    const roundChange: RoundChange<{ block: Uint8Array }> = {
      type: 'ROUND-CHANGE', height: 3, round: 3, sender: 0, prepared: { round: 2, value, prepares: [...prepares, prepare(0)] },
    };
    const receivedRoundChanges = [await transfer(1, 0, { type: 'ROUND-CHANGE', height: 3, round: 3, sender: 1 } as RoundChange<{ block: Uint8Array }>)];
    const messages: QbftMessage<{ block: Uint8Array }>[] = [
      prepare(0),
      commit(0),
      roundChange,
      { type: 'PRE-PREPARE', height: 3, round: 1, sender: 0, value },
      { type: 'PRE-PREPARE', height: 3, round: 3, sender: 0, value, justification: { roundChanges: [...receivedRoundChanges, roundChange], prepares } },
      { type: 'DECIDED', height: 3, round: 2, sender: 0, value, commits: [commit(0), await transfer(2, 0, commit(2))] },
    ];
    for (const message of messages) {
      const received = await transfer(0, 3, message);
      expect(deepNormalise(received)).toEqual(deepNormalise(message));
    }
  });

  it('rejects a claimed sender other than the connection peer, a bad signature, and malformed envelopes', async () => {
    await expect(codecs[2].open(await codecs[1].seal(prepare(1)), 3)).rejects.toThrow(AuthenticationError);
    const [body, signature] = await codecs[1].seal(prepare(1));
    const bad = Uint8Array.from(signature);
    bad[63] ^= 0x80;
    await expect(codecs[2].open([body, bad], 1)).rejects.toThrow(/bad signature on a message of sender 1/);
    await expect(codecs[2].open([body], 1)).rejects.toThrow(FrameError);
    await expect(codecs[2].open('junk', 1)).rejects.toThrow(FrameError);
    // A valid signature on a body that is not a message tuple.
    const sealedJunk = await codecs[1].seal(prepare(1));
    await expect(codecs[2].open([sealedJunk[0].subarray(0, 3), sealedJunk[1]], 1)).rejects.toThrow(FrameError);
  });

  it('verifies an envelope once: re-seen inside a justification or a DECIDED it is not checked again', async () => {
    const fresh = keys.map((k, i) => new ConsensusCodec<{ block: Uint8Array }>(k, i, keys.map((key) => key.publicKey)));
    const send = async <M extends QbftMessage<{ block: Uint8Array }>>(from: number, to: number, message: M): Promise<M> =>
      (await fresh[to]!.open(await fresh[from]!.seal(message), from)) as M;
    // Node 0 receives COMMITs of 1 and 2 alone (two checks) …
    const commits = [await send(1, 0, commit(1)), await send(2, 0, commit(2))];
    expect(fresh[0]!.signaturesVerified).toBe(2);
    // … then node 3 forwards them inside a DECIDED: node 3 received them first (two checks).
    const atThree = [await send(1, 3, commit(1)), await send(2, 3, commit(2))];
    const decided = await send(3, 0, { type: 'DECIDED', height: 3, round: 2, sender: 3, value, commits: [...atThree, commit(3)] });
    // Node 0 checks the DECIDED and node 3's COMMIT, not the two it verified before.
    expect(fresh[0]!.signaturesVerified).toBe(4);
    expect(deepNormalise(decided.commits)).toEqual(deepNormalise([...commits, commit(3)]));
    // Node 0's own message forwarded back to it is its own signature: no check either.
    const own = await send(0, 1, prepare(0));
    await send(1, 0, { type: 'ROUND-CHANGE', height: 3, round: 3, sender: 1, prepared: { round: 2, value, prepares: [own] } });
    expect(fresh[0]!.signaturesVerified).toBe(5);
  });

  it('a remembered signature on another body or of another sender is still checked and refused', async () => {
    const fresh = keys.map((k, i) => new ConsensusCodec<{ block: Uint8Array }>(k, i, keys.map((key) => key.publicKey)));
    const [body, signature] = await fresh[1]!.seal(commit(1));
    await fresh[0]!.open([body, signature], 1);
    // The same signature on a body that differs in one byte (the partial signature): verified, refused.
    const other = Uint8Array.from(body);
    other[other.length - 1] ^= 1;
    await expect(fresh[0]!.open([other, signature], 1)).rejects.toThrow(/bad signature on a message of sender 1/);
    // The same signature and body inside a message that names another sender for it: the body says 1, so
    // a forged envelope must re-sign; a valid envelope of 2 reusing 1's signature is refused.
    const [body2] = await fresh[2]!.seal(commit(2));
    await expect(fresh[0]!.open([body2, signature], 2)).rejects.toThrow(/bad signature on a message of sender 2/);
    expect(fresh[0]!.signaturesVerified).toBe(3);
  });

  it('refuses to forward a message of another operator it never received', async () => {
    await expect(codecs[0].seal(prepare(2))).rejects.toThrow(/without its signature/);
  });
});

function deepNormalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(deepNormalise);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepNormalise(v)]));
  }
  return value;
}
