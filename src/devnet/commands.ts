/**
 * What a user can type into a running devnet (./devnet.ts), one command a line on its standard input:
 *
 *   stop <i>      SIGTERM node i's process (one the devnet started), to watch the others go on or stall
 *   restart <i>   start node i again (also `start <i>`): its devnet process exited or was stopped
 *   stop execution, restart execution   the same for the devnet's `dst execute` (./execution.ts)
 *   status        one line per node: up or down, and who runs it
 *   help          this list
 *
 * `parseDevnetCommand` turns a line into a command or says what is wrong with it; acting on it is the
 * devnet's. Node numbers are the share indices, 1..n, as in every devnet line.
 */

export type DevnetCommand =
  | { kind: 'stop'; node: number }
  | { kind: 'restart'; node: number }
  | { kind: 'stop-execution' }
  | { kind: 'restart-execution' }
  | { kind: 'status' }
  | { kind: 'help' }
  | { kind: 'none' }
  | { kind: 'invalid'; message: string };

export const DEVNET_COMMANDS_HELP = 'commands (type one and Enter): stop <i>, restart <i>, status, help (stop execution, restart execution: the execution node); Ctrl-C stops the devnet';

/** Parses one line typed into a devnet of `nodes` nodes. An empty line is `none`. */
export function parseDevnetCommand(line: string, nodes: number): DevnetCommand {
  const words = line.trim().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return { kind: 'none' };
  const [verb, argument, ...extra] = words as [string, ...string[]];
  const name = verb.toLowerCase();
  if (name === 'status' || name === 'help' || name === '?') {
    return extra.length > 0 || argument !== undefined ? { kind: 'invalid', message: `"${name}" takes no argument; ${DEVNET_COMMANDS_HELP}` } : { kind: name === 'status' ? 'status' : 'help' };
  }
  if (name === 'stop' || name === 'restart' || name === 'start') {
    const kind: 'stop' | 'restart' = name === 'stop' ? 'stop' : 'restart';
    if (extra.length === 0 && (argument === 'execution' || argument === 'exec')) return { kind: `${kind}-execution` };
    if (argument === undefined || extra.length > 0 || !/^\d+$/.test(argument) || Number(argument) < 1 || Number(argument) > nodes) {
      return { kind: 'invalid', message: `${name}: expected one node number 1..${nodes}, e.g. "${name} 2"` };
    }
    return { kind, node: Number(argument) };
  }
  return { kind: 'invalid', message: `unknown command "${verb}"; ${DEVNET_COMMANDS_HELP}` };
}
