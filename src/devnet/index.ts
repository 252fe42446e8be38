/**
 * `dst/devnet`: a whole DST cluster on one machine, one `dst run` process per node (`dst devnet`):
 * flags (./args.ts), the nodes' log lines (./logs.ts), the live block lines and summary (./tracker.ts),
 * and the process supervision (./devnet.ts).
 */
export {
  DEFAULT_BLOCK_TIME_MS,
  DEFAULT_CHAIN_ID,
  DEFAULT_NODES,
  DEFAULT_RPC_BASE_PORT,
  DEVNET_HELP,
  parseDevnetArgs,
  type DevnetArgs,
} from './args.js';
export { parseNodeLine, type NodeEvent, type StoredBlock } from './logs.js';
export { ChainTracker, formatBlockLine, formatDevnetSummary, type DevnetSummary, type NodeState } from './tracker.js';
export { nodeCommand, planDevnet, portInUse, runDevnet, type DevnetPlan } from './devnet.js';
export { runDevnetCommand } from './cli.js';
export { UsageError } from '../cli/usage.js';
