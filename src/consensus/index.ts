/**
 * `dst-sequencer/consensus`: the QBFT state machine (Moniz, arXiv 2002.03613) that the node runs once per
 * height to agree on one block, with the rule that COMMITs carry partial signatures (docs/architecture.md §4). Pure:
 * the caller supplies transport, timers, value validation and signing (see qbft/machine.ts).
 */
export { QbftMachine } from './qbft/machine.js';
export {
  faultTolerance,
  quorumSize,
  roundRobinLeader,
  highestPrepared,
  isPrepareQuorum,
  isValidRoundChange,
  justifyPrePrepare,
  justifyRoundChangeQuorum,
  nextRoundFromRoundChanges,
  type RuleContext,
} from './qbft/rules.js';
export {
  DEFAULT_REPUTATION_WINDOW,
  LeaderReputation,
  leaderInOrder,
  leaderOrder,
  nextReputation,
  reputationAt,
  reputationWindowStart,
  type ReputationState,
} from './qbft/reputation.js';
export { linearRoundTimeout, AdaptiveRoundTimeout, ADAPTIVE_TIMEOUT, type AdaptiveTimeoutSettings, DEFAULT_ROUND_TIMEOUT_BASE_MS, DEFAULT_ROUND_TIMEOUT_STEP_MS } from './qbft/timer.js';
export { MAX_ROUNDS_AHEAD, MAX_HEIGHTS_AHEAD, MAX_FUTURE_MESSAGES_PER_SENDER, RETAINED_DECISIONS } from './qbft/limits.js';
export { assertMessage } from './qbft/validate.js';
export type * from './qbft/types.js';
