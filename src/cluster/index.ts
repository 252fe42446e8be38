/**
 * `dst/cluster`: setting up a DST cluster (issue 7, "Cluster set-up"). The dealer flow that creates
 * every node's directory (`createCluster`, ./create.ts; the `dst create cluster` command, ./cli.ts),
 * the public `cluster-lock.json` with its canonical encoding and lock hash (./lock.ts), the operators'
 * Ed25519 identity keys (./identity.ts), and `loadNodeDir`, which reads and checks a node directory
 * before the node starts (./load.ts).
 */
export { createCluster, DEFAULT_BASE_PORT, KEYS_DIR, MAX_NODES, nodeDirName, type CreateClusterOptions } from './create.js';
export { loadNodeDir, type NodeDir } from './load.js';
export {
  CLUSTER_LOCK_FILE,
  CLUSTER_LOCK_VERSION,
  canonicalLockEncoding,
  computeLockHash,
  formatClusterLock,
  parseClusterLock,
  sealClusterLock,
  thresholdProblem,
  type ClusterDefinition,
  type ClusterLock,
  type Operator,
} from './lock.js';
export { IDENTITY_KEY_FILE, generateIdentityKey, peerIdOf, readIdentityKey, writeIdentityKey, type Ed25519PrivateKey } from './identity.js';
export { CREATE_CLUSTER_HELP, runCreateCommand } from './cli.js';
