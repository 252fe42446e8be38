/**
 * The load generator's funded senders (src/load/funded.ts): each key starts at its pending nonce as a
 * real JSON-RPC server on 127.0.0.1 answers `eth_getTransactionCount(address, "pending")`, asked in
 * batches of NONCE_BATCH; a wrong answer or no server is an error naming the URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prefixedHex } from '../../src/bytes/index.js';
import { fundedSenders, NONCE_BATCH } from '../../src/load/funded.js';
import { randomSenderKey } from '../../src/load/index.js';
import { freePort } from '../helpers/net.js';

let server: Server;
let url: string;
const nonces = new Map<string, number>();
const batchSizes: number[] = [];
let answerBadly = false;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += String(chunk)));
    request.on('end', () => {
      const calls = JSON.parse(body) as Array<{ id: number; method: string; params: [string, string] }>;
      batchSizes.push(calls.length);
      const answers = calls.map((call) => {
        if (call.method !== 'eth_getTransactionCount' || call.params[1] !== 'pending') return { jsonrpc: '2.0', id: call.id, error: { code: -32601, message: 'not asked for' } };
        if (answerBadly) return { jsonrpc: '2.0', id: call.id, error: { code: -32000, message: 'no such thing' } };
        return { jsonrpc: '2.0', id: call.id, result: `0x${(nonces.get(call.params[0]) ?? 0).toString(16)}` };
      });
      response.setHeader('content-type', 'application/json');
      // Answered in reverse order: matched by id, as JSON-RPC allows.
      response.end(JSON.stringify(answers.reverse()));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('fundedSenders', () => {
  it('gives each key its pending nonce, in key order, asking in batches', async () => {
    const keys = Array.from({ length: NONCE_BATCH + 7 }, () => randomSenderKey());
    keys.forEach((key, i) => nonces.set(prefixedHex(key.address), i * 3));
    batchSizes.length = 0;
    const senders = await fundedSenders(url, keys);
    expect(senders.map((sender) => sender.nonce)).toEqual(keys.map((_, i) => i * 3));
    expect(senders.map((sender) => prefixedHex(sender.address))).toEqual(keys.map((key) => prefixedHex(key.address)));
    expect(senders[5]!.privateKey).toEqual(keys[5]!.privateKey);
    expect(batchSizes).toEqual([NONCE_BATCH, 7]);
    expect(await fundedSenders(url, [])).toEqual([]);
  });

  it('an error answer or no server is an error naming the URL', async () => {
    const key = randomSenderKey();
    answerBadly = true;
    try {
      await expect(fundedSenders(url, [key])).rejects.toThrow(`eth_getTransactionCount of ${prefixedHex(key.address)} from ${url}: expected a quantity, got "no such thing"`);
    } finally {
      answerBadly = false;
    }
    const nobody = `http://127.0.0.1:${await freePort()}/`;
    await expect(fundedSenders(nobody, [key])).rejects.toThrow(`eth_getTransactionCount of the funded load keys from ${nobody}:`);
  });
});
