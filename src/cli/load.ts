/**
 * `dst load`: the load generator (`startLoad`, src/load/generator.ts) as a command. Parses the flags,
 * waits (up to --wait seconds, a line a second on standard error) until at least one URL answers
 * eth_chainId, sends at the rate asked for over the URLs that answer — those down are asked again with
 * backoff and used once they answer, each change a line on standard error — with a progress line a
 * second on standard error naming the URLs down, and prints a summary on standard output when
 * --duration (counted from the start of sending) ends or on SIGINT/SIGTERM. Exit code: 0 when no
 * transaction was rejected, 1 otherwise or when the run could not start (no URL answered within
 * --wait), 2 on bad usage.
 */
import { DEFAULT_BATCH, DEFAULT_SENDERS, DEFAULT_START_WAIT_MS, formatProgress, formatSummary, formatUrlChange, formatWaiting, startLoad } from '../load/index.js';
import { commandFailed, parseFlags, positiveInteger, positiveNumber, UsageError } from './usage.js';

export const LOAD_HELP = `Usage: dst load --rpc URL[,URL...] --tps N [options]

Sends real signed Ethereum transactions (EIP-155 legacy transfers of 1 wei) to DST nodes over
JSON-RPC (eth_sendRawTransaction) at a steady rate. Every run uses fresh random sender keys, nonces
from 0. Senders are spread round-robin over the URLs; each sender always talks to the same URL and has
one transaction in flight, so every node sees a sender's nonces in order. A rejected transaction
retires its sender (a fresh one replaces it).

Nodes that are down: at start every URL is asked eth_chainId once a second until at least one
answers (a line a second says which are down), for at most --wait seconds; if none answers by then,
it exits with code 1 naming each URL and why. The chain id is that of the first URL in the list that
answered; a URL answering another chain id is not used. URLs down at start, and URLs whose request
gets no answer during the run (those transactions count as rejected), get no transactions: they are
asked eth_chainId again after 0.5 s, doubling up to 5 s between tries, and used again once they
answer; each change is a line on standard error.

If the nodes cannot keep up, the generator does not queue: transactions the rate asked for while
every sender was waiting on a node are counted as "behind".

Options:
  --rpc <urls>         Comma-separated JSON-RPC URLs (e.g. http://127.0.0.1:8545). Required.
  --tps <n>            Transactions per second to send, a positive number. Required.
  --duration <s>       Stop after this many seconds of sending (default: run until Ctrl-C).
  --senders <k>        Sender keys in use at once, at least one per URL (default: ${DEFAULT_SENDERS}). The
                       rate reachable is about k / (a node's answer time).
  --batch <b>          Most transactions per HTTP request, as a JSON-RPC batch when > 1 (default:
                       ${DEFAULT_BATCH}).
  --wait <s>           How long to wait at start for a first URL to answer eth_chainId (default:
                       ${DEFAULT_START_WAIT_MS / 1000}; 0: ask once).
  -h, --help           Print this help.

Every second a progress line goes to standard error: sent, accepted, rejected (with the first error
message), in flight, behind, the transactions accepted per second, and how many URLs are up (with
those down named). The summary goes to standard output. Exit code 0 when nothing was rejected, 1
otherwise or when no URL answered within --wait, 2 on bad usage.

Example, against a devnet ("dst devnet") of 4 nodes on the default ports:
  dst load --rpc http://127.0.0.1:8545,http://127.0.0.1:8546,http://127.0.0.1:8547,http://127.0.0.1:8548 --tps 200 --duration 30
`;

export interface LoadCommand {
  urls: string[];
  tps: number;
  durationSeconds: number | undefined;
  senders: number | undefined;
  batch: number | undefined;
  /** --wait, in ms. */
  startWaitMs: number;
}

/** --wait: a number of seconds ≥ 0, in ms. */
function waitFlag(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`--wait: expected a number of seconds ≥ 0, got ${JSON.stringify(text)}`);
  return Number(text) * 1000;
}

/** Parses `dst load` flags (the words after `load`); 'help' for --help. Throws on bad usage. */
export function parseLoadArgs(args: string[]): LoadCommand | 'help' {
  const { values, positionals } = parseFlags(args, {
    rpc: { type: 'string' },
    tps: { type: 'string' },
    duration: { type: 'string' },
    senders: { type: 'string' },
    batch: { type: 'string' },
    wait: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.rpc === undefined) throw new UsageError('--rpc is required');
  const urls = values.rpc.split(',').map((url) => url.trim());
  for (const url of urls) {
    if (!/^https?:\/\/[^\s/]+/.test(url) || !URL.canParse(url)) throw new UsageError(`--rpc: expected comma-separated http(s) URLs, got ${JSON.stringify(url)}`);
  }
  if (values.tps === undefined) throw new UsageError('--tps is required');
  const command: LoadCommand = {
    urls,
    tps: positiveNumber('--tps', values.tps)!,
    durationSeconds: positiveNumber('--duration', values.duration),
    senders: positiveInteger('--senders', values.senders),
    batch: positiveInteger('--batch', values.batch),
    startWaitMs: values.wait === undefined ? DEFAULT_START_WAIT_MS : waitFlag(values.wait),
  };
  if (command.senders !== undefined && command.senders < urls.length) {
    throw new UsageError(`--senders: expected at least one per URL (${urls.length}), got ${command.senders}`);
  }
  return command;
}

/** Runs `dst load <args>`; returns the exit code. */
export async function runLoadCommand(args: string[]): Promise<number> {
  let command: LoadCommand | 'help';
  try {
    command = parseLoadArgs(args);
  } catch (error) {
    return commandFailed('dst load', 'dst load', error);
  }
  if (command === 'help') {
    process.stdout.write(LOAD_HELP);
    return 0;
  }
  let run;
  try {
    run = await startLoad({
      urls: command.urls,
      tps: command.tps,
      senders: command.senders,
      batch: command.batch,
      startWaitMs: command.startWaitMs,
      onWaiting: (waiting) => process.stderr.write(`${formatWaiting(waiting)}\n`),
      onUrlChange: (state) => process.stderr.write(`${formatUrlChange(state)}\n`),
      onProgress: (progress) => process.stderr.write(`${formatProgress(progress)}\n`),
    });
  } catch (error) {
    return commandFailed('dst load', 'dst load', error);
  }
  const up = run.urls().filter((state) => state.up).length;
  process.stderr.write(`dst load: chain id ${run.chainId}, ${command.tps} tx/s over ${command.urls.length} URL(s), ${up} up\n`);
  let onSignal: () => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((done) => {
    onSignal = done;
    if (command.durationSeconds !== undefined) timer = setTimeout(done, command.durationSeconds * 1000);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  clearTimeout(timer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const summary = await run.stop();
  process.stdout.write(`${formatSummary(summary)}\n`);
  return summary.rejected === 0 ? 0 : 1;
}
