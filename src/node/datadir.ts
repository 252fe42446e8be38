/**
 * A node's data directory:
 *
 *   <dir>/cluster.json                     chain id, n, t, this node's share index, group public key,
 *                                          public shares (hex) — the cluster definition
 *   <dir>/keys/keystore-share-<i>.json     this node's key share, EIP-2335 (src/crypto/keystore.ts)
 *   <dir>/keys/keystore-share-<i>.txt      its password
 *   <dir>/db/                              the LMDB environment (store.ts)
 *
 * `initSingleNode` creates a 1-of-1 key on first start; `loadDataDir` reads it back and checks it.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createThresholdKey, readShareKeystores, writeShareKeystores, type PublicShare } from '../crypto/index.js';
import type { NodeKey } from './sequencer.js';

export interface ClusterDefinition {
  chainId: bigint;
  nodes: number;
  threshold: number;
  /** This node's 1-based share index. */
  self: number;
  groupPublicKey: Uint8Array;
  publicShares: PublicShare[];
}

interface ClusterFile {
  chainId: string;
  nodes: number;
  threshold: number;
  self: number;
  groupPublicKey: string;
  publicShares: Array<{ index: number; publicKey: string }>;
}

export interface DataDir {
  cluster: ClusterDefinition;
  key: NodeKey;
  dbPath: string;
}

export const clusterFile = (dir: string): string => join(dir, 'cluster.json');
const keysDir = (dir: string): string => join(dir, 'keys');
const toHex = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`;

function fromHex(value: unknown, what: string, length: number): Uint8Array {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]*$/.test(value) || value.length !== 2 + 2 * length) {
    throw new Error(`${what}: expected 0x-prefixed hex of ${length} bytes, got ${JSON.stringify(value)}`);
  }
  return Uint8Array.from(Buffer.from(value.slice(2), 'hex'));
}

/** Whether `dir` already holds a cluster definition. */
export async function hasCluster(dir: string): Promise<boolean> {
  try {
    await readFile(clusterFile(dir));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** First start of a single node: a fresh 1-of-1 threshold key, its keystore, and the cluster file. */
export async function initSingleNode(dir: string, chainId: bigint): Promise<void> {
  const key = createThresholdKey({ shares: 1, threshold: 1 });
  await mkdir(keysDir(dir), { recursive: true, mode: 0o700 });
  await writeShareKeystores(keysDir(dir), key.shares);
  const file: ClusterFile = {
    chainId: chainId.toString(),
    nodes: 1,
    threshold: 1,
    self: 1,
    groupPublicKey: toHex(key.groupPublicKey),
    publicShares: key.publicShares.map((share) => ({ index: share.index, publicKey: toHex(share.publicKey) })),
  };
  // Written last: its presence means the directory is complete.
  await writeFile(clusterFile(dir), `${JSON.stringify(file, null, 2)}\n`, { flag: 'wx' });
}

export async function loadDataDir(dir: string): Promise<DataDir> {
  const path = clusterFile(dir);
  let file: ClusterFile;
  try {
    file = JSON.parse(await readFile(path, 'utf8')) as ClusterFile;
  } catch (error) {
    throw new Error(`${path}: cannot read the cluster definition: ${(error as Error).message}`);
  }
  if (typeof file.chainId !== 'string' || !/^\d+$/.test(file.chainId)) throw new Error(`${path}: chainId: expected a decimal string, got ${JSON.stringify(file.chainId)}`);
  for (const field of ['nodes', 'threshold', 'self'] as const) {
    if (!Number.isSafeInteger(file[field]) || file[field] < 1) throw new Error(`${path}: ${field}: expected a positive integer, got ${JSON.stringify(file[field])}`);
  }
  if (!Array.isArray(file.publicShares) || file.publicShares.length !== file.nodes) {
    throw new Error(`${path}: publicShares: expected ${file.nodes} entries`);
  }
  const cluster: ClusterDefinition = {
    chainId: BigInt(file.chainId),
    nodes: file.nodes,
    threshold: file.threshold,
    self: file.self,
    groupPublicKey: fromHex(file.groupPublicKey, `${path}: groupPublicKey`, 48),
    publicShares: file.publicShares.map((share, i) => ({ index: share.index, publicKey: fromHex(share.publicKey, `${path}: publicShares[${i}].publicKey`, 48) })),
  };
  const shares = await readShareKeystores(keysDir(dir), cluster.publicShares);
  const share = shares.find((s) => s.index === cluster.self);
  if (!share) throw new Error(`${keysDir(dir)}: no keystore for this node's share ${cluster.self}`);
  return {
    cluster,
    key: { share, publicShares: cluster.publicShares, groupPublicKey: cluster.groupPublicKey, threshold: cluster.threshold },
    dbPath: join(dir, 'db'),
  };
}
