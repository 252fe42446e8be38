/**
 * Runs `dst run` as a separate process for end-to-end tests, through the node supervisor the devnet
 * uses (src/devnet/supervisor.ts): `spawnDst` starts a `dst` command from the TypeScript sources (node
 * --import tsx, so the pid is the node process itself) keeping its parsed log lines and stderr;
 * `startNodeProcess` runs `dst run --single` and waits for its "rpc listening" line (the cluster
 * harness, ./cluster-process.ts, starts `dst run --dir` the same way). Processes are stopped or killed
 * by pid. Also a minimal JSON-RPC client (fetch) and the reference checks shared by the end-to-end
 * tests, independent of src/ (noble keccak-256, blst).
 */
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import * as blst from '@chainsafe/blst';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { spawnNode, type SupervisedNode } from '../../src/devnet/index.js';
import { referenceSigningRoot } from '../helpers/signing-root.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A `dst` process started from the sources, with every log line parsed as it arrives (`logs`) and its stderr. */
export interface DstProcess extends SupervisedNode {
  readonly pid: number;
  readonly logs: Array<Record<string, any>>;
}

/** A node that is listening: its RPC URLs and group public key from the "rpc listening" line. */
export interface NodeProcess extends DstProcess {
  url: string;
  wsUrl: string;
  groupPublicKey: string;
}

/**
 * Spawns `node [nodeFlags] --import tsx src/cli/main.ts <args>` from the repository root and keeps its
 * pino JSON lines (`nodeFlags`: Node.js's own flags, e.g. `--cpu-prof` in the benchmarks). With `entry`
 * 'dist' it runs the built `dist/cli/main.js` instead (what an operator runs: no TypeScript loader in
 * the process's memory or CPU; `npm run build:ts` first). Never throws for the process's behaviour:
 * callers wait on `listening` or `exited`.
 */
export function spawnDst(args: readonly string[], nodeFlags: readonly string[] = [], entry: 'sources' | 'dist' = 'sources'): DstProcess {
  return spawnNode({
    file: process.execPath,
    args: [...nodeFlags, ...(entry === 'dist' ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts']), ...args],
    cwd: ROOT,
    keepLogs: true,
    name: `dst ${args.join(' ')}`,
  }) as DstProcess;
}

/** Waits for a spawned process's "rpc listening" line and returns it as a listening node. */
export async function whenListening(started: DstProcess): Promise<NodeProcess> {
  const { url, line } = await started.listening;
  return Object.assign(started, { url, wsUrl: line.wsUrl as string, groupPublicKey: line.groupPublicKey as string });
}

export async function startNodeProcess(options: { dataDir: string; chainId: bigint; blockTimeMs: number }): Promise<NodeProcess> {
  return whenListening(
    spawnDst(['run', '--single', '--data-dir', options.dataDir, '--chain-id', options.chainId.toString(), '--block-time', String(options.blockTimeMs), '--rpc-port', '0', '--log-level', 'info']),
  );
}

let nextId = 1;

/** One JSON-RPC call over HTTP; resolves with the whole response object. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<{ result?: any; error?: { code: number; message: string } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  });
  return (await response.json()) as { result?: any; error?: { code: number; message: string } };
}

/** A JSON-RPC body POSTed from client address `from` (a loopback address, bound as the socket's source); the parsed answer. */
export function postFrom(url: string, from: string, body: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, localAddress: from, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));

/**
 * Checks a `dst_getSignedBlock` result independently of src/: the block hash is noble keccak-256 of the
 * header RLP, the signing root is recomputed (domain ‖ chainId ‖ round ‖ hash), and blst verifies the
 * signature against the group public key.
 */
export function verifySignedBlock(signed: { chainId: string; hash: string; header: string; round: number; signingRoot: string; signature: string }, groupPublicKey: string): boolean {
  const hash = keccak_256(bytes(signed.header));
  if (Buffer.from(hash).toString('hex') !== signed.hash.slice(2)) return false;
  const root = referenceSigningRoot(BigInt(signed.chainId), signed.round, hash);
  if (Buffer.from(root).toString('hex') !== signed.signingRoot.slice(2)) return false;
  return blst.verify(root, blst.PublicKey.fromBytes(bytes(groupPublicKey)), blst.Signature.fromBytes(bytes(signed.signature)));
}
