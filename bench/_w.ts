import { makeSignedChain } from '../test/verifier/signed-chain.js';
import { packChunk, VerifierWorkers } from '../src/verifier/workers.js';
import { verifyChain } from '../src/verifier/index.js';
import { decodeCanonicalHeader } from '../src/verifier/header.js';
const chain = makeSignedChain({ count: 1000, transactionsPerBlock: 100, signWith: 'group' });
function t(name: string, f: () => void) { let best = 1e9; for (let k=0;k<4;k++){ const c=process.cpuUsage(); f(); const u=process.cpuUsage(c); best = Math.min(best, (u.user+u.system)/1000); } console.log(name, 'ms', best.toFixed(1)); }
t('packChunk all', () => { for (let c = 0; c < 4; c++) packChunk(chain.blocks, c*250, c*250+250); });
t('decode headers', () => { for (const b of chain.blocks) decodeCanonicalHeader(b.header); });
const w = new VerifierWorkers(); await w.ready();
for (const opts of [{}, { workers: w }]) {
  for (let k = 0; k < 4; k++) { const c = process.cpuUsage(); const t0 = performance.now(); const r = await verifyChain(chain.blocks, chain.trust, { backend: 'native', ...opts }); const u = process.cpuUsage(c); console.log(Object.keys(opts).length ? 'workers' : 'calling', r.ok, 'wall', (performance.now()-t0).toFixed(0), 'cpu', ((u.user+u.system)/1000).toFixed(0)); }
}
await w.close();
