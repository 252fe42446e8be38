/**
 * The node's public surface (src/node/README.md): `startNode`, which wires a store, an executor, the
 * cluster's libp2p host and a `Sequencer` into a running node (./start.ts), the `Sequencer` itself
 * (./sequencer.ts), the boundary the API serves (`SequencerView` and its types, ./types.ts), the LMDB
 * store (`NodeStore`, ./store.ts) and the node's key material (`NodeKey`).
 */
export {
  DEFAULT_NODE_LIMITS,
  DEFAULT_POOL_LIMITS,
  startNode,
  type NodeHandle,
  type NodeLimits,
  type NodeNetworkConfig,
  type StartNodeConfig,
} from './start.js';
export { Sequencer, type NodeKey, type SequencerOptions } from './sequencer.js';
export type { PoolLimits } from './admission.js';
export { FundsCheck, UNAVAILABLE_POLICIES, type Available, type ExecutionState, type FundsCheckOptions, type UnavailablePolicy } from './funds.js';
export type { ClusterInfo, NodeHealth, SequencerView, SignedBlock, TransactionLocation, TransactionRecord, TransactionStatus } from './types.js';
export { NodeStore, SigningGuardViolation } from './store.js';
export { missingNodeFlags, NODE_PROCESS_ENVIRONMENT, NODE_PROCESS_FLAGS, nodeProcessEnvironment, untunedRuntime } from './process-settings.js';
