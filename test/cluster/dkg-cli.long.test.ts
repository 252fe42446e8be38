/**
 * The whole dealerless flow through the real binary, every step its own process (issue 15): four
 * `dst create identity`, one `dst create definition`, four `dst dkg` at once, the four nodes run with
 * `dst run` and sign blocks; stopped, then `dst reshare` by the four and a fifth new operator, and the
 * five nodes run from the new lock: the new one syncs the old chain, the chain grows, and every block
 * before and after verifies against the one group key (checked independently of src/ by verifyChain).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stopNodes } from '../../src/devnet/index.js';
import { readChain, verifyChain, waitForHeight } from '../e2e/cluster-process.js';
import { rpc, spawnDst, whenListening, type NodeProcess } from '../e2e/node-process.js';
import { freePort } from '../helpers/net.js';
import { signTransfers, testAccounts } from '../node/wallets.js';

const exec = promisify(execFile);
const log = (what: string): void => void process.stderr.write(`[dkg-cli ${new Date().toISOString()}] ${what}\n`);
const dst = (...args: string[]) => exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { maxBuffer: 64 << 20 });
const CHAIN_ID = 901;

let root: string;
const running: NodeProcess[] = [];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dst-dkg-cli-'));
});
afterAll(async () => {
  await stopNodes(running.filter((node) => node.running));
  await rm(root, { recursive: true, force: true });
});

async function identity(name: string): Promise<{ dir: string; peerId: string; address: string }> {
  const dir = join(root, name);
  const { stdout } = await dst('create', 'identity', '--out', dir);
  return { dir, peerId: stdout.trim(), address: `/ip4/127.0.0.1/tcp/${await freePort()}` };
}

async function runNodes(dirs: readonly string[]): Promise<NodeProcess[]> {
  const nodes = await Promise.all(dirs.map((dir) => whenListening(spawnDst(['run', '--dir', dir, '--rpc-port', '0', '--log-level', 'info']))));
  running.push(...nodes);
  return nodes;
}

async function sendTransfers(node: NodeProcess, account: ReturnType<typeof testAccounts>[number], firstNonce: number, count: number): Promise<void> {
  for (const raw of await signTransfers(account, CHAIN_ID, firstNonce, count)) {
    const response = await rpc(node.url, 'eth_sendRawTransaction', [raw]);
    expect(response.error).toBeUndefined();
  }
}

it('identities → definition → dkg → run → reshare → run: one key, one chain', { timeout: 540_000 }, async () => {
  const operators = await Promise.all(['a', 'b', 'c', 'd'].map(identity));
  const definition = join(root, 'definition.json');
  await dst('create', 'definition', '--operators', operators.map((o) => `${o.peerId}@${o.address}`).join(','), '--threshold', '3',
    '--chain-id', String(CHAIN_ID), '--block-time', '100', '--out', definition);
  log('definition written; dkg');
  const dkg = await Promise.all(operators.map((o) => dst('dkg', '--definition', definition, '--dir', o.dir, '--log-level', 'warn')));
  for (const { stdout } of dkg) expect(stdout).toContain('DKG done');
  const groupPublicKey = /group public key (0x[0-9a-f]+)/.exec(dkg[0]!.stdout)![1]!;

  const [account] = testAccounts(1, 'dkg-cli');
  log('dkg done; run');
  let nodes = await runNodes(operators.map((o) => o.dir));
  for (const node of nodes) expect(node.groupPublicKey).toBe(groupPublicKey);
  await sendTransfers(nodes[0]!, account!, 0, 3);
  const before = await waitForHeight(nodes[0]!, 1, 60_000);
  log(`height ${before}; stopping`);
  await stopNodes(nodes);

  const newcomer = await identity('e');
  const newSet = [...operators, newcomer].map((o) => `${o.peerId}@${o.address}`).join(',');
  const lock = join(operators[0]!.dir, 'cluster-lock.json');
  log('reshare');
  const reshare = await Promise.all([...operators, newcomer].map((o) => dst('reshare', '--lock', lock, '--new-operators', newSet, '--dir', o.dir, '--log-level', 'warn')));
  for (const { stdout } of reshare) {
    expect(stdout).toContain('Reshare done');
    expect(stdout).toContain(`group public key ${groupPublicKey}`);
    expect(stdout).toContain('threshold 4');
  }

  log('reshare done; run 5');
  nodes = await runNodes([...operators, newcomer].map((o) => o.dir));
  await sendTransfers(nodes[1]!, account!, 3, 3);
  const after = await waitForHeight(nodes[4]!, before + 1, 90_000);
  const chain = await readChain(nodes[4]!.url, after);
  await verifyChain(chain, groupPublicKey, BigInt(CHAIN_ID));
  expect(chain.length).toBeGreaterThan(before);
});
