/**
 * The dealer flow of `dst create cluster` (as Charon's `charon create cluster`): one process draws
 * the group key, splits it into n Shamir shares with threshold t (src/crypto `createThresholdKey`),
 * gives each operator a fresh Ed25519 identity key, and writes one directory per node:
 *
 *   <out>/cluster-lock.json                    the public cluster definition (./lock.ts), with the genesis
 *                                              alloc when one is given (`alloc`, canonical: ./alloc.ts)
 *   <out>/node-<i>/cluster-lock.json           a copy of it, identical bytes
 *   <out>/node-<i>/p2p-identity.key            operator i's identity key, mode 0600 (./identity.ts)
 *   <out>/node-<i>/keys/keystore-share-<i>.json  share i as an EIP-2335 keystore, mode 0600
 *   <out>/node-<i>/keys/keystore-share-<i>.txt   its password, mode 0600 (src/crypto/keystore.ts)
 *
 * Node directories are mode 0700. The dealer sees every share, so the group secret is only as safe as
 * the machine that ran it: move each node directory to its operator and delete the rest.
 *
 * `createSingleNodeDir` writes the same node directory for a 1-of-1 cluster (nodes = threshold = 1)
 * straight into one directory, without the cluster directory around it: a single-node sequencer's
 * directory (`dst run --single`, ./single.ts).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quorumSize } from '../consensus/index.js';
import { createThresholdKey, writeShareKeystores, type KeyShare } from '../crypto/index.js';
import { normaliseAlloc, type AllocJson } from './alloc.js';
import { generateIdentityKey, IDENTITY_KEY_FILE, peerIdOf, writeIdentityKey, type Ed25519PrivateKey } from './identity.js';
import {
  assertMultiaddr,
  CLUSTER_LOCK_FILE,
  formatClusterLock,
  MAX_BLOCK_TIME_MS,
  MAX_CHAIN_ID,
  sealClusterLock,
  thresholdProblem,
  type ClusterLock,
} from './lock.js';

/** Largest cluster `createCluster` builds; QBFT's all-to-all messaging makes larger ones impractical. */
export const MAX_NODES = 64;
export const DEFAULT_BASE_PORT = 9000;

export interface CreateClusterOptions {
  nodes: number;
  /** Default: the quorum ⌈(n + f + 1)/2⌉. */
  threshold?: number;
  chainId: bigint;
  blockTimeMs: number;
  /** Directory to create the cluster in; must not exist or be empty. */
  outDir: string;
  /** Node i listens on /ip4/127.0.0.1/tcp/<basePort + i> unless `addresses` is given. Default 9000. */
  basePort?: number;
  /** One multiaddr per node, in node order, replacing the loopback defaults. */
  addresses?: readonly string[];
  /** The execution chain's genesis alloc, any geth-style alloc; stored in the lock in canonical form (./alloc.ts). Default: empty. */
  alloc?: unknown;
}

/** Directory of node `index` (1-based) in a cluster directory. */
export const nodeDirName = (index: number): string => `node-${index}`;
/** Directory of a node's keystore and password file. */
export const KEYS_DIR = 'keys';
/**
 * The address in a single node's lock (`createSingleNodeDir`): loopback, any port. A single node dials
 * no one and `dst run --single` starts no libp2p host; `dst run --dir` on such a directory would listen
 * on a free port.
 */
export const SINGLE_NODE_ADDRESS = '/ip4/127.0.0.1/tcp/0';

function checkOptions(options: CreateClusterOptions): { threshold: number; addresses: string[]; alloc: AllocJson } {
  const { nodes, chainId, blockTimeMs } = options;
  // Checked first: an AllocError names the account and field at fault.
  const alloc = options.alloc === undefined ? {} : normaliseAlloc(options.alloc);
  if (!Number.isSafeInteger(nodes) || nodes < 1 || nodes > MAX_NODES) throw new RangeError(`nodes: expected an integer in 1..${MAX_NODES}, got ${nodes}`);
  const threshold = options.threshold ?? quorumSize(nodes);
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new RangeError(`threshold: expected a positive integer, got ${threshold}`);
  const problem = thresholdProblem(nodes, threshold);
  if (problem !== undefined) throw new RangeError(problem);
  if (typeof chainId !== 'bigint' || chainId < 1n || chainId > MAX_CHAIN_ID) throw new RangeError(`chainId: expected an integer in 1..2^64-1, got ${chainId}`);
  if (!Number.isSafeInteger(blockTimeMs) || blockTimeMs < 0 || blockTimeMs > MAX_BLOCK_TIME_MS) {
    throw new RangeError(`blockTimeMs: expected an integer in 0..${MAX_BLOCK_TIME_MS}, got ${blockTimeMs}`);
  }
  if (options.addresses !== undefined) {
    if (options.basePort !== undefined) throw new RangeError('basePort and addresses exclude each other: give one of them');
    if (options.addresses.length !== nodes) {
      throw new RangeError(`addresses: expected one multiaddr per node (${nodes}), got ${options.addresses.length}`);
    }
    options.addresses.forEach((address, i) => assertMultiaddr(`addresses[${i}] (node ${i + 1})`, address));
    return { threshold, addresses: [...options.addresses], alloc };
  }
  const basePort = options.basePort ?? DEFAULT_BASE_PORT;
  if (!Number.isSafeInteger(basePort) || basePort < 0 || basePort + nodes > 65_535) {
    throw new RangeError(`basePort: expected an integer in 0..${65_535 - nodes} (node i listens on basePort + i), got ${basePort}`);
  }
  return { threshold, addresses: Array.from({ length: nodes }, (_, i) => `/ip4/127.0.0.1/tcp/${basePort + i + 1}`), alloc };
}

async function assertEmptyOrMissing(dir: string, role: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`${dir}: cannot use it as ${role}: ${(error as Error).message}`, { cause: error });
  }
  if (entries.length > 0) throw new Error(`${dir}: ${role} is not empty (${entries.length} entries); refusing to overwrite it`);
}

/** The dealer's draw: a fresh threshold key, an identity key per operator, and the sealed lock. */
async function deal(options: CreateClusterOptions, threshold: number, addresses: readonly string[], alloc: AllocJson) {
  const key = createThresholdKey({ shares: options.nodes, threshold });
  const identities = await Promise.all(key.shares.map(() => generateIdentityKey()));
  const lock = sealClusterLock({
    chainId: options.chainId,
    blockTimeMs: options.blockTimeMs,
    threshold,
    groupPublicKey: key.groupPublicKey,
    alloc,
    operators: key.publicShares.map((share, i) => ({
      index: share.index,
      peerId: peerIdOf(identities[i]!),
      addresses: [addresses[i]!],
      publicShare: share.publicKey,
    })),
  });
  return { lock, lockText: formatClusterLock(lock), shares: key.shares, identities };
}

/** Writes one node's directory (mode 0700): identity key, keystore and password, and the lock, last. */
async function writeNodeDir(nodeDir: string, identity: Ed25519PrivateKey, share: KeyShare, lockText: string): Promise<void> {
  await mkdir(join(nodeDir, KEYS_DIR), { recursive: true, mode: 0o700 });
  await writeIdentityKey(join(nodeDir, IDENTITY_KEY_FILE), identity);
  await writeShareKeystores(join(nodeDir, KEYS_DIR), [share]);
  // Written last: its presence means the node directory is complete.
  await writeFile(join(nodeDir, CLUSTER_LOCK_FILE), lockText, { flag: 'wx' });
}

/** Creates a cluster in `options.outDir` (layout in the module docblock) and returns its lock. */
export async function createCluster(options: CreateClusterOptions): Promise<ClusterLock> {
  const { threshold, addresses, alloc } = checkOptions(options);
  await assertEmptyOrMissing(options.outDir, 'the output directory');
  const { lock, lockText, shares, identities } = await deal(options, threshold, addresses, alloc);
  await mkdir(options.outDir, { recursive: true, mode: 0o700 });
  for (const share of shares) {
    await writeNodeDir(join(options.outDir, nodeDirName(share.index)), identities[share.index - 1]!, share, lockText);
  }
  // Written last: its presence means every node directory is complete.
  await writeFile(join(options.outDir, CLUSTER_LOCK_FILE), lockText, { flag: 'wx' });
  return lock;
}

/**
 * Creates `dir` (missing or empty) as the node directory of a new 1-of-1 cluster — the files
 * `createCluster` writes as node-1 for nodes = threshold = 1 — with `SINGLE_NODE_ADDRESS` as its address
 * unless one is given. Returns the lock.
 */
export async function createSingleNodeDir(options: { dir: string; chainId: bigint; blockTimeMs: number; address?: string }): Promise<ClusterLock> {
  const cluster: CreateClusterOptions = {
    nodes: 1,
    threshold: 1,
    chainId: options.chainId,
    blockTimeMs: options.blockTimeMs,
    outDir: options.dir,
    addresses: [options.address ?? SINGLE_NODE_ADDRESS],
  };
  const { threshold, addresses, alloc } = checkOptions(cluster);
  await assertEmptyOrMissing(options.dir, 'a new node directory');
  const { lock, lockText, shares, identities } = await deal(cluster, threshold, addresses, alloc);
  await writeNodeDir(options.dir, identities[0]!, shares[0]!, lockText);
  return lock;
}
