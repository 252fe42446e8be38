/**
 * `dst load`: the load generator (`startLoad`, src/load/generator.ts) as a command. Parses the flags,
 * asks the first URL for its chain id, sends at the rate asked for with a progress line a second on
 * standard error, and prints a summary on standard output when --duration ends or on SIGINT/SIGTERM.
 * Exit code: 0 when no transaction was rejected, 1 otherwise or when the run could not start, 2 on bad
 * usage.
 */
import { DEFAULT_BATCH, DEFAULT_SENDERS, formatProgress, formatSummary, startLoad } from '../load/index.js';
import { commandFailed, parseFlags, positiveInteger, positiveNumber, UsageError } from './usage.js';

export const LOAD_HELP = `Usage: dst load --rpc URL[,URL...] --tps N [options]

Sends real signed Ethereum transactions (EIP-155 legacy transfers of 1 wei) to DST nodes over
JSON-RPC (eth_sendRawTransaction) at a steady rate. Every run uses fresh random sender keys, nonces
from 0; the chain id comes from eth_chainId of the first URL. Senders are spread round-robin over
the URLs; each sender always talks to the same URL and has one transaction in flight, so every node
sees a sender's nonces in order. A rejected transaction retires its sender (a fresh one replaces it).

If the nodes cannot keep up, the generator does not queue: transactions the rate asked for while
every sender was waiting on a node are counted as "behind".

Options:
  --rpc <urls>         Comma-separated JSON-RPC URLs (e.g. http://127.0.0.1:8545). Required.
  --tps <n>            Transactions per second to send, a positive number. Required.
  --duration <s>       Stop after this many seconds (default: run until Ctrl-C).
  --senders <k>        Sender keys in use at once, at least one per URL (default: ${DEFAULT_SENDERS}). The
                       rate reachable is about k / (a node's answer time).
  --batch <b>          Most transactions per HTTP request, as a JSON-RPC batch when > 1 (default:
                       ${DEFAULT_BATCH}).
  -h, --help           Print this help.

Every second a progress line goes to standard error: sent, accepted, rejected (with the first error
message), in flight, behind, and the transactions accepted per second. The summary goes to standard
output. Exit code 0 when nothing was rejected, 1 otherwise, 2 on bad usage.

Example, against a devnet ("dst devnet") of 4 nodes on the default ports:
  dst load --rpc http://127.0.0.1:8545,http://127.0.0.1:8546,http://127.0.0.1:8547,http://127.0.0.1:8548 --tps 200 --duration 30
`;

export interface LoadCommand {
  urls: string[];
  tps: number;
  durationSeconds: number | undefined;
  senders: number | undefined;
  batch: number | undefined;
}

/** Parses `dst load` flags (the words after `load`); 'help' for --help. Throws on bad usage. */
export function parseLoadArgs(args: string[]): LoadCommand | 'help' {
  const { values, positionals } = parseFlags(args, {
    rpc: { type: 'string' },
    tps: { type: 'string' },
    duration: { type: 'string' },
    senders: { type: 'string' },
    batch: { type: 'string' },
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
      onProgress: (progress) => process.stderr.write(`${formatProgress(progress)}\n`),
    });
  } catch (error) {
    return commandFailed('dst load', 'dst load', error);
  }
  process.stderr.write(`dst load: chain id ${run.chainId}, ${command.tps} tx/s over ${command.urls.length} URL(s)\n`);
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
