// The page's script: loads the WebAssembly core, fetches blocks from the node and verifies them with
// dst-sequencer/verifier (bundled as ./dst-verifier.js by `npm run build:browser`). Query parameters prefill the
// form (rpc, chainId, groupKey, from, to) and `auto=1` starts at once.
import { httpCall, initWasm, signedBlockFromJson, verifyChain } from './dst-verifier.js';

const $ = (id) => document.getElementById(id);
const status = $('status');
const show = (text, kind = '') => {
  status.textContent = text;
  status.className = kind;
};
const hexToBytes = (hex) => {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`not 0x-prefixed hex: ${hex}`);
  return Uint8Array.from(hex.slice(2).match(/../g) ?? [], (b) => parseInt(b, 16));
};

async function verify() {
  const url = $('rpc').value.trim();
  const trust = { chainId: BigInt($('chainId').value.trim()), groupPublicKey: hexToBytes($('groupKey').value.trim()) };
  const head = Number(await httpCall(url, 'eth_blockNumber', []));
  const from = Number($('from').value || 1);
  const to = $('to').value ? Number($('to').value) : head;
  const started = performance.now();
  let parent;
  let verified = 0;
  let transactions = 0;
  for (let next = from; next <= to; ) {
    const answer = await httpCall(url, 'dst_getSignedBlocks', [`0x${next.toString(16)}`, Math.min(256, to - next + 1)]);
    if (answer.length === 0) throw new Error(`the node gave no blocks from block ${next}`);
    const blocks = answer.map(signedBlockFromJson);
    const result = await verifyChain(blocks, trust, { parent, backend: 'wasm' });
    verified += result.verified.length;
    transactions += blocks.slice(0, result.verified.length).reduce((n, b) => n + b.transactions.length, 0);
    if (!result.ok) {
      show(`FAILED at block ${result.number ?? next + result.index}: ${result.reason}\n${result.detail}\n(${verified} blocks verified before it)`, 'bad');
      return;
    }
    parent = result.head;
    next += blocks.length;
    show(`verifying… ${verified}/${to - from + 1} blocks`);
  }
  const seconds = (performance.now() - started) / 1000;
  show(`OK: blocks ${from}..${to} are the cluster's\n${verified} blocks, ${transactions} transactions verified in ${seconds.toFixed(2)} s (WebAssembly backend)`, 'ok');
}

const params = new URLSearchParams(location.search);
for (const id of ['rpc', 'chainId', 'groupKey', 'from', 'to']) if (params.has(id)) $(id).value = params.get(id);
$('form').addEventListener('submit', (event) => {
  event.preventDefault();
  verify().catch((error) => show(`ERROR: ${error.message}`, 'bad'));
});
try {
  await initWasm(fetch(new URL('./dst.release.wasm', import.meta.url)));
  show('Ready.');
  if (params.get('auto') === '1') $('form').requestSubmit();
} catch (error) {
  show(`ERROR: cannot load the WebAssembly core: ${error.message}`, 'bad');
}
