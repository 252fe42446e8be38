/**
 * `dst-sequencer/cluster`: setting up a DST cluster (issue 7, "Cluster set-up"). The dealer flow that creates
 * every node's directory (`createCluster`, ./create.ts), the public `cluster-lock.json` with its
 * canonical encoding and lock hash (./lock.ts), the operators' Ed25519 identity keys (./identity.ts),
 * `loadNodeDir`, which reads and checks a node directory before the node starts (./load.ts), and a
 * single node's directory, a 1-of-1 cluster's node directory created (or migrated from the earlier
 * cluster.json format) on first start (`prepareSingleNodeDir`, ./single.ts). The `dst create cluster`
 * command is src/cli/create.ts. The dealerless ceremonies (DKG and resharing, issue 15) are ./dkg/,
 * exported as `dst-sequencer/cluster` too; their commands are src/cli/dkg.ts. The genesis alloc the
 * lock carries (geth's format, parsed and normalised without an EVM library) is ./alloc.ts, read from
 * a file by ./alloc-file.ts.
 */
export {
  createCluster,
  createSingleNodeDir,
  DEFAULT_BASE_PORT,
  KEYS_DIR,
  MAX_NODES,
  nodeDirName,
  SINGLE_NODE_ADDRESS,
  type CreateClusterOptions,
} from './create.js';
export { loadNodeDir, type NodeDir } from './load.js';
export {
  AllocError,
  allocHash,
  allocJson,
  MAX_ALLOC_ACCOUNTS,
  MAX_ALLOC_FILE_BYTES,
  MAX_ALLOC_STORAGE_SLOTS,
  normaliseAlloc,
  parseAlloc,
  type Alloc,
  type AllocJson,
  type AllocJsonAccount,
  type GenesisAccount,
} from './alloc.js';
export { readAllocFile } from './alloc-file.js';
export {
  assertMultiaddr,
  CLUSTER_LOCK_FILE,
  CLUSTER_LOCK_VERSION,
  CEREMONY_LOCK_VERSION,
  LOCK_SIGNING_DOMAIN,
  canonicalJson,
  canonicalLockEncoding,
  computeLockHash,
  formatClusterLock,
  MAX_BLOCK_TIME_MS,
  MAX_CHAIN_ID,
  parseClusterLock,
  parseLockAlloc,
  sealClusterLock,
  signLockHash,
  thresholdProblem,
  verifyLockSignature,
  type Canonical,
  type ClusterDefinition,
  type ClusterLock,
  type Operator,
} from './lock.js';
export { IDENTITY_KEY_FILE, generateIdentityKey, peerIdOf, readIdentityKey, writeIdentityKey, type Ed25519PrivateKey } from './identity.js';
export { LEGACY_CLUSTER_FILE, prepareSingleNodeDir, SingleNodeMigrationError, type SingleNodeDirState } from './single.js';
export * from './dkg/index.js';
