/**
 * Disk trouble is a state, not a crash (issue 12): a single node whose LMDB lives on a small tmpfs the
 * test mounts (as root; skipped, saying why, where mounting is not allowed). The disk is filled while
 * clients send transactions: admission refuses with reason `storage-unavailable`, reads are still
 * served, `/readyz` says why it is not ready; once space is freed the node resumes by itself, without
 * a restart, and every transaction it acknowledged is included.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeSync, openSync, closeSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/index.js';
import { TransactionRejected } from '../../src/chain/index.js';
import { createThresholdKey, MainThreadExecutor } from '../../src/crypto/index.js';
import { signTransfer } from '../../src/load/transactions.js';
import { startNode, type NodeHandle } from '../../src/node/index.js';
import { keccak256 } from '../../src/wasm/index.js';
import { waitFor } from '../helpers/net.js';

const CHAIN_ID = 933n;
const key = createThresholdKey({ shares: 1, threshold: 1 });
const to = new Uint8Array(20).fill(4);
const raw = (i: number): Uint8Array => signTransfer(CHAIN_ID, keccak256(new TextEncoder().encode(`dst-disk-full-${i}`)), 0, to);

/** Mounts a tmpfs of `size` at a fresh directory; undefined (and why) where that is not allowed. */
function mountTmpfs(size: string): { dir: string } | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dst-disk-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})` };
  }
}

/** Fills the file system at `dir` with one file until it refuses more; returns the file's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return path;
}

const mounted = mountTmpfs('24m');

describe.skipIf('skip' in mounted)(`a node whose disk fills up${'skip' in mounted ? ` (skipped: ${mounted.skip})` : ''}`, () => {
  const dir = 'dir' in mounted ? mounted.dir : '';
  let node: NodeHandle;
  let server: ApiServer;

  beforeAll(async () => {
    node = await startNode({
      dbPath: join(dir, 'db'),
      chainId: CHAIN_ID,
      key: { share: key.shares[0]!, publicShares: [...key.publicShares], groupPublicKey: key.groupPublicKey, threshold: 1 },
      blockTimeMs: 0,
      logger: pino({ level: 'silent' }),
      executor: new MainThreadExecutor(),
    });
    server = await startApiServer(node.sequencer, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, logger: pino({ level: 'silent' }) });
  });

  afterAll(async () => {
    await server?.close();
    await node?.stop();
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses with a typed reason while full, serves reads, says why it is not ready, and resumes by itself with nothing acknowledged lost', async () => {
    const acknowledged: Uint8Array[] = [];
    let next = 0;
    const send = async (): Promise<'accepted' | TransactionRejected> => {
      try {
        acknowledged.push(await node.sequencer.submitTransaction(raw(next++), 'test'));
        return 'accepted';
      } catch (error) {
        if (error instanceof TransactionRejected) return error;
        throw error;
      }
    };
    expect(await send()).toBe('accepted');
    await waitFor('the first block', () => node.sequencer.headNumber() >= 1);

    const filler = fill(dir);
    // LMDB may still have room in its file: send until the disk refuses a write.
    let refusal: TransactionRejected | undefined;
    for (let i = 0; i < 20_000 && refusal === undefined; i++) {
      const outcome = await send();
      if (outcome !== 'accepted') refusal = outcome;
    }
    expect(refusal?.reason).toBe('storage-unavailable');
    expect(refusal?.message).toMatch(/cannot write to its disk/);
    await waitFor('the node to report the disk', () => node.sequencer.health().reasons.some((r) => r.startsWith('the disk refuses writes')));
    expect(node.sequencer.health().ready).toBe(false);
    expect(node.sequencer.health().live).toBe(true);
    // Reads are served while writes fail.
    const head = node.sequencer.headNumber();
    const answer = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0x1', false] }) });
    expect(((await answer.json()) as { result: { number: string } }).result.number).toBe('0x1');
    const ready = await fetch(new URL('/readyz', server.url));
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons.join('; ')).toMatch(/the disk refuses writes/);

    unlinkSync(filler);
    await waitFor('the node ready again', () => node.sequencer.health().ready, 20_000);
    expect(await send()).toBe('accepted');
    await waitFor('every acknowledged transaction included', () =>
      acknowledged.every((hash) => node.sequencer.getTransaction(hash)?.location !== undefined), 30_000);
    expect(node.sequencer.headNumber()).toBeGreaterThan(head);
    expect(node.sequencer.failure).toBeUndefined();
  }, 90_000);
});
