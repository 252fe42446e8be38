/**
 * Arbitrary input never breaks the server: random JSON values, random byte strings and hostile shapes
 * (deep nesting, huge batches, odd ids) sent as request bodies always get a well-formed JSON-RPC answer
 * (or none, for notifications), and the server keeps answering afterwards (fast-check properties).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAIN_ID, startFixture, type Fixture } from './fixture.js';

const METHODS = ['eth_chainId', 'eth_blockNumber', 'eth_sendRawTransaction', 'eth_getBlockByNumber', 'eth_getBlockByHash', 'eth_getTransactionByHash', 'dst_getSignedBlock', 'dst_health', 'dst_clusterInfo', 'eth_subscribe', 'nope'];

function expectWellFormed(response: any): void {
  expect(response.jsonrpc).toBe('2.0');
  expect('id' in response).toBe(true);
  if ('error' in response) {
    expect([-32700, -32600, -32601, -32602, -32000]).toContain(response.error.code);
    expect(typeof response.error.message).toBe('string');
  } else {
    expect('result' in response).toBe(true);
  }
}

describe('robustness against arbitrary input', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.server.close();
  });

  it('random requests to every method with random params get well-formed answers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }), async (method, params) => {
        const { status, json } = await f.post(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
        expect(status).toBe(200);
        expectWellFormed(json);
      }),
      { numRuns: 200 },
    );
  });

  it('random JSON bodies and random bytes get well-formed answers or none', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'), fc.string(), fc.uint8Array().map((b) => Buffer.from(b).toString('latin1'))), async (body) => {
        const { status, json } = await f.post(body);
        expect([200, 204]).toContain(status);
        if (status === 200) for (const response of Array.isArray(json) ? json : [json]) expectWellFormed(response);
      }),
      { numRuns: 200 },
    );
  });

  it('deep nesting and a large batch', async () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    // A batch of one element, itself not a request object.
    expect((await f.post(deep)).json).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request: expected a JSON-RPC request object, got an array of 1' } },
    ]);
    const deepParams = `{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByHash","params":${deep}}`;
    expect((await f.post(deepParams)).json).toMatchObject({ id: 1, error: { code: -32602 } });
    const batch = Array.from({ length: 1000 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'eth_chainId' }));
    const { json } = await f.post(JSON.stringify(batch));
    expect(json).toHaveLength(1000);
    expect(json.every((r: any, i: number) => r.id === i && r.result === `0x${CHAIN_ID.toString(16)}`)).toBe(true);
    expect((await f.call('eth_blockNumber')).result).toBe('0x0');
  });
});
