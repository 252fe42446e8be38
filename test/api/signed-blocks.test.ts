/**
 * `dst_getSignedBlocks` (a verifier's backfill) and `--rpc-cors` over real HTTP against a
 * `MemorySequencer`: the range is exactly the blocks `dst_getSignedBlock` gives one by one, in order,
 * stopping at the head, and a reply of big blocks stays under the response limit; bad counts and numbers are -32602 errors; CORS headers and preflights are
 * answered only for the allowed origins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, startApiServer, type ApiServer } from '../../src/api/index.js';
import { Mainnet, createCustomCommon } from '@ethereumjs/common';
import { createLegacyTx } from '@ethereumjs/tx';
import { SIGNED_BLOCKS_MAX_BYTES } from '../../src/api/methods.js';
import { MemorySequencer } from './memory-sequencer.js';
import { CHAIN_ID, startFixture, type Fixture } from './fixture.js';

describe('dst_getSignedBlocks', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
    for (let i = 1; i <= 6; i++) f.sequencer.produceBlock(1_000n * BigInt(i), 1 + (i % 2));
  });
  afterAll(() => f.server.close());

  it('gives the blocks from a number on, each as dst_getSignedBlock does, stopping at the head', async () => {
    const one = await Promise.all([0, 1, 2, 3, 4, 5, 6].map(async (n) => (await f.call('dst_getSignedBlock', [`0x${n}`])).result));
    expect((await f.call('dst_getSignedBlocks', ['0x2', 3])).result).toEqual(one.slice(2, 5));
    expect((await f.call('dst_getSignedBlocks', ['0x0', 256])).result).toEqual(one);
    expect((await f.call('dst_getSignedBlocks', ['0x5', 10])).result).toEqual(one.slice(5));
    expect((await f.call('dst_getSignedBlocks', ['0x7', 10])).result).toEqual([]);
  });

  it('keeps a reply of big blocks under the response limit, counting the transactions as JSON hex', async () => {
    const big = await startFixture();
    try {
      // 60 transactions of 100 KB of call data: blocks of ~1 MB raw, ~2 MB as JSON, 12 MB in all
      const key = new Uint8Array(32).fill(7);
      const common = createCustomCommon({ chainId: Number(CHAIN_ID) }, Mainnet);
      for (let nonce = 0; nonce < 60; nonce++) {
        const tx = createLegacyTx({ nonce, gasPrice: 10n ** 9n, gasLimit: 2_000_000n, to: `0x${'11'.repeat(20)}`, data: new Uint8Array(100_000).fill(nonce + 1) }, { common }).sign(key);
        await big.sequencer.submitTransaction(tx.serialize());
      }
      while (big.sequencer.headNumber() < 6) big.sequencer.produceBlock(1_000n * BigInt(big.sequencer.headNumber() + 1));
      const got: unknown[] = [];
      let replies = 0;
      while (got.length < 7) {
        const response = await big.call('dst_getSignedBlocks', [`0x${got.length.toString(16)}`, 256]);
        expect(response.error, JSON.stringify(response.error)).toBeUndefined();
        expect(JSON.stringify(response.result).length).toBeLessThan(SIGNED_BLOCKS_MAX_BYTES + 2_300_000);
        expect(response.result.length).toBeGreaterThan(0);
        got.push(...response.result);
        replies += 1;
      }
      expect(replies).toBeGreaterThan(1);
      const one = await Promise.all([0, 1, 2, 3, 4, 5, 6].map(async (n) => (await big.call('dst_getSignedBlock', [`0x${n}`])).result));
      expect(got).toEqual(one);
    } finally {
      await big.server.close();
    }
  });

  it('refuses a count outside 1..256 and a malformed number with -32602, naming the parameter', async () => {
    for (const [params, message] of [
      [['0x1', 0], /param 1 \(count\): expected an integer in 1\.\.256, got number 0/],
      [['0x1', 257], /param 1 \(count\): expected an integer in 1\.\.256/],
      [['0x1', '5'], /param 1 \(count\)/],
      [['1', 5], /param 0 \(fromNumber\)/],
      [['0x1'], /invalid params/],
    ] as const) {
      const response = await f.call('dst_getSignedBlocks', [...params]);
      expect(response.error?.code, JSON.stringify(params)).toBe(-32602);
      expect(response.error.message).toMatch(message);
    }
  });
});

describe('--rpc-cors', () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer(new MemorySequencer(1337n), {
      host: '127.0.0.1', port: 0, maxBodyBytes: 65_536, logger: createLogger({ level: 'silent' }), corsOrigins: ['http://explorer.example'],
    });
  });
  afterAll(() => server.close());

  const call = (origin?: string) =>
    fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' });

  it('allows the listed origin, answers its preflight, and says nothing to other origins', async () => {
    const allowed = await call('http://explorer.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://explorer.example');
    expect(((await allowed.json()) as { result: string }).result).toBe('0x539');
    const preflight = await fetch(server.url, { method: 'OPTIONS', headers: { origin: 'http://explorer.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/content-type/);
    const other = await call('http://elsewhere.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect((await call()).headers.get('access-control-allow-origin')).toBeNull();
    const otherPreflight = await fetch(server.url, { method: 'OPTIONS', headers: { origin: 'http://elsewhere.example' } });
    expect(otherPreflight.status).toBe(405);
  });
});
