/**
 * dst-sequencer/verifier in a real browser: the browser bundle (`npm run build:browser`: no Node built-ins, the
 * WebAssembly backend) and examples/verify-in-browser/, served from a static server on loopback, run
 * in headless Chromium (Debian's chromium, driven by playwright-core) against a 4-node cluster of real
 * `dst run` processes under load. The nodes allow the page's origin with `--rpc-cors`, except node 4:
 * the page verifies nodes 1's chain, refuses it under another chain id, and cannot read node 4 at all
 * (the browser blocks the cross-origin call). A screenshot goes to test-artifacts/.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { prefixedHex } from '../../src/bytes/index.js';
import { startTransactionLoad, TestCluster, waitForHeight, type TransactionLoad } from './cluster-process.js';
import type { NodeProcess } from './node-process.js';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = join(ROOT, 'examples/verify-in-browser');
const CHROMIUM = '/usr/bin/chromium';
const CHAIN_ID = 4712n;
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

function serveStatic(dir: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = join(dir, (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '').split('?')[0]!.slice(1));
    if (!path.startsWith(dir) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

describe.skipIf(!existsSync(CHROMIUM))('dst-sequencer/verifier in headless Chromium', () => {
  let site: { server: Server; origin: string };
  let cluster: TestCluster;
  let nodes: NodeProcess[];
  let load: TransactionLoad;
  let browser: Browser;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dst-browser-'));
    execFileSync(process.execPath, [join(EXAMPLE, 'build.mjs'), dir]);
    for (const file of ['index.html', 'main.js']) copyFileSync(join(EXAMPLE, file), join(dir, file));
    const bundle = readFileSync(join(dir, 'dst-verifier.js'), 'utf8');
    expect(bundle).not.toMatch(/from\s*["']node:|require\(["']node:/); // nothing of Node on the browser path
    site = await serveStatic(dir);
    cluster = await TestCluster.create({ nodes: 4, threshold: 3, chainId: CHAIN_ID, blockTimeMs: 100 });
    cluster.nodeArgs = (i) => (i === 4 ? [] : ['--rpc-cors', site.origin]);
    nodes = await cluster.startAll();
    load = startTransactionLoad({ chainId: Number(CHAIN_ID), senders: 4, seed: 'dst-browser', target: () => ({ index: 1, url: nodes[0]!.url }), intervalMs: 20 });
    await waitForHeight(nodes[0]!, 12);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await load?.stop();
    await cluster?.shutdown();
    site?.server.close();
  });

  async function runPage(query: Record<string, string>): Promise<{ text: string; kind: string; page: import('playwright-core').Page }> {
    const page = await browser.newPage();
    await page.goto(`${site.origin}/?${new URLSearchParams({ ...query, auto: '1' })}`);
    await page.locator('#status', { hasText: /^(OK|FAILED|ERROR)/ }).waitFor({ timeout: 60_000 });
    const status = page.locator('#status');
    return { text: (await status.textContent()) ?? '', kind: (await status.getAttribute('class')) ?? '', page };
  }

  it('verifies a range of a node\'s chain, refuses it under another chain id, and cannot read a node without CORS for it', async () => {
    const groupKey = prefixedHex(cluster.lock.groupPublicKey);
    const ok = await runPage({ rpc: nodes[0]!.url, chainId: String(CHAIN_ID), groupKey, from: '1', to: '10' });
    expect(ok.kind).toBe('ok');
    expect(ok.text).toMatch(/^OK: blocks 1\.\.10 are the cluster's\n10 blocks, \d+ transactions verified/);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await ok.page.screenshot({ path: join(ROOT, 'test-artifacts/verify-in-browser.png'), fullPage: true });

    const wrongChain = await runPage({ rpc: nodes[1]!.url, chainId: String(CHAIN_ID + 1n), groupKey, from: '1', to: '10' });
    expect(wrongChain.kind).toBe('bad');
    expect(wrongChain.text).toMatch(/^FAILED at block 1: wrong-chain/);

    const noCors = await runPage({ rpc: nodes[3]!.url, chainId: String(CHAIN_ID), groupKey, from: '1', to: '10' });
    expect(noCors.text).toMatch(/^ERROR: /);
  });
});
