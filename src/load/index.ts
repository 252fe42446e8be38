/**
 * `dst/load`: the load generator — real signed Ethereum transfers sent to DST nodes over JSON-RPC at a
 * steady rate (`startLoad`, ./generator.ts) and the transaction signing it and the benchmarks use
 * (./transactions.ts). The `dst load` command that runs it is src/cli/load.ts.
 */
export {
  DEFAULT_BATCH,
  DEFAULT_SENDERS,
  fetchChainId,
  formatProgress,
  formatSummary,
  startLoad,
  type AcceptedTransaction,
  type LoadCounts,
  type LoadOptions,
  type LoadProgress,
  type LoadRun,
  type LoadSummary,
} from './generator.js';
export { addressOf, makeLoad, randomSenderKey, signTransfer, type SenderKey } from './transactions.js';
