/**
 * `dst-sequencer/devnet`: a whole DST cluster on one machine, one `dst run` process per node: the devnet itself
 * (set-up and ports: ./plan.ts; the nodes' lifecycle — up when their RPC port answers, whoever started
 * them — and shutdown: ./devnet.ts; the commands typed into it, `stop 2`, `restart 2`: ./commands.ts), how a node is looked at from outside (./probe.ts), the nodes' log lines (./logs.ts),
 * the live block lines and summary (./tracker.ts), and the node supervisor the devnet and the
 * multi-process tests share (spawn, listening, stop, kill by pid: ./supervisor.ts), the execution node
 * beside the cluster (./execution.ts) and the accounts a new devnet's genesis alloc funds (./accounts.ts),
 * and distance made in userspace for geo runs: latency profiles (./latency.ts) and the delaying relay (./relay.ts). The `dst devnet`
 * command that parses the flags and runs it is src/cli/devnet.ts.
 */
export { nodeCommand, runDevnet } from './devnet.js';
export {
  DEFAULT_ALL_DOWN_TIMEOUT_MS,
  DEFAULT_BLOCK_TIME_MS,
  DEFAULT_CHAIN_ID,
  DEFAULT_EXECUTION_RPC_PORT,
  DEFAULT_NODES,
  DEFAULT_RPC_BASE_PORT,
  DevnetSetupError,
  planDevnet,
  type DevnetOptions,
  type DevnetPlan,
} from './plan.js';
export { DEV_ACCOUNT, DEVNET_LOAD_ACCOUNTS, DEVNET_LOAD_BALANCE_WEI, devnetAlloc, devnetLoadKeys } from './accounts.js';
export { DevnetExecution, EXECUTION_DIR, EXECUTION_RPC_FLAG, executionCommand, nodeExecutionArgs, type DevnetExecutionOptions } from './execution.js';
export { DEVNET_COMMANDS_HELP, parseDevnetCommand, type DevnetCommand } from './commands.js';
export { portInUse, probeRpc, tcpAccepts, type RpcProbe } from './probe.js';
export { nodeEvent, parseNodeLine, type NodeEvent, type StoredBlock } from './logs.js';
export {
  DEFAULT_STOP_GRACE_MS,
  spawnNode,
  stopNodes,
  type ExitStatus,
  type NodeListening,
  type SpawnNodeOptions,
  type SupervisedNode,
} from './supervisor.js';
export { ChainTracker, formatBlockLine, formatDevnetSummary, type DevnetSummary, type NodeState } from './tracker.js';
export { criticalPathMs, LATENCY_PROFILE_NAMES, latencyProfile, withFaults, type LatencyProfile, type LatencyProfileName } from './latency.js';
export { relayDialFlags, startRelayLink, startRelayMesh, type RelayLink, type RelayLinkOptions, type RelayMesh } from './relay.js';
