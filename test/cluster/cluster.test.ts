/**
 * The cluster set-up: `createCluster` writes node directories that `loadNodeDir` accepts, whose
 * contents are checked against independent implementations — the lock hash with the test's own
 * canonical JSON and noble's keccak-256, peer ids against noble's Ed25519, public shares and the group
 * key against noble's BLS12-381 and the test's own Lagrange interpolation, the combined signature with
 * noble's verifier — and every kind of damage gives an error naming the file and the fault.
 */
import { cp, mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bls12_381, bls12_381_Fr as Fr } from '@noble/curves/bls12-381.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { peerIdFromString } from '@libp2p/peer-id';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLUSTER_LOCK_FILE,
  createCluster,
  formatClusterLock,
  generateIdentityKey,
  IDENTITY_KEY_FILE,
  loadNodeDir,
  nodeDirName,
  parseClusterLock,
  sealClusterLock,
  writeIdentityKey,
  type ClusterLock,
  type NodeDir,
} from '../../src/cluster/index.js';
import { combine, partialSign } from '../../src/crypto/index.js';

const bls = bls12_381.longSignatures;
const ETH_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const hex = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dst-cluster-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every t-subset of 1..n (n ≤ 7 here, so at most 35). */
function subsets(n: number, t: number): number[][] {
  if (t === 0) return [[]];
  if (n < t) return [];
  return [...subsets(n - 1, t), ...subsets(n - 1, t - 1).map((s) => [...s, n])];
}

/** The lock hash as the module docblock defines it, computed independently: sorted-key JSON, keccak-256. */
function independentLockHash(fileText: string): string {
  const { lockHash: _, ...body } = JSON.parse(fileText) as Record<string, unknown>;
  const sorted = (_key: string, value: unknown): unknown =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value;
  return hex(keccak_256(new TextEncoder().encode(JSON.stringify(body, sorted))));
}

/** f = ⌊(n−1)/3⌋, quorum = ⌈(n + f + 1)/2⌉ (docs/architecture.md §4). */
const quorumOf = (n: number): number => Math.ceil((n + Math.floor((n - 1) / 3) + 1) / 2);

describe.each([
  { nodes: 1, threshold: 1 },
  { nodes: 4, threshold: 3 },
  { nodes: 7, threshold: 5 },
])('a $threshold-of-$nodes cluster', ({ nodes, threshold }) => {
  let out: string;
  let lock: ClusterLock;
  let loaded: NodeDir[];
  beforeAll(async () => {
    out = join(root, `cluster-${nodes}`);
    // The default threshold is the quorum; the expected thresholds above are the quorum too.
    expect(quorumOf(nodes)).toBe(threshold);
    lock = await createCluster({ nodes, chainId: 901n, blockTimeMs: 250, outDir: out, basePort: 7000 });
    loaded = [];
    for (let i = 1; i <= nodes; i++) loaded.push(await loadNodeDir(join(out, nodeDirName(i))));
  });

  it('writes a lock with the public data, identical in every node directory, with the documented hash', async () => {
    const text = await readFile(join(out, CLUSTER_LOCK_FILE), 'utf8');
    for (let i = 1; i <= nodes; i++) expect(await readFile(join(out, nodeDirName(i), CLUSTER_LOCK_FILE), 'utf8')).toBe(text);
    const json = JSON.parse(text);
    expect(Object.keys(json).sort()).toEqual(['blockTimeMs', 'chainId', 'groupPublicKey', 'lockHash', 'operators', 'threshold', 'version']);
    expect(json).toMatchObject({ version: 1, chainId: '901', blockTimeMs: 250, threshold, groupPublicKey: hex(lock.groupPublicKey) });
    expect(json.lockHash).toBe(independentLockHash(text));
    expect(json.lockHash).toBe(hex(lock.lockHash));
    expect(json.operators.map((o: { index: number; addresses: string[] }) => [o.index, o.addresses]))
      .toEqual(Array.from({ length: nodes }, (_, i) => [i + 1, [`/ip4/127.0.0.1/tcp/${7000 + i + 1}`]]));
  });

  it('loads every node directory as its own operator, with its share and the cluster key', () => {
    loaded.forEach((node, i) => {
      expect(node.operator.index).toBe(i + 1);
      expect(node.key.share.index).toBe(i + 1);
      expect(node.key.threshold).toBe(threshold);
      expect(hex(node.key.groupPublicKey)).toBe(hex(lock.groupPublicKey));
      expect(node.lock.lockHash).toEqual(lock.lockHash);
    });
  });

  it('gives each operator an Ed25519 identity key in an owner-only file whose peer id is in the lock', async () => {
    for (let i = 1; i <= nodes; i++) {
      const path = join(out, nodeDirName(i), IDENTITY_KEY_FILE);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const bytes = Buffer.from((await readFile(path, 'utf8')).trim(), 'hex');
      // libp2p protobuf PrivateKey: field 1 = Ed25519 (1), field 2 = 64 bytes seed ‖ public key.
      expect(hex(bytes.subarray(0, 4))).toBe('0x08011240');
      const publicKey = ed25519.getPublicKey(bytes.subarray(4, 36));
      expect(hex(bytes.subarray(36, 68))).toBe(hex(publicKey));
      const peerId = peerIdFromString(lock.operators[i - 1]!.peerId);
      expect(hex(peerId.publicKey!.raw)).toBe(hex(publicKey));
    }
    for (const file of ['keystore-share-1.json', 'keystore-share-1.txt']) {
      expect((await stat(join(out, nodeDirName(1), 'keys', file))).mode & 0o777).toBe(0o600);
    }
    expect((await stat(join(out, nodeDirName(1)))).mode & 0o777).toBe(0o700);
  });

  it('holds shares of one polynomial whose constant term is the group secret (noble, own interpolation)', () => {
    loaded.forEach((node, i) => {
      expect(hex(bls.getPublicKey(node.key.share.secretKey).toBytes())).toBe(hex(lock.operators[i]!.publicShare));
    });
    for (const subset of subsets(nodes, threshold).slice(0, 6)) {
      const xs = subset.map(BigInt);
      let secret = 0n;
      subset.forEach((index, k) => {
        let lambda = 1n;
        xs.forEach((xj, j) => {
          if (j !== k) lambda = Fr.mul(lambda, Fr.div(xj, Fr.sub(xj, xs[k]!)));
        });
        secret = Fr.add(secret, Fr.mul(lambda, Fr.fromBytes(loaded[index - 1]!.key.share.secretKey)));
      });
      expect(hex(bls.getPublicKey(Fr.toBytes(secret)).toBytes())).toBe(hex(lock.groupPublicKey));
    }
  });

  it('signs: partials of any t nodes combine to a signature that noble verifies under the lock group key', () => {
    const message = new TextEncoder().encode(`block of a ${threshold}-of-${nodes} cluster`);
    const hashed = bls.hash(message, ETH_DST);
    for (const subset of subsets(nodes, threshold)) {
      const signature = combine(subset.map((index) => partialSign(loaded[index - 1]!.key.share, message)));
      expect(bls.verify(bls12_381.G2.Point.fromBytes(signature), hashed, lock.groupPublicKey)).toBe(true);
    }
    if (threshold > 1) {
      const tooFew = combine(subsets(nodes, threshold - 1)[0]!.map((index) => partialSign(loaded[index - 1]!.key.share, message)));
      expect(bls.verify(bls12_381.G2.Point.fromBytes(tooFew), hashed, lock.groupPublicKey)).toBe(false);
    }
  });
});

describe('a damaged node directory', () => {
  let cluster: string;
  let lockText: string;
  let lock: ClusterLock;
  let copies = 0;
  beforeAll(async () => {
    cluster = join(root, 'damage');
    lock = await createCluster({ nodes: 4, chainId: 5n, blockTimeMs: 0, outDir: cluster });
    lockText = await readFile(join(cluster, CLUSTER_LOCK_FILE), 'utf8');
  });

  /** A fresh copy of node 1's directory to damage. */
  async function node1(): Promise<string> {
    const dir = join(root, `damaged-${++copies}`);
    await cp(join(cluster, nodeDirName(1)), dir, { recursive: true });
    return dir;
  }
  const lockPath = (dir: string): string => join(dir, CLUSTER_LOCK_FILE);
  const rewriteLock = (dir: string, change: (json: Record<string, any>) => void): Promise<void> => {
    const json = JSON.parse(lockText);
    change(json);
    return writeFile(lockPath(dir), JSON.stringify(json, null, 2));
  };
  /** A lock with changed contents and a correct hash: what a careful forger writes. */
  const resealLock = (dir: string, changed: Partial<ClusterLock>): Promise<void> =>
    writeFile(lockPath(dir), formatClusterLock(sealClusterLock({ ...lock, ...changed })));

  it('refuses a lock with any field changed: the lock hash no longer matches', async () => {
    const changes: Array<(json: Record<string, any>) => void> = [
      (json) => { json.threshold = 4; },
      (json) => { json.chainId = '6'; },
      (json) => { json.blockTimeMs = 1; },
      (json) => { json.operators[2].addresses = ['/ip4/10.0.0.3/tcp/9003']; },
      (json) => { json.operators[1].peerId = json.operators[3].peerId.replace(/.$/, (c: string) => (c === 'a' ? 'b' : 'a')); },
    ];
    const dir = await node1();
    for (const change of changes) {
      await rewriteLock(dir, change);
      await expect(loadNodeDir(dir)).rejects.toThrow(`${lockPath(dir)}: lockHash ${hex(lock.lockHash)} does not match the hash of the lock's contents`);
    }
    // Reformatting (whitespace, member order) keeps the hash: it is over the canonical encoding.
    const json = JSON.parse(lockText);
    await writeFile(lockPath(dir), JSON.stringify(Object.fromEntries(Object.entries(json).reverse())));
    expect((await loadNodeDir(dir)).lock.lockHash).toEqual(lock.lockHash);
  });

  it('refuses a resealed lock whose threshold is below the quorum, or whose public shares are not one sharing', async () => {
    const dir = await node1();
    await resealLock(dir, { threshold: 2 });
    await expect(loadNodeDir(dir)).rejects.toThrow(`${lockPath(dir)}: threshold 2 is below the quorum 3 of 4 nodes`);
    const swapped = lock.operators.map((operator, i) => ({ ...operator, publicShare: lock.operators[i === 2 ? 3 : i === 3 ? 2 : i]!.publicShare }));
    await resealLock(dir, { operators: swapped });
    await expect(loadNodeDir(dir)).rejects.toThrow(`${lockPath(dir)}: the public shares {1, 2, 3} interpolate to`);
    // Share 4 alone is off the polynomial through shares 1..3: found by the subset {1, 2, 4}.
    const wrongLast = lock.operators.map((operator, i) => (i === 3 ? { ...operator, publicShare: lock.groupPublicKey } : operator));
    await resealLock(dir, { operators: wrongLast });
    await expect(loadNodeDir(dir)).rejects.toThrow(`${lockPath(dir)}: the public shares {1, 2, 4} interpolate to`);
  });

  it('refuses malformed locks with the member at fault', async () => {
    const dir = await node1();
    await writeFile(lockPath(dir), lockText.slice(0, 100));
    await expect(loadNodeDir(dir)).rejects.toThrow(`${lockPath(dir)}: not valid JSON`);
    await rewriteLock(dir, (json) => { json.extra = 1; });
    await expect(loadNodeDir(dir)).rejects.toThrow(`${lockPath(dir)}: unknown member "extra"`);
    await rewriteLock(dir, (json) => { delete json.lockHash; });
    await expect(loadNodeDir(dir)).rejects.toThrow(`${lockPath(dir)}: missing member "lockHash"`);
    await rewriteLock(dir, (json) => { json.operators[1].publicShare = json.operators[1].publicShare.toUpperCase().replace('0X', '0x'); });
    await expect(loadNodeDir(dir)).rejects.toThrow(`${lockPath(dir)}: operators[1].publicShare: expected 0x-prefixed lower-case hex of 48 bytes`);
    await rewriteLock(dir, (json) => { json.operators[0].addresses = ['not a multiaddr']; });
    await expect(loadNodeDir(dir)).rejects.toThrow(`${lockPath(dir)}: operators[0].addresses[0]: not a multiaddr`);
    await rewriteLock(dir, (json) => { json.operators[2].index = 4; });
    await expect(loadNodeDir(dir)).rejects.toThrow(`${lockPath(dir)}: operators[2].index: expected 3`);
    expect(() => parseClusterLock(lockText.replace('"version": 1', '"version": 3'), 'x.json')).toThrow("x.json: version: expected 1 (a dealer's lock) or 2 (a ceremony's), got 3");
    // A version-2 lock (a ceremony's) has members more: a dealer's lock relabelled misses them.
    expect(() => parseClusterLock(lockText.replace('"version": 1', '"version": 2'), 'x.json')).toThrow('x.json: missing member "epoch"');
  });

  it('refuses a keystore of another node', async () => {
    const dir = await node1();
    const keys2 = join(cluster, nodeDirName(2), 'keys');
    await cp(join(keys2, 'keystore-share-2.json'), join(dir, 'keys', 'keystore-share-1.json'));
    await cp(join(keys2, 'keystore-share-2.txt'), join(dir, 'keys', 'keystore-share-1.txt'));
    await expect(loadNodeDir(dir)).rejects.toThrow(
      `${join(dir, 'keys', 'keystore-share-1.json')}: public key (decrypted key) ${hex(lock.operators[1]!.publicShare)} does not match public share 1`);
  });

  it('refuses a wrong password', async () => {
    const dir = await node1();
    await writeFile(join(dir, 'keys', 'keystore-share-1.txt'), 'ab'.repeat(32));
    await expect(loadNodeDir(dir)).rejects.toThrow(`${join(dir, 'keys', 'keystore-share-1.json')}: wrong password in ${join(dir, 'keys', 'keystore-share-1.txt')}`);
  });

  it('refuses an identity key of another operator or of no operator', async () => {
    const dir = await node1();
    await cp(join(cluster, nodeDirName(2), IDENTITY_KEY_FILE), join(dir, IDENTITY_KEY_FILE));
    await expect(loadNodeDir(dir)).rejects.toThrow(
      `${join(dir, 'keys')}: expected exactly the keystore keystore-share-2.json of operator 2 (whose peer id ${lock.operators[1]!.peerId} ` +
      `is that of ${join(dir, IDENTITY_KEY_FILE)}), found keystore-share-1.json`);
    await unlink(join(dir, IDENTITY_KEY_FILE));
    await writeIdentityKey(join(dir, IDENTITY_KEY_FILE), await generateIdentityKey());
    await expect(loadNodeDir(dir)).rejects.toThrow(/p2p-identity\.key: its peer id 12D3KooW\w+ is not an operator of the cluster/);
    await writeFile(join(dir, IDENTITY_KEY_FILE), 'zz');
    await expect(loadNodeDir(dir)).rejects.toThrow(`${join(dir, IDENTITY_KEY_FILE)}: expected the hex of a libp2p protobuf-encoded Ed25519 private key`);
  });

  it('names the missing file', async () => {
    for (const [file, message] of [
      [CLUSTER_LOCK_FILE, 'cannot read the cluster lock'],
      [IDENTITY_KEY_FILE, 'cannot read the identity key'],
      ['keys/keystore-share-1.txt', 'cannot read its password file'],
      ['keys/keystore-share-1.json', 'expected exactly the keystore keystore-share-1.json of operator 1'],
    ] as const) {
      const dir = await node1();
      await unlink(join(dir, file));
      await expect(loadNodeDir(dir)).rejects.toThrow(message);
      await expect(loadNodeDir(dir)).rejects.toThrow(dir);
    }
  });
});

describe('createCluster refuses', () => {
  const options = { nodes: 4, chainId: 1n, blockTimeMs: 0 };
  it('a threshold below the quorum, with the reason', async () => {
    const outDir = join(root, 'refused');
    await expect(createCluster({ ...options, threshold: 2, outDir })).rejects.toThrow(
      'threshold 2 is below the quorum 3 of 4 nodes: partial signatures ride on COMMIT messages');
    await expect(createCluster({ ...options, nodes: 7, threshold: 4, outDir })).rejects.toThrow('threshold 4 is below the quorum 5 of 7 nodes');
    await expect(createCluster({ ...options, threshold: 5, outDir })).rejects.toThrow('threshold 5 is above the number of nodes 4');
    await expect(createCluster({ ...options, nodes: 0, outDir })).rejects.toThrow('nodes: expected an integer in 1..64, got 0');
    await expect(createCluster({ ...options, chainId: 0n, outDir })).rejects.toThrow('chainId: expected an integer in 1..2^64-1, got 0');
    await expect(createCluster({ ...options, basePort: 65_533, outDir })).rejects.toThrow('basePort: expected an integer in 0..65531');
    await expect(createCluster({ ...options, addresses: ['/ip4/1.2.3.4/tcp/1'], outDir })).rejects.toThrow('addresses: expected one multiaddr per node (4), got 1');
    await expect(stat(outDir)).rejects.toThrow('ENOENT');
  });

  it('a non-empty output directory', async () => {
    const outDir = join(root, 'occupied');
    await mkdir(outDir);
    await writeFile(join(outDir, 'something'), '');
    await expect(createCluster({ ...options, outDir })).rejects.toThrow(`${outDir}: the output directory is not empty (1 entries); refusing to overwrite it`);
  });
});
