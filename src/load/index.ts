/**
 * `dst-sequencer/load`: the load generator — real signed Ethereum transfers sent to DST nodes over JSON-RPC at a
 * steady rate, over the URLs that answer, waiting at start for a first one and taking the others in
 * once they answer (`startLoad`, ./generator.ts) — and the transaction signing it and the benchmarks use
 * (./transactions.ts). The `dst load` command that runs it is src/cli/load.ts.
 */
export {
  DEFAULT_BATCH,
  DEFAULT_SENDERS,
  DEFAULT_START_WAIT_MS,
  fetchChainId,
  NoUrlAnswersError,
  startLoad,
  type AcceptedTransaction,
  type LoadCounts,
  type LoadOptions,
  type LoadProgress,
  type LoadRun,
  type LoadSummary,
  type LoadWaiting,
  type UrlState,
} from './generator.js';
export { formatProgress, formatSummary, formatUrlChange, formatUrls, formatWaiting } from './format.js';
export { addressOf, makeLoad, randomSenderKey, signTransfer, type SenderKey } from './transactions.js';
