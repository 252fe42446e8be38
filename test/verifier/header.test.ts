/**
 * The verifier's header fast path (src/verifier/header.ts) against src/chain's `decodeHeader` plus
 * the re-encoding check: whenever the fast path returns a header, the full decoder accepts the same
 * bytes, gives the same header, and re-encodes it to the same bytes — on real headers (small and
 * large field values), on every single-byte change of them (each byte set to several values) and on
 * random truncations and extensions. It must also take the fast path on every header src/chain
 * encodes, or the speed-up would be lost silently.
 */
import { describe, expect, it } from 'vitest';
import { decodeHeader, encodeHeader, type BlockHeader } from '../../src/chain/block.js';
import { equalBytes } from '../../src/bytes/index.js';
import { decodeCanonicalHeader } from '../../src/verifier/header.js';

function slow(bytes: Uint8Array): BlockHeader | undefined {
  try {
    const header = decodeHeader(bytes);
    return equalBytes(encodeHeader(header), bytes) ? header : undefined;
  } catch {
    return undefined;
  }
}

let seed = 99;
const random = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => random(256));

function headers(): BlockHeader[] {
  const out: BlockHeader[] = [];
  const chainIds = [0n, 1n, 127n, 128n, 255n, 256n, 4242n, (1n << 48n) - 1n, 1n << 48n, (1n << 64n) + 3n, (1n << 256n) - 1n];
  const numbers = [0, 1, 127, 128, 255, 256, 65_535, 2 ** 32, 2 ** 48 - 1, 2 ** 48, Number.MAX_SAFE_INTEGER];
  const timestamps = [0n, 1n, 0x7fn, 0x80n, 1_700_000_000_250n, (1n << 48n) - 1n, 1n << 48n, (1n << 64n) - 1n];
  const small = [0, 1, 0x7f, 0x80, 0xff, 0x100, 100, 65_536, 2 ** 32 - 1];
  for (let i = 0; i < 60; i++) {
    out.push({
      chainId: chainIds[i % chainIds.length]!,
      number: numbers[(i * 7) % numbers.length]!,
      parentHash: randomBytes(32),
      timestampMs: timestamps[(i * 3) % timestamps.length]!,
      proposer: small[(i * 5) % small.length]!,
      transactionsRoot: randomBytes(32),
      transactionCount: small[(i * 11) % small.length]!,
    });
  }
  return out;
}

function expectAgreement(bytes: Uint8Array, label: string): void {
  const fast = decodeCanonicalHeader(bytes);
  if (fast === undefined) return;
  const reference = slow(bytes);
  expect(reference, `${label}: the fast path accepted what decodeHeader refuses`).toBeDefined();
  expect(fast, label).toEqual(reference);
}

describe('the verifier header fast path', () => {
  const encoded = headers().map(encodeHeader);

  it('decodes every header src/chain encodes, as decodeHeader does', () => {
    for (const [i, bytes] of encoded.entries()) {
      const fast = decodeCanonicalHeader(bytes);
      expect(fast, `header ${i}`).toBeDefined();
      expect(fast).toEqual(decodeHeader(bytes));
    }
  });

  it('never accepts a single-byte change that decodeHeader refuses, nor decodes one differently', () => {
    for (const [i, bytes] of encoded.slice(0, 10).entries()) {
      for (let at = 0; at < bytes.length; at++) {
        for (const value of [0x00, 0x01, 0x7f, 0x80, 0x81, 0xa0, 0xb7, 0xb8, 0xc0, 0xf7, 0xf8, 0xff, bytes[at]! ^ 1, random(256)]) {
          if (value === bytes[at]) continue;
          const changed = bytes.slice();
          changed[at] = value;
          expectAgreement(changed, `header ${i}, byte ${at} = 0x${value.toString(16)}`);
        }
      }
    }
  });

  it('agrees on truncations, extensions and random bytes', () => {
    for (const [i, bytes] of encoded.entries()) {
      for (let cut = 0; cut < bytes.length; cut++) expectAgreement(bytes.subarray(0, cut), `header ${i} cut at ${cut}`);
      const longer = new Uint8Array(bytes.length + 1 + random(3));
      longer.set(bytes);
      expectAgreement(longer, `header ${i} extended`);
    }
    for (let i = 0; i < 2_000; i++) {
      const bytes = randomBytes(random(140));
      if (bytes.length > 1) bytes[0] = [0xf8, 0xc0 + random(56), random(256)][random(3)]!;
      if (bytes[0] === 0xf8 && bytes.length > 2) bytes[1] = bytes.length - 2;
      expectAgreement(bytes, `random ${i}`);
    }
  });
});
