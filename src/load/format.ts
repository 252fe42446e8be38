/**
 * The load generator's lines (./generator.ts): progress, the URLs up and down, the wait at start, a
 * URL's change during a run, and the closing summary — what `dst load` and the devnet print.
 */
import type { LoadProgress, LoadSummary, LoadWaiting, UrlState } from './generator.js';

/** `2.5 s`. */
export const formatSeconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * One progress line: `load 12s: sent 600, accepted 598, rejected 0, in flight 2, behind 0 | 50 tx/s |
 * URLs up 1 of 2 (down: http://127.0.0.1:8546/)`.
 */
export function formatProgress(progress: LoadProgress): string {
  const seconds = Math.round(progress.elapsedMs / 1000);
  const error = progress.firstError === undefined ? '' : ` (first error: ${progress.firstError})`;
  return `load ${seconds}s: sent ${progress.sent}, accepted ${progress.accepted}, rejected ${progress.rejected}${error}, in flight ${progress.inFlight}, behind ${progress.behind} | ${progress.acceptedPerSecond.toFixed(0)} tx/s | ${formatUrls(progress.urls)}`;
}

/** `URLs up 1 of 2 (down: http://127.0.0.1:8546/)`, or `URLs up 2 of 2`. */
export function formatUrls(urls: readonly UrlState[]): string {
  const down = urls.filter((state) => !state.up).map((state) => state.url);
  return `URLs up ${urls.length - down.length} of ${urls.length}${down.length > 0 ? ` (down: ${down.join(', ')})` : ''}`;
}

/** While waiting at start: `load: waiting for a URL to answer eth_chainId (3 s of 30 s): http://127.0.0.1:8545/ down (…)`. */
export function formatWaiting(waiting: LoadWaiting): string {
  const states = waiting.urls.map((state) => `${state.url} down (${state.error})`).join(', ');
  return `load: waiting for a URL to answer eth_chainId (${Math.round(waiting.elapsedMs / 1000)} s of ${formatSeconds(waiting.waitMs)}): ${states}`;
}

/** A URL's change during a run: `load: http://… down (…): its senders wait; asking it again with backoff` or `load: http://… up again`. */
export function formatUrlChange(state: UrlState): string {
  return state.up ? `load: ${state.url} up again: sending to it` : `load: ${state.url} down (${state.error}): its senders wait; asking it eth_chainId again with backoff`;
}

/** The closing lines of a run. */
export function formatSummary(summary: LoadSummary): string {
  const lines = [
    `load summary (chain id ${summary.chainId}): ${(summary.elapsedMs / 1000).toFixed(1)} s, sent ${summary.sent}, accepted ${summary.accepted}, rejected ${summary.rejected}, ${summary.acceptedPerSecond.toFixed(1)} tx/s accepted`,
  ];
  if (summary.firstError !== undefined) lines.push(`  first error: ${summary.firstError}`);
  const down = summary.urls.filter((state) => !state.up);
  if (down.length > 0) lines.push(`  down at the end: ${down.map((state) => `${state.url} (${state.error})`).join(', ')}`);
  if (summary.behind > 0) lines.push(`  behind: ${summary.behind} transactions not sent because every sender was waiting on a node (the nodes are slower than the rate asked for; try more --senders)`);
  return lines.join('\n');
}
