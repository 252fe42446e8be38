/**
 * The genesis alloc in the cluster lock (issue 14; src/cluster/alloc.ts, src/cluster/lock.ts): parsed
 * and put in canonical form without an EVM library, stored by `dst create cluster --alloc` and by the
 * DKG's lock, covered by the lock hash (checked with the test's own sorted-key JSON and noble's
 * keccak-256), refused when empty, invalid or not canonical; a lock without one keeps loading; and
 * `dst execute` takes the lock's alloc (an `--alloc` file must hold the same state). The cluster
 * module's import graph holds no @ethereumjs package.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AllocError,
  allocHash,
  CLUSTER_LOCK_FILE,
  createCluster,
  createDefinition,
  formatClusterLock,
  generateIdentityKey,
  loadNodeDir,
  nodeDirName,
  normaliseAlloc,
  parseAlloc,
  parseClusterLock,
  parseDefinition,
  formatDefinition,
  peerIdOf,
  sealClusterLock,
  type ClusterLock,
} from '../../src/cluster/index.js';
import { runCreateCommand } from '../../src/cli/create.js';
import { genesisAlloc } from '../../src/cli/execute.js';
import { UsageError } from '../../src/cli/usage.js';

const A = '0x00000000000000000000000000000000000000aa';
const B = '0x71562b71999873db5b286df957af199ec94617f7';
/** Written as people write allocs: mixed case, decimal, numbers, short storage keys, zero fields. */
const MESSY = {
  '71562B71999873DB5B286DF957AF199EC94617F7': { balance: '1000000000000000000000' },
  [A.toUpperCase().replace('0X', '0x')]: { balance: 16, nonce: '0x0', code: '0x6001', storage: { '0x1': '0x002a', '0x00': '0x0' } },
};
const CANONICAL = {
  [A]: { balance: '0x10', code: '0x6001', storage: { [`0x${'0'.repeat(64)}`]: '0x0', [`0x${'0'.repeat(63)}1`]: '0x2a' } },
  [B]: { balance: '0x3635c9adc5dea00000' },
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dst-alloc-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const hex = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`;
function independentLockHash(fileText: string): string {
  const { lockHash: _, ...body } = JSON.parse(fileText) as Record<string, unknown>;
  const sorted = (_key: string, value: unknown): unknown =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value;
  return hex(keccak_256(new TextEncoder().encode(JSON.stringify(body, sorted))));
}

describe('an alloc in canonical form', () => {
  it('one state, one form, however it was written; the execution hash is that of the parsed state', () => {
    expect(normaliseAlloc(MESSY)).toEqual(CANONICAL);
    expect(normaliseAlloc(CANONICAL)).toEqual(CANONICAL);
    expect(hex(allocHash(parseAlloc(MESSY)))).toBe(hex(allocHash(parseAlloc(CANONICAL))));
    expect(hex(allocHash(parseAlloc(CANONICAL)))).not.toBe(hex(allocHash(parseAlloc({ ...CANONICAL, [B]: { balance: '0x1' } }))));
    expect(normaliseAlloc({})).toEqual({});
  });

  it.each([
    [[1], /alloc: expected an object of address → account, got/],
    [{ '0x12': { balance: '0x1' } }, /"0x12" is not a 20-byte hex address/],
    [{ [A]: { balance: 'lots' } }, new RegExp(`alloc ${A} balance: expected a hex quantity`)],
    [{ [A]: { balance: `0x1${'0'.repeat(64)}` } }, /balance: 0x10+ is above the largest allowed, 2\^256-1/],
    [{ [A]: { nonce: '18446744073709551616' } }, /nonce: 18446744073709551616 is above the largest allowed, 2\^64-1/],
    [{ [A]: { balance: '0x1', colour: 'red' } }, /unknown field "colour"/],
    [{ [A]: { storage: { '0x1': '0x1', '0x01': '0x2' } } }, /storage slot 0x0+1 appears twice/],
    [{ [A]: {}, [A.replace('aa', 'AA')]: {} }, /the address 0x0+aa appears twice \(in different cases\)/],
    [{ [A]: { code: 'x' } }, /code: expected 0x-prefixed hex bytes/],
  ])('refuses %j: %s', (json, message) => {
    expect(() => parseAlloc(json)).toThrow(AllocError);
    expect(() => parseAlloc(json)).toThrow(message);
  });
});

describe('the alloc in the cluster lock', () => {
  let lock: ClusterLock;
  let text: string;
  const out = () => join(root, 'with-alloc');
  beforeAll(async () => {
    lock = await createCluster({ nodes: 4, chainId: 901n, blockTimeMs: 100, outDir: out(), alloc: MESSY });
    text = await readFile(join(out(), CLUSTER_LOCK_FILE), 'utf8');
  });

  it('is stored in canonical form in every node directory, covered by the documented lock hash', async () => {
    const json = JSON.parse(text);
    expect(json.alloc).toEqual(CANONICAL);
    expect(json.lockHash).toBe(independentLockHash(text));
    for (let i = 1; i <= 4; i++) expect((await loadNodeDir(join(out(), nodeDirName(i)))).lock.alloc).toEqual(CANONICAL);
  });

  it('changes the lock hash when it changes; no alloc and an empty one are the same lock, without the member', () => {
    const other = sealClusterLock({ ...lock, alloc: normaliseAlloc({ ...CANONICAL, [B]: { balance: '0x1' } }) });
    expect(hex(other.lockHash)).not.toBe(hex(lock.lockHash));
    const none = sealClusterLock({ ...lock, alloc: undefined });
    expect(hex(sealClusterLock({ ...lock, alloc: {} }).lockHash)).toBe(hex(none.lockHash));
    expect(hex(none.lockHash)).not.toBe(hex(lock.lockHash));
    const noneText = formatClusterLock(none);
    expect(JSON.parse(noneText)).not.toHaveProperty('alloc');
    expect(parseClusterLock(noneText, 'old.json').alloc).toBeUndefined();
    expect(JSON.parse(noneText).lockHash).toBe(independentLockHash(noneText));
  });

  it('refuses an edited, empty, invalid or non-canonical alloc, naming the file and member', () => {
    const edit = (change: (json: Record<string, any>) => void): string => {
      const json = JSON.parse(text);
      change(json);
      return JSON.stringify(json);
    };
    expect(() => parseClusterLock(edit((j) => { j.alloc[B].balance = '0x3635c9adc5dea00001'; }), 'x.json')).toThrow(/x\.json: lockHash 0x[0-9a-f]{64} does not match the hash of the lock's contents/);
    expect(() => parseClusterLock(edit((j) => { j.alloc = {}; }), 'x.json')).toThrow('x.json: alloc: an empty alloc is written by leaving the member out');
    expect(() => parseClusterLock(edit((j) => { j.alloc[B].balance = 'lots'; }), 'x.json')).toThrow(`x.json: alloc: alloc ${B} balance: expected a hex quantity`);
    expect(() => parseClusterLock(edit((j) => { j.alloc[B].nonce = '0x0'; }), 'x.json')).toThrow('x.json: alloc: not in canonical form');
    expect(() => parseClusterLock(edit((j) => { j.alloc = MESSY; }), 'x.json')).toThrow('x.json: alloc: not in canonical form');
    expect(() => sealClusterLock({ ...lock, alloc: MESSY as never })).toThrow('alloc: not in canonical form');
  });

  it('dst create cluster --alloc FILE puts it in the lock; a bad alloc file is bad usage naming the account', async () => {
    const file = join(root, 'alloc.json');
    await writeFile(file, JSON.stringify(MESSY));
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let stderr = '';
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
      const dir = join(root, 'cli');
      expect(await runCreateCommand(['cluster', '--nodes', '1', '--chain-id', '5', '--block-time', '0', '--out', dir, '--alloc', file])).toBe(0);
      expect(parseClusterLock(await readFile(join(dir, CLUSTER_LOCK_FILE), 'utf8'), 'l').alloc).toEqual(CANONICAL);
      expect(String(stdout.mock.calls.map((c) => c[0]).join(''))).toContain(`genesis alloc    2 account(s), alloc hash ${hex(allocHash(parseAlloc(CANONICAL)))}`);
      await writeFile(file, JSON.stringify({ [A]: { balance: 'plenty' } }));
      expect(await runCreateCommand(['cluster', '--nodes', '1', '--chain-id', '5', '--block-time', '0', '--out', join(root, 'cli-bad'), '--alloc', file])).toBe(2);
      expect(stderr).toContain(`--alloc ${file}: alloc ${A} balance: expected a hex quantity`);
      expect(await runCreateCommand(['cluster', '--nodes', '1', '--chain-id', '5', '--block-time', '0', '--out', join(root, 'cli-bad'), '--alloc', join(root, 'missing.json')])).toBe(2);
      expect(stderr).toContain('cannot read the alloc file');
    } finally {
      stdout.mockRestore();
      errors.mockRestore();
    }
  });

  it("dst execute takes the lock's alloc; an --alloc file must hold the same state; for a lock without one it gives it", async () => {
    const lockFile = join(out(), CLUSTER_LOCK_FILE);
    expect(hex(allocHash(await genesisAlloc(lock, lockFile, undefined)))).toBe(hex(allocHash(parseAlloc(CANONICAL))));
    const same = join(root, 'same.json');
    await writeFile(same, JSON.stringify(MESSY));
    expect(hex(allocHash(await genesisAlloc(lock, lockFile, same)))).toBe(hex(allocHash(parseAlloc(CANONICAL))));
    const different = join(root, 'different.json');
    await writeFile(different, JSON.stringify({ [A]: { balance: '0x1' } }));
    const refused = genesisAlloc(lock, lockFile, different);
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(genesisAlloc(lock, lockFile, different)).rejects.toThrow(
      new RegExp(`--alloc ${different}: its state \\(alloc hash 0x[0-9a-f]{64}\\) is not the genesis alloc of ${lockFile} \\(alloc hash ${hex(allocHash(parseAlloc(CANONICAL)))}\\)`),
    );
    const old = sealClusterLock({ ...lock, alloc: undefined });
    expect((await genesisAlloc(old, 'old.json', undefined)).size).toBe(0);
    expect([...(await genesisAlloc(old, 'old.json', different)).keys()]).toEqual([A]);
  });
});

describe('the alloc of a DKG definition', () => {
  it('must be a valid alloc; hashed as written, and the lock gets its canonical form', async () => {
    const operators = await Promise.all([0, 1, 2, 3].map(async (i) => ({ peerId: peerIdOf(await generateIdentityKey()), addresses: [`/ip4/127.0.0.1/tcp/${9101 + i}`] })));
    const base = { chainId: 901n, blockTimeMs: 100, threshold: 3, operators };
    expect(() => createDefinition({ ...base, alloc: { [A]: { balance: 'x' } } })).toThrow(`alloc ${A} balance: expected a hex quantity`);
    const messy = createDefinition({ ...base, alloc: MESSY as never });
    const canonical = createDefinition({ ...base, alloc: CANONICAL as never });
    expect(hex(messy.definitionHash)).not.toBe(hex(canonical.definitionHash));
    expect(parseDefinition(formatDefinition(messy), 'd.json').alloc).toEqual(MESSY);
    const edited = JSON.parse(formatDefinition(canonical));
    edited.alloc[B].balance = 'lots';
    expect(() => parseDefinition(JSON.stringify(edited), 'd.json')).toThrow(`d.json: alloc ${B} balance: expected a hex quantity`);
  });
});

describe('the cluster module', () => {
  /** The packages `file` imports at run time (not `import type`), following its relative imports. */
  function packagesImported(file: string, seen = new Set<string>(), packages = new Set<string>()): Set<string> {
    if (seen.has(file)) return packages;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)) {
      const spec = match[1]!;
      if (spec.startsWith('.')) packagesImported(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), seen, packages);
      else packages.add(spec);
    }
    return packages;
  }

  it('pulls no EVM library: the lock and its alloc parse without @ethereumjs', () => {
    const packages = [...packagesImported(fileURLToPath(new URL('../../src/cluster/index.ts', import.meta.url)))];
    expect(packages).toContain('@libp2p/peer-id');
    expect(packages.filter((name) => name.startsWith('@ethereumjs') || name.startsWith('@nomicfoundation'))).toEqual([]);
    // …while the execution code, which writes the alloc into an EVM state, does import it.
    expect([...packagesImported(fileURLToPath(new URL('../../src/execution/genesis.ts', import.meta.url)))]).toContain('@ethereumjs/util');
  });
});
