import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import * as blst from '@chainsafe/blst';
import { afterAll, describe, expect, test } from 'vitest';
import {
  MAX_SETS_PER_CHUNK,
  MIN_SETS_PER_CHUNK,
  MainThreadExecutor,
  WorkerPoolExecutor,
  combine,
  createThresholdKey,
  defaultWorkerCount,
  partialSign,
  type CryptoExecutor,
  type SignatureSet,
} from '../../src/crypto/index.js';
import { chunkRanges, type Task } from '../../src/crypto/tasks.js';
import runTask from '../../src/crypto/worker.js';
import { g2PointOutsideSubgroup, randomG2Point } from './helpers.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function validSets(count: number): SignatureSet[] {
  return Array.from({ length: count }, () => {
    const sk = blst.SecretKey.fromKeygen(randomBytes(32));
    const message = randomBytes(32);
    return { publicKey: sk.toPublicKey().toBytes(), message, signature: sk.sign(message).toBytes() };
  });
}

const sets = validSets(1000);
const pool = new WorkerPoolExecutor({ workers: 2 });
const mainThread = new MainThreadExecutor();
afterAll(() => pool.close());

describe.each([
  ['worker pool', pool],
  ['main thread', mainThread],
] as Array<[string, CryptoExecutor]>)('batchVerify on the %s', (_name, executor) => {
  test('1,000 valid sets: none invalid', async () => {
    expect(await executor.batchVerify(sets)).toEqual([]);
  });

  test('one invalid set among 1,000 is found exactly', async () => {
    const position = Math.floor(Math.random() * sets.length);
    const tampered = sets.slice();
    tampered[position] = { ...sets[position]!, message: randomBytes(32) };
    expect(await executor.batchVerify(tampered)).toEqual([position]);
  });

  test('every kind of invalid set, spread over chunks, is found', async () => {
    const tampered = sets.slice(0, 300);
    const bad = new Map<number, SignatureSet>([
      [0, { ...sets[0]!, signature: sets[1]!.signature }],
      [17, { ...sets[17]!, signature: g2PointOutsideSubgroup() }],
      [150, { ...sets[150]!, signature: randomG2Point() }],
      [151, { ...sets[151]!, publicKey: new Uint8Array(48) }],
      [299, { ...sets[299]!, publicKey: sets[298]!.publicKey }],
    ]);
    for (const [position, set] of bad) tampered[position] = set;
    expect(await executor.batchVerify(tampered)).toEqual([...bad.keys()]);
  });

  test('empty input and the caller\'s arrays untouched', async () => {
    expect(await executor.batchVerify([])).toEqual([]);
    const few = sets.slice(0, 3);
    await executor.batchVerify(few);
    expect(few.map((s) => [s.publicKey.length, s.message.length, s.signature.length])).toEqual([[48, 32, 96], [48, 32, 96], [48, 32, 96]]);
  });

  test('combineMany: one outcome per block, a bad block gets its own error', async () => {
    const key = createThresholdKey({ shares: 4, threshold: 3 });
    const messages = Array.from({ length: 19 }, () => randomBytes(32));
    const blocks = messages.map((message) => key.shares.slice(0, 3).map((share) => partialSign(share, message)));
    blocks[5] = [...blocks[5]!.slice(0, 2), { index: 3, signature: g2PointOutsideSubgroup() }];
    const outcomes = await executor.combineMany(blocks);
    expect(outcomes).toHaveLength(blocks.length);
    outcomes.forEach((outcome, b) => {
      if (b === 5) {
        expect(outcome).toEqual({ ok: false, error: 'combine: partials[2] (share 3): not a valid G2 subgroup point' });
      } else {
        expect(outcome.ok && hex(outcome.signature)).toBe(hex(combine(blocks[b]!)));
      }
    });
  });

  test('bad input is thrown on the caller\'s side', async () => {
    await expect(executor.batchVerify([{ ...sets[0]!, signature: new Uint8Array(95) }])).rejects.toThrow('batchVerify: sets[0].signature: expected 96 bytes, got 95');
    await expect(executor.batchVerify(null as unknown as SignatureSet[])).rejects.toThrow('batchVerify: expected an array of signature sets, got null');
    await expect(executor.combineMany([[{ index: 0, signature: sets[0]!.signature }]])).rejects.toThrow('combineMany: blocks[0][0].index: expected a share index');
  });
});

describe('the worker entry point', () => {
  test('answers malformed tasks with error results instead of throwing', () => {
    expect(runTask({ kind: 'sign' } as unknown as Task)).toEqual({ ok: false, error: 'crypto worker: unknown task kind sign' });
    const broken = { kind: 'verify', publicKeys: null, signatures: null, messages: null, messageEnds: new Uint32Array(1) } as unknown as Task;
    expect(runTask(broken)).toMatchObject({ ok: false, error: expect.stringContaining('null') });
  });
});

describe('pool lifecycle and sizing', () => {
  test('DST_WORKERS overrides cores − 1', () => {
    expect(defaultWorkerCount({})).toBe(Math.max(1, availableParallelism() - 1));
    expect(defaultWorkerCount({ DST_WORKERS: '3' })).toBe(3);
    expect(() => defaultWorkerCount({ DST_WORKERS: '0' })).toThrow('DST_WORKERS: expected a positive integer, got "0"');
    expect(() => defaultWorkerCount({ DST_WORKERS: 'two' })).toThrow('DST_WORKERS: expected a positive integer, got "two"');
    expect(() => new WorkerPoolExecutor({ workers: 0 })).toThrow('workers: expected a positive integer, got number 0');
  });

  test('a closed executor refuses work; closing an unused pool starts nothing', async () => {
    for (const executor of [new WorkerPoolExecutor({ workers: 1 }), new MainThreadExecutor()]) {
      await executor.close();
      await expect(executor.batchVerify(sets.slice(0, 1))).rejects.toThrow('batchVerify: the');
      await expect(executor.combineMany([])).rejects.toThrow('combineMany: the');
    }
  });

  test('chunks: at most MAX_SETS_PER_CHUNK, at least MIN_SETS_PER_CHUNK when split for workers, contiguous', () => {
    for (const [total, workers] of [[1, 2], [15, 4], [40, 2], [100, 8], [1024, 1], [1024, 2], [1000, 3]] as const) {
      const ranges = chunkRanges(total, workers);
      expect(ranges[0]![0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(total);
      ranges.forEach(([start, end], c) => {
        expect(end - start).toBeLessThanOrEqual(MAX_SETS_PER_CHUNK);
        if (ranges.length > 1 && total <= MAX_SETS_PER_CHUNK * workers) expect(end - start).toBeGreaterThanOrEqual(MIN_SETS_PER_CHUNK);
        if (c > 0) expect(start).toBe(ranges[c - 1]![1]);
      });
      expect(ranges.length).toBeGreaterThanOrEqual(Math.min(workers, Math.floor(total / MIN_SETS_PER_CHUNK)));
    }
    expect(chunkRanges(0, 2)).toEqual([]);
  });
});

describe('from dist/ (plain JavaScript workers, after `npm run build`)', () => {
  test('the compiled pool finds an invalid set', () => {
    expect(existsSync(new URL('../../dist/crypto/worker.js', import.meta.url)), 'dist/crypto/worker.js is missing: run `npm run build` first').toBe(true);
    const script = `
      import { WorkerPoolExecutor } from './dist/crypto/index.js';
      import * as blst from '@chainsafe/blst';
      const sk = blst.SecretKey.fromKeygen(new Uint8Array(32).fill(7));
      const sets = Array.from({ length: 40 }, (_, i) => {
        const message = new Uint8Array(32).fill(i);
        return { publicKey: sk.toPublicKey().toBytes(), message, signature: sk.sign(message).toBytes() };
      });
      sets[33] = { ...sets[33], message: new Uint8Array(32).fill(255) };
      const pool = new WorkerPoolExecutor({ workers: 2 });
      console.log(JSON.stringify(await pool.batchVerify(sets)));
      await pool.close();
    `;
    const cwd = new URL('../..', import.meta.url).pathname;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual([33]);
  });
});
