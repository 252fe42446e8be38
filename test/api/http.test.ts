/**
 * The JSON-RPC API over real HTTP against a `MemorySequencer` built from the real chain code: every
 * method's result checked against independent implementations (@ethereumjs/tx for transaction fields,
 * @ethereumjs/rlp for sizes and headers, @noble/hashes for hashes, blst for signatures), every error
 * code, batches, notifications, size limits, and the health and metrics endpoints.
 */
import { connect } from 'node:net';
import { PublicKey, Signature, verify } from '@chainsafe/blst';
import { RLP } from '@ethereumjs/rlp';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TypedTransaction } from '@ethereumjs/tx';
import { makeSignedTransactionObjects, mutateTransaction, rlpInteger } from '../helpers/transactions.js';
import { testAccounts, signTransfers } from '../node/wallets.js';
import { waitFor } from '../helpers/net.js';
import { CHAIN_ID, MAX_BODY_BYTES, startFixture, toHex, type Fixture } from './fixture.js';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const txs = makeSignedTransactionObjects(12, { chainId: Number(CHAIN_ID), seed: 5 });
/** Same senders and nonces, different contents: replays of nonces once the first set is included. */
const sameNonces = makeSignedTransactionObjects(4, { chainId: Number(CHAIN_ID), seed: 6 });
const quantity = (value: bigint | number) => `0x${value.toString(16)}`;
/** What Ethereum's JSON shape says for a transaction, from @ethereumjs/tx's own fields. */
function expectedTransaction(tx: TypedTransaction, location: { blockHash: string; blockNumber: number; index: number } | undefined) {
  const json: Record<string, unknown> = {
    blockHash: location?.blockHash ?? null,
    blockNumber: location ? quantity(location.blockNumber) : null,
    transactionIndex: location ? quantity(location.index) : null,
    hash: toHex(tx.hash()),
    type: quantity(tx.type),
    from: tx.getSenderAddress().toString(),
    to: tx.to?.toString() ?? null,
    nonce: quantity(tx.nonce),
    gas: quantity(tx.gasLimit),
    value: quantity(tx.value),
    input: toHex(tx.data),
    v: quantity(tx.v!),
    r: quantity(tx.r!),
    s: quantity(tx.s!),
  };
  if (tx.type !== 0 || tx.v! >= 35n) json.chainId = quantity(CHAIN_ID);
  if ('maxFeePerGas' in tx) {
    json.maxFeePerGas = quantity(tx.maxFeePerGas);
    json.maxPriorityFeePerGas = quantity(tx.maxPriorityFeePerGas);
    const effective = tx.maxPriorityFeePerGas < tx.maxFeePerGas ? tx.maxPriorityFeePerGas : tx.maxFeePerGas;
    json.gasPrice = quantity(location ? effective : tx.maxFeePerGas);
  } else {
    json.gasPrice = quantity((tx as { gasPrice: bigint }).gasPrice);
  }
  if (tx.type !== 0) {
    json.yParity = quantity(tx.v!);
    json.accessList = (tx as { accessList: [Uint8Array, Uint8Array[]][] }).accessList.map(([address, keys]) => ({
      address: toHex(address),
      storageKeys: keys.map(toHex),
    }));
  }
  return json;
}

describe('JSON-RPC over HTTP', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.server.close();
  });

  it('eth_chainId and eth_blockNumber', async () => {
    expect((await f.call('eth_chainId')).result).toBe(quantity(CHAIN_ID));
    expect((await f.call('eth_blockNumber')).result).toBe('0x0');
  });

  it('eth_sendRawTransaction returns the hash; eth_getTransactionByHash shows it pending, then included', async () => {
    for (const tx of txs.slice(0, 8)) {
      const response = await f.call('eth_sendRawTransaction', [toHex(tx.serialize())]);
      expect(response).toEqual({ jsonrpc: '2.0', id: response.id, result: toHex(tx.hash()) });
    }
    for (const tx of txs.slice(0, 8)) {
      expect((await f.call('eth_getTransactionByHash', [toHex(tx.hash())])).result).toEqual(expectedTransaction(tx, undefined));
    }
    const signed = f.sequencer.produceBlock(1_700_000_000_250n, 2);
    expect((await f.call('eth_blockNumber')).result).toBe('0x1');
    const blockHash = toHex(signed.block.hash);
    for (const tx of txs.slice(0, 8)) {
      const index = signed.block.transactionHashes.findIndex((hash) => toHex(hash) === toHex(tx.hash()));
      expect(index).toBeGreaterThanOrEqual(0);
      expect((await f.call('eth_getTransactionByHash', [toHex(tx.hash())])).result).toEqual(expectedTransaction(tx, { blockHash, blockNumber: 1, index }));
    }
    expect((await f.call('eth_getTransactionByHash', [toHex(new Uint8Array(32))])).result).toBeNull();
  });

  it('eth_getBlockByNumber / ByHash: Ethereum fields, DST extras, hashes or full transactions', async () => {
    const signed = f.sequencer.blocks[1]!;
    const { block } = signed;
    const byNumber = (await f.call('eth_getBlockByNumber', ['0x1', false])).result;
    const headerRlp = RLP.encode([
      rlpInteger(CHAIN_ID), rlpInteger(1n), block.header.parentHash, rlpInteger(block.header.timestampMs), rlpInteger(1n), block.header.transactionsRoot, rlpInteger(BigInt(block.transactions.length)),
    ]);
    const ethereumTxs = block.transactions.map((raw) => (raw[0]! >= 0xc0 ? RLP.decode(raw) : raw));
    expect(byNumber).toEqual({
      number: '0x1',
      hash: toHex(keccak_256(headerRlp)),
      parentHash: toHex(f.sequencer.blocks[0]!.block.hash),
      nonce: '0x0000000000000000',
      sha3Uncles: toHex(keccak_256(RLP.encode([]))),
      logsBloom: toHex(new Uint8Array(256)),
      transactionsRoot: toHex(block.header.transactionsRoot),
      stateRoot: toHex(new Uint8Array(32)),
      receiptsRoot: toHex(new Uint8Array(32)),
      miner: toHex(new Uint8Array(20)),
      difficulty: '0x0',
      extraData: '0x',
      size: quantity(RLP.encode([RLP.decode(headerRlp), ethereumTxs] as never).length),
      gasLimit: '0x0',
      gasUsed: '0x0',
      timestamp: quantity(1_700_000_000n),
      mixHash: toHex(new Uint8Array(32)),
      baseFeePerGas: '0x0',
      proposer: '0x1',
      round: '0x2',
      timestampMs: quantity(1_700_000_000_250n),
      signingRoot: toHex(signed.signingRoot),
      sequencerSignature: toHex(signed.signature),
      transactions: block.transactionHashes.map(toHex),
      uncles: [],
    });
    expect((await f.call('eth_getBlockByHash', [byNumber.hash, false])).result).toEqual(byNumber);
    for (const tag of ['latest', 'pending', 'safe', 'finalized']) {
      expect((await f.call('eth_getBlockByNumber', [tag, false])).result).toEqual(byNumber);
    }
    const full = (await f.call('eth_getBlockByHash', [byNumber.hash, true])).result;
    expect(full.transactions).toEqual(
      block.transactionHashes.map((hash, index) => expectedTransaction(txs.find((tx) => toHex(tx.hash()) === toHex(hash))!, { blockHash: byNumber.hash, blockNumber: 1, index })),
    );
    const genesis = (await f.call('eth_getBlockByNumber', ['earliest', true])).result;
    expect(genesis).toMatchObject({ number: '0x0', hash: toHex(f.sequencer.blocks[0]!.block.hash), signingRoot: null, sequencerSignature: null, transactions: [], timestamp: '0x0' });
    expect((await f.call('eth_getBlockByNumber', ['0x2', false])).result).toBeNull();
    // The largest block number there can be: absent, not an error (one above it is -32602, below).
    expect((await f.call('eth_getBlockByNumber', ['0x1fffffffffffff', false])).result).toBeNull();
    expect((await f.call('eth_getBlockByHash', [toHex(new Uint8Array(32).fill(9)), false])).result).toBeNull();
  });

  it('dst_clusterInfo, dst_getSignedBlock (the signature verifies with blst), dst_health', async () => {
    const publicKey = f.sequencer.secretKey.toPublicKey().toBytes();
    expect((await f.call('dst_clusterInfo')).result).toEqual({
      chainId: quantity(CHAIN_ID), groupPublicKey: toHex(publicKey), nodes: 1, threshold: 1, self: 1, blockTimeMs: 250,
    });
    const signed = f.sequencer.blocks[1]!;
    const result = (await f.call('dst_getSignedBlock', ['0x1'])).result;
    expect((await f.call('dst_getSignedBlock', [result.hash])).result).toEqual(result);
    expect((await f.call('dst_getSignedBlock', ['latest'])).result).toEqual(result);
    expect(result).toMatchObject({ chainId: quantity(CHAIN_ID), number: '0x1', round: 2, groupPublicKey: toHex(publicKey) });
    const header = Buffer.from(result.header.slice(2), 'hex');
    expect(result.hash).toBe(toHex(keccak_256(header)));
    expect(result.transactions).toEqual(signed.block.transactions.map(toHex));
    const root = Buffer.from(result.signingRoot.slice(2), 'hex');
    const domain = Buffer.from(keccak_256(new TextEncoder().encode('dst api test block domain')));
    const u256 = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
    expect(toHex(root)).toBe(toHex(keccak_256(Buffer.concat([domain, u256(CHAIN_ID), u256(2n), keccak_256(header)]))));
    const signature = Signature.fromBytes(Buffer.from(result.signature.slice(2), 'hex'));
    expect(verify(root, PublicKey.fromBytes(Buffer.from(result.groupPublicKey.slice(2), 'hex')), signature)).toBe(true);
    expect((await f.call('dst_getSignedBlock', ['0x0'])).result).toMatchObject({ number: '0x0', signature: null, signingRoot: null });
    expect((await f.call('dst_getSignedBlock', ['0x5'])).result).toBeNull();
    expect((await f.call('dst_health')).result).toEqual({ live: true, ready: true, head: '0x1', mempoolSize: 0, reasons: [] });
  });

  it('rejects transactions with -32000, the typed reason in data, and the chain code\'s message', async () => {
    const legacy = txs.find((tx) => tx.type === 0 && tx.v! >= 35n)!;
    const typed = txs[9]!;
    const cases: [string, Uint8Array, string, RegExp][] = [
      ['malformed RLP', Uint8Array.of(0xf8, 0x05, 0x01), 'malformed', /transaction: /],
      ['truncated typed', typed.serialize().subarray(0, 40), 'malformed', /transaction: /],
      ['blob type', Uint8Array.of(0x03, 0xc0), 'unsupported-type', /unsupported type 0x03/],
      ['wrong chain id', makeSignedTransactionObjects(1, { chainId: 1 })[0]!.serialize(), 'wrong-chain-id', /chain id 1, this sequencer is chain 1337/],
      ['high s', mutateTransaction(typed.serialize(), (fields) => (fields[fields.length - 1] = rlpInteger(SECP256K1_N - typed.s!))), 'high-s', /upper half of the curve order/],
      ['duplicate of an included one', legacy.serialize(), 'already-included', /already in a block/],
      ['nonce too low', sameNonces[0]!.serialize(), 'nonce-too-low', /nonce too low/],
      ['5,000 nested lists', nestedLists(5_000), 'malformed', /lists nested more than 16 deep/],
    ];
    await f.call('eth_sendRawTransaction', [toHex(typed.serialize())]);
    cases.push(['duplicate of a pending one', typed.serialize(), 'already-known', /already pending/]);
    for (const [name, raw, reason, message] of cases) {
      const response = await f.call('eth_sendRawTransaction', [toHex(raw)]);
      expect(response.error, name).toMatchObject({ code: -32000, data: { reason } });
      expect(response.error.message, name).toMatch(message);
    }
    const metrics = await (await fetch(new URL('/metrics', f.server.url))).text();
    expect(metrics).toMatch(/dst_transactions_rejected_total\{reason="high-s",source="rpc"\} 1/);
    expect(metrics).toMatch(/dst_transactions_accepted_total\{source="rpc"\} 9/);
    expect((await f.call('eth_chainId')).result).toBe(quantity(CHAIN_ID));
  });

  it('answers -32602 naming the parameter and what was expected', async () => {
    const cases: [string, unknown[], RegExp][] = [
      ['eth_sendRawTransaction', ['0xabc'], /param 0 \(raw transaction\): expected 0x-prefixed hex bytes .*got "0xabc"/],
      ['eth_sendRawTransaction', ['f86b'], /param 0 \(raw transaction\)/],
      ['eth_sendRawTransaction', ['0xzz'], /param 0 \(raw transaction\)/],
      ['eth_sendRawTransaction', [42], /param 0 \(raw transaction\): .*got number 42/],
      ['eth_sendRawTransaction', [], /expected 1 param, got 0/],
      ['eth_getBlockByNumber', ['0x1'], /expected 2 params, got 1/],
      ['eth_getBlockByNumber', ['newest', false], /param 0 \(block\): expected a block number as a hex quantity or one of "latest"/],
      ['eth_getBlockByNumber', ['0x01', false], /param 0 \(block\): expected a hex quantity/],
      ['eth_getBlockByNumber', ['0x10000000000000000', false], /at most 0x1fffffffffffff \(Number.MAX_SAFE_INTEGER, the largest block number\)/],
      ['eth_getBlockByNumber', ['0x20000000000000', false], /param 0 \(block\): expected a hex quantity like "0x1a" of at most 0x1fffffffffffff .*got "0x20000000000000"/],
      ['dst_getSignedBlock', ['0x20000000000000'], /param 0 \(block\): .*at most 0x1fffffffffffff/],
      ['eth_getTransactionCount', ['0x' + '12'.repeat(20), '0xffffffffffffffff'], /param 1 \(block\): .*at most 0x1fffffffffffff/],
      ['eth_getBlockByNumber', ['latest', 'yes'], /param 1 \(full transactions\): expected true or false, got "yes"/],
      ['eth_getBlockByHash', ['0x1234', false], /param 0 \(block hash\): expected 32 bytes as 0x-prefixed hex/],
      ['eth_getTransactionByHash', [null], /param 0 \(transaction hash\): expected 32 bytes .*got null/],
      ['eth_chainId', [1], /expected 0 params, got 1/],
      ['dst_getSignedBlock', [{}], /param 0 \(block\): expected a 32-byte block hash or a block number/],
    ];
    for (const [method, params, message] of cases) {
      const response = await f.call(method, params);
      expect(response.error?.code, `${method} ${JSON.stringify(params)}`).toBe(-32602);
      expect(response.error.message).toMatch(message);
    }
  });

  it('-32700 for garbage JSON, -32600 for invalid requests, -32601 for unknown methods', async () => {
    for (const garbage of ['{', 'not json', '{"jsonrpc":"2.0",', '\u0000\u00ff']) {
      expect(await f.post(garbage)).toEqual({ status: 200, json: { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error: the request is not valid JSON' } } });
    }
    const invalid: [unknown, unknown, RegExp][] = [
      [42, null, /expected a JSON-RPC request object, got number 42/],
      [{ jsonrpc: '1.0', id: 3, method: 'eth_chainId' }, 3, /"jsonrpc" must be "2.0"/],
      [{ jsonrpc: '2.0', id: 4, method: 7 }, 4, /"method" must be a string/],
      [{ jsonrpc: '2.0', id: 5, method: 'eth_chainId', params: { a: 1 } }, 5, /"params" must be an array/],
      [{ jsonrpc: '2.0', id: { x: 1 }, method: 'eth_chainId' }, null, /"id" must be a string, number or null/],
    ];
    for (const [request, id, message] of invalid) {
      const { status, json } = await f.post(JSON.stringify(request));
      expect(status).toBe(200);
      expect(json).toMatchObject({ jsonrpc: '2.0', id, error: { code: -32600 } });
      expect(json.error.message).toMatch(message);
    }
    const unknown = await f.call('eth_mine');
    expect(unknown.error).toEqual({ code: -32601, message: 'the method "eth_mine" does not exist or is not available' });
    expect((await f.call('toString')).error.code).toBe(-32601);
    expect((await f.call('eth_subscribe', ['newHeads'])).error).toEqual({ code: -32601, message: 'eth_subscribe is available only over WebSocket' });
    expect((await f.call('eth_chainId')).result).toBe(quantity(CHAIN_ID));
  });

  it('batches: empty → -32600, mixed valid and invalid answered in order, notifications unanswered', async () => {
    expect((await f.post('[]')).json).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request: empty batch' } });
    const { status, json } = await f.post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
        { jsonrpc: '2.0', id: 'two', method: 'eth_nope' },
        1,
        { jsonrpc: '2.0', method: 'eth_blockNumber' },
        { jsonrpc: '2.0', id: null, method: 'eth_blockNumber', params: [] },
        { jsonrpc: '2.0', id: 6, method: 'eth_getBlockByNumber', params: ['0x1'] },
      ]),
    );
    expect(status).toBe(200);
    expect(json.map((r: any) => [r.id, r.result ?? r.error.code])).toEqual([
      [1, quantity(CHAIN_ID)],
      ['two', -32601],
      [null, -32600],
      [null, '0x1'],
      [6, -32602],
    ]);
    expect(await f.post(JSON.stringify([{ jsonrpc: '2.0', method: 'eth_chainId' }]))).toEqual({ status: 204, json: undefined });
    expect(await f.post(JSON.stringify({ jsonrpc: '2.0', method: 'eth_chainId' }))).toEqual({ status: 204, json: undefined });
  });

  it('refuses a body over the limit with 413 and a JSON-RPC error, and keeps serving', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: [`0x${'00'.repeat(MAX_BODY_BYTES)}`] });
    expect(await f.post(big)).toEqual({
      status: 413,
      json: { jsonrpc: '2.0', id: null, error: { code: -32600, message: `invalid request: the body exceeds the limit of ${MAX_BODY_BYTES} bytes` } },
    });
    // Without a declared length (chunked), the limit applies while reading.
    const chunked = await fetch(f.server.url, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(MAX_BODY_BYTES / 4)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await f.post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] + ' '.repeat(100) }))).toMatchObject({ status: 200 });
    expect((await f.call('eth_chainId')).result).toBe(quantity(CHAIN_ID));
  });

  it('cuts off a client that keeps sending far past the limit, answering at most once, and keeps serving', async () => {
    const chunk = new Uint8Array(1 << 20).fill(0x20);
    let outcome: number | string;
    try {
      const response = await fetch(f.server.url, {
        method: 'POST',
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 80; i++) controller.enqueue(chunk); // 80 MiB, past the 64 MiB the server drops
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      outcome = response.status;
    } catch (error) {
      outcome = 'connection cut';
    }
    expect([413, 'connection cut']).toContain(outcome);
    expect((await f.call('eth_chainId')).result).toBe(quantity(CHAIN_ID));
  });

  it('answers JSON-RPC while not ready with the reasons in X-DST-Not-Ready, and serves the pool\'s oldest age', async () => {
    const post = (body: unknown) => fetch(f.server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ready = await post({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' });
    expect(ready.headers.get('x-dst-not-ready')).toBeNull();
    const before = f.sequencer.healthState;
    f.sequencer.healthState = { ...before, ready: false, reasons: ['1 of 3 peers connected: a quorum of 3 nodes needs 2', 'syncing… → later'], oldestPendingAgeMs: 12_500 };
    try {
      const answer = await post({ jsonrpc: '2.0', id: 2, method: 'eth_chainId' });
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { result: string }).result).toBe(quantity(CHAIN_ID));
      // Printable ASCII only in a header: the reasons' "…" and "→" become "?".
      expect(answer.headers.get('x-dst-not-ready')).toBe('1 of 3 peers connected: a quorum of 3 nodes needs 2; syncing? ? later');
      expect((await f.call('dst_health')).result).toMatchObject({ ready: false, oldestPendingAgeSeconds: 13 });
      const metrics = await (await fetch(new URL('/metrics', f.server.url))).text();
      expect(metrics).toMatch(/^dst_mempool_oldest_transaction_age_seconds 12\.5$/m);
    } finally {
      f.sequencer.healthState = before;
    }
  });

  it('/livez and /readyz follow view.health(), /metrics serves the registry, other paths and verbs are refused', async () => {
    const get = async (path: string) => {
      const response = await fetch(new URL(path, f.server.url));
      return { status: response.status, body: await response.text() };
    };
    expect(await get('/livez')).toMatchObject({ status: 200 });
    expect(JSON.parse((await get('/readyz')).body)).toEqual({ live: true, ready: true, head: '0x1', mempoolSize: 1, reasons: [] });
    f.sequencer.healthState = { ...f.sequencer.healthState, ready: false, reasons: ['consensus not running'] };
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body).reasons).toEqual(['consensus not running']);
    expect((await get('/livez')).status).toBe(200);
    f.sequencer.healthState = { ...f.sequencer.healthState, live: false };
    expect((await get('/livez')).status).toBe(503);
    f.sequencer.healthState = { ...f.sequencer.healthState, live: true, ready: true, reasons: [] };

    // A well-known Ethereum method this node does not serve is counted under its own name.
    expect((await f.call('eth_getBalance', ['0x' + '00'.repeat(20), 'latest'])).error.code).toBe(-32601);
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^dst_rpc_requests_total\{method="eth_getBalance",outcome="method-not-found"\} 1$/m);
    expect(metrics.body).toMatch(/^dst_mempool_oldest_transaction_age_seconds 0$/m);
    expect(metrics.body).toMatch(/^dst_head_block_number 1$/m);
    expect(metrics.body).toMatch(/^dst_mempool_transactions 1$/m);
    expect(metrics.body).toMatch(/^dst_rpc_requests_total\{method="eth_chainId",outcome="ok"\} \d+$/m);
    // eth_mine is no Ethereum method name of the fixed list (src/api/method-names.ts); toString neither.
    expect(metrics.body).toMatch(/^dst_rpc_requests_total\{method="other",outcome="method-not-found"\} [2-9]\d*$/m);
    expect(metrics.body).not.toMatch(/method="(unknown|eth_mine|toString)"/);
    expect(metrics.body).toMatch(/^dst_rpc_requests_total\{method="invalid",outcome="parse-error"\} 4$/m);
    // Three oversized bodies so far: declared length, chunked, and the client cut off past 64 MiB.
    expect(metrics.body).toMatch(/^dst_rpc_requests_total\{method="invalid",outcome="oversized"\} 3$/m);
    expect(metrics.body).toMatch(/^# TYPE dst_block_production_seconds histogram$/m);
    expect(metrics.body).toMatch(/^# TYPE dst_block_signing_seconds histogram$/m);
    expect(metrics.body).toMatch(/^process_cpu_user_seconds_total /m);

    expect((await get('/nope')).status).toBe(404);
    expect((await get('/')).status).toBe(405);
    expect((await fetch(new URL('/metrics', f.server.url), { method: 'POST' })).status).toBe(405);
    expect(f.logs.some((line) => line.msg === 'transaction rejected' && line.reason === 'high-s')).toBe(true);
  });

  it('eth_getTransactionCount: the next nonce after included transactions (latest), and past pooled ones without a gap (pending)', async () => {
    // Its own node (the other cases share one and count its blocks). A sender signed by viem sends
    // nonces 0, 1 and 3 (2 missing); another address sends nothing.
    const own = await startFixture();
    const [account] = testAccounts(1, 'http-test-nonces');
    const address = account!.address;
    const count = async (who: string, tag?: string) => (await own.call('eth_getTransactionCount', tag === undefined ? [who] : [who, tag])).result;
    const idle = '0x' + '00'.repeat(19) + '01';
    expect(await count(address, 'latest')).toBe('0x0');
    for (const raw of [...(await signTransfers(account!, Number(CHAIN_ID), 0, 2)), ...(await signTransfers(account!, Number(CHAIN_ID), 3, 1))]) {
      expect((await own.call('eth_sendRawTransaction', [raw])).error).toBeUndefined();
    }
    expect(await count(address, 'latest')).toBe('0x0');
    expect(await count(address, 'pending')).toBe('0x2');
    own.sequencer.produceBlock(1_700_000_000_500n);
    expect(await count(address)).toBe('0x2');
    expect(await count(address, 'finalized')).toBe('0x2');
    expect(await count(address, quantity(own.sequencer.headNumber()))).toBe('0x2');
    expect(await count(address, 'pending')).toBe('0x2');
    expect(await count(idle, 'pending')).toBe('0x0');
    const earlier = await own.call('eth_getTransactionCount', [address, 'earliest']);
    expect(earlier.error?.code).toBe(-32602);
    expect(earlier.error?.message).toMatch(/nonces at earlier blocks are not kept/);
    expect((await own.call('eth_getTransactionCount', ['0x1234', 'latest'])).error?.code).toBe(-32602);
    await own.server.close();
  });
});


describe('a client that hangs up mid-request', () => {
  it('is logged at debug, not as a handler failure, and the server keeps answering', async () => {
    const f = await startFixture();
    try {
      const { port } = new URL(f.server.url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"jsonrpc":');
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
      await waitFor('the abort logged', () => f.logs.some((line) => line.msg === 'client aborted the request'));
      expect(f.logs.find((line) => line.msg === 'client aborted the request')!.level).toBe(20);
      expect(f.logs.filter((line) => (line.level as number) >= 50)).toEqual([]);
      expect((await f.call('eth_chainId')).result).toBe(quantity(CHAIN_ID));
    } finally {
      await f.server.close();
    }
  });
});

/** RLP of 5,000 (or `depth`) empty lists nested in each other, built without recursion. */
function nestedLists(depth: number): Uint8Array {
  let item = Uint8Array.of(0xc0);
  for (let i = 1; i < depth; i++) {
    const n = item.length;
    const header = n <= 55 ? Uint8Array.of(0xc0 + n) : n < 256 ? Uint8Array.of(0xf8, n) : Uint8Array.of(0xf9, n >> 8, n & 0xff);
    const next = new Uint8Array(header.length + n);
    next.set(header);
    next.set(item, header.length);
    item = next;
  }
  return item;
}
