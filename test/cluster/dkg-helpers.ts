/**
 * Helpers for the ceremony tests (dkg.test.ts, dkg-malicious.long.test.ts, reshare.long.test.ts): operators with identity directories
 * and free loopback ports, whole ceremonies run in-process over real libp2p (each operator its own
 * host), and the checks every outcome must pass (every node directory loads, t shares sign, t − 1 not,
 * herumi recovers the same signature).
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bls from 'bls-eth-wasm';
import { expect } from 'vitest';
import {
  createDefinition, generateIdentityKey, IDENTITY_KEY_FILE, loadNodeDir, peerIdOf, runDkgCeremony, runReshareCeremony, writeIdentityKey,
  type CeremonyRunOptions, type ClusterDefinitionFile, type ClusterLock, type OperatorResult, type ProposedOperator,
} from '../../src/cluster/index.js';
import { combine, partialSign, verify, type KeyShare } from '../../src/crypto/index.js';
import { freePort } from '../helpers/net.js';

export interface TestOperator extends ProposedOperator {
  readonly dir: string;
}

/** `count` operators, each a directory holding only its identity key, on a free loopback port. */
export async function makeOperators(root: string, count: number): Promise<TestOperator[]> {
  const operators: TestOperator[] = [];
  for (let i = 0; i < count; i++) {
    const dir = await mkdtemp(join(root, 'op-'));
    const key = await generateIdentityKey();
    await writeIdentityKey(join(dir, IDENTITY_KEY_FILE), key);
    operators.push({ dir, peerId: peerIdOf(key), addresses: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
  }
  return operators;
}

export const tmpRoot = (): Promise<string> => mkdtemp(join(tmpdir(), 'dst-dkg-'));

export const FAST: Partial<CeremonyRunOptions> = { timeoutMs: 90_000, phaseTimeoutMs: 8_000, dealerGraceMs: 2_000 };

/** A genesis alloc as a definition may give it (upper-case address, decimal balance), and its canonical form, which the lock carries. */
export const DKG_ALLOC = { '0x00000000000000000000000000000000000000AA': { balance: '1000' } };
export const DKG_ALLOC_CANONICAL = { '0x00000000000000000000000000000000000000aa': { balance: '0x3e8' } };

export function definitionFor(operators: readonly TestOperator[], threshold: number, alloc?: typeof DKG_ALLOC): ClusterDefinitionFile {
  return createDefinition({ chainId: 901n, blockTimeMs: 100, threshold, operators: operators.map(({ peerId, addresses }) => ({ peerId, addresses })), ...(alloc && { alloc }) });
}

/** The DKG run by every operator at once; `options(i)` per operator. */
export function runDkg(operators: readonly TestOperator[], definition: ClusterDefinitionFile, options: (i: number) => Partial<CeremonyRunOptions> = () => ({})): Promise<OperatorResult[]> {
  return Promise.all(operators.map((o, i) => runDkgCeremony(definition, { dir: o.dir, ...FAST, ...options(i) })));
}

/** A reshare of `previous` to `next` run by `dealers` (old operators' directories) and every new operator. */
export function runReshare(previous: ClusterLock, participants: readonly TestOperator[], next: readonly TestOperator[], threshold: number, options: (o: TestOperator) => Partial<CeremonyRunOptions> = () => ({})): Promise<OperatorResult[]> {
  const input = { previous, operators: next.map(({ peerId, addresses }) => ({ peerId, addresses })), threshold };
  return Promise.all(participants.map((o) => runReshareCeremony(input, { dir: o.dir, ...FAST, ...options(o) })));
}

let herumiReady: Promise<void> | undefined;
function herumi(): Promise<void> {
  herumiReady ??= (async () => {
    await bls.init(bls.BLS12_381);
    const eth = bls as unknown as { setETHmode(mode: number): void; ETH_MODE_DRAFT_07: number };
    eth.setETHmode(eth.ETH_MODE_DRAFT_07);
  })();
  return herumiReady;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * The operators' results are one cluster: the same lock (whose file loads, with its signatures and the
 * first directory's keystore, as `dst run` loads it: decrypting every keystore would cost the test
 * seconds of PBKDF2), any t of the shares sign a message that verifies under the group key and that
 * herumi recovers identically, t − 1 of them do not.
 */
export async function checkCluster(results: readonly OperatorResult[], dirs: readonly string[], groupPublicKey?: Uint8Array): Promise<{ lock: ClusterLock; shares: KeyShare[] }> {
  const lock = results[0]!.lock;
  for (const result of results) expect(hex(result.lock.lockHash)).toBe(hex(lock.lockHash));
  const loaded = await loadNodeDir(dirs[0]!);
  expect(hex(loaded.lock.lockHash)).toBe(hex(lock.lockHash));
  expect(hex(loaded.key.share.secretKey)).toBe(hex(results[0]!.outcome.share!.secretKey));
  if (groupPublicKey !== undefined) expect(hex(lock.groupPublicKey)).toBe(hex(groupPublicKey));
  expect(loaded.lock.signatures).toHaveLength(lock.operators.length);
  const shares = results.flatMap((r) => (r.outcome.share === undefined ? [] : [r.outcome.share])).sort((a, b) => a.index - b.index);
  expect(shares.map((s) => s.index)).toEqual(lock.operators.map((o) => o.index));
  const t = lock.threshold;
  const message = new TextEncoder().encode(`block ${hex(lock.lockHash)}`);
  const subsets = [shares.slice(0, t), shares.slice(-t), shares.filter((_, i) => i % 2 === 0).concat(shares.filter((_, i) => i % 2 === 1)).slice(0, t)];
  await herumi();
  for (const subset of subsets) {
    const partials = subset.map((share) => partialSign(share, message));
    const signature = combine(partials);
    expect(verify(lock.groupPublicKey, message, signature)).toBe(true);
    const recovered = new bls.Signature();
    recovered.recover(partials.map((p) => {
      const s = new bls.Signature();
      s.deserialize(p.signature);
      return s;
    }), partials.map((p) => {
      const id = new bls.Id();
      id.setInt(p.index);
      return id;
    }));
    expect(hex(recovered.serialize())).toBe(hex(signature));
  }
  if (t > 1) {
    const fewer = shares.slice(0, t - 1).map((share) => partialSign(share, message));
    expect(verify(lock.groupPublicKey, message, combine(fewer))).toBe(false);
  }
  return { lock, shares };
}

export const listDir = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();
