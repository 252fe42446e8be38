/**
 * dst-sequencer/verifier benchmarks (issue 13), each a ratio against native blst measured in the same run:
 *
 * 1. `verifySignedBlock` of one block of 100 transactions (header decode, the WebAssembly trie root
 *    of its transactions, keccak hashes, the signing root, the signature) vs blst `verify` of that
 *    block's signature alone (signing root precomputed, signature deserialized with its subgroup
 *    check, key deserialized once): the overhead of everything else. Target: at most 1.2x blst's
 *    time, i.e. a speed ratio ≥ 0.83.
 * 2. `verifyChain` of 1,000 signed blocks of 100 transactions, on the native and the WebAssembly
 *    backend, vs checking each block's signature separately with blst `verify` (the same peer as
 *    in 1, 1,000 times). Target ≥ 3x. Also printed: blocks per second and CPU time per block
 *    (process CPU: blst's native threads count).
 *
 * Run: `npm run bench -- verifier`.
 */
import * as blst from '@chainsafe/blst';
import { BLOCK_DOMAIN, signingRoot } from '../src/crypto/index.js';
import { verifyChain, verifySignedBlock } from '../src/verifier/index.js';
import { makeSignedChain } from '../test/verifier/signed-chain.js';
import { compareAsync } from './harness.js';

const BLOCKS = 1_000;
const TRANSACTIONS = 100;

export async function run(): Promise<void> {
  console.log(`building ${BLOCKS} signed blocks of ${TRANSACTIONS} transactions…`);
  const chain = makeSignedChain({ count: BLOCKS, transactionsPerBlock: TRANSACTIONS, signWith: 'group' });
  const pk = blst.PublicKey.fromBytes(chain.trust.groupPublicKey, true);
  const roots = chain.blocks.map((b, i) => signingRoot(BLOCK_DOMAIN, chain.trust.chainId, b.round, chain.assembled[i]!.hash));
  const blstVerifyBlock = (i: number) => {
    if (!blst.verify(roots[i]!, pk, blst.Signature.fromBytes(chain.blocks[i]!.signature, true))) throw new Error('blst refused a valid block');
  };
  const block = chain.blocks[500]!;

  await compareAsync({
    title: `one block of ${TRANSACTIONS} transactions: verifySignedBlock vs blst verify of its signature alone (target: ≤ 1.2x its time, ratio ≥ 0.83)`,
    subject: { name: 'verifySignedBlock (native)', async: true, fn: async () => expectOk(await verifySignedBlock(block, chain.trust, { backend: 'native' })) },
    peers: [
      { name: 'blst verify (signature only)', fn: () => blstVerifyBlock(500), target: 0.83 },
      { name: 'verifySignedBlock (wasm)', async: true, fn: async () => expectOk(await verifySignedBlock(block, chain.trust, { backend: 'wasm' })) },
    ],
  });

  for (const backend of ['native', 'wasm'] as const) {
    await compareAsync({
      title: `verifyChain of ${BLOCKS} blocks of ${TRANSACTIONS} transactions (${backend}) vs blst verify of each block's signature (target ≥ 3x)`,
      subject: { name: `verifyChain (${backend})`, async: true, fn: async () => expectOk(await verifyChain(chain.blocks, chain.trust, { backend })) },
      peers: [{ name: `blst verify × ${BLOCKS}`, fn: () => { for (let i = 0; i < BLOCKS; i++) blstVerifyBlock(i); }, target: 3 }],
      minSeconds: 3,
    });
    const runs = 3;
    const cpu = process.cpuUsage();
    const wall = performance.now();
    for (let r = 0; r < runs; r++) expectOk(await verifyChain(chain.blocks, chain.trust, { backend }));
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - wall) / 1000;
    console.log(`  verifyChain (${backend}): ${Math.round((runs * BLOCKS) / seconds)} blocks/s, CPU ${(((used.user + used.system) / 1000) / (runs * BLOCKS)).toFixed(3)} ms per block`);
  }
}

function expectOk(result: { ok: boolean }): void {
  if (!result.ok) throw new Error(`a valid block or chain was refused: ${JSON.stringify(result)}`);
}
