/**
 * The dashboard's server side (issue 17), over real HTTP against a `MemorySequencer`: GET /dashboard
 * serves the page, its script and style with a same-origin Content-Security-Policy (so nothing can
 * come from a CDN), an unknown asset is 404; `dst_dashboard` answers a snapshot whose rates, head,
 * rounds and proposals led follow the blocks stored (a view without `activity()` gets operators from
 * the cluster info alone), and whose invalid partials come from the metrics; the assets ship in the
 * package ("files" has src/) where the built module (dist/api/dashboard.js) looks for them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSignedTransactionObjects } from '../helpers/transactions.js';
import { CHAIN_ID, startFixture, toHex, type Fixture } from './fixture.js';

describe('GET /dashboard and dst_dashboard', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.server.close();
  });

  it('serves the page, its script and style, from this origin only', async () => {
    for (const [path, type, text] of [
      ['dashboard', 'text/html', '<script src="/dashboard/dashboard.js"'],
      ['dashboard/', 'text/html', '<canvas id="latency"'],
      ['dashboard/dashboard.js', 'text/javascript', "method, params"],
      ['dashboard/dashboard.css', 'text/css', '#operators tr.down'],
    ] as const) {
      const response = await fetch(f.server.url + path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'; script-src 'self'");
      const body = await response.text();
      expect(body).toContain(text);
      expect(body).not.toMatch(/https?:\/\/(?!127\.)/);
    }
    expect((await fetch(f.server.url + 'dashboard/../metrics')).status).toBe(200); // normalised by fetch: /metrics
    expect((await fetch(f.server.url + 'dashboard/other.js')).status).toBe(404);
    expect((await fetch(f.server.url + 'dashboard', { method: 'POST' })).status).toBe(405);
  });

  it('ships its assets with the package, where the built module looks for them', () => {
    const root = new URL('../../', import.meta.url);
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('src');
    // dist/api/dashboard.js resolves the assets as src/api/dashboard.ts does: two levels below the root.
    const fromDist = new URL('../../src/api/dashboard/', new URL('dist/api/dashboard.js', root));
    expect(fromDist.href).toBe(new URL('src/api/dashboard/', root).href);
    for (const file of ['index.html', 'dashboard.css', 'dashboard.js']) expect(existsSync(new URL(file, fromDist))).toBe(true);
  });

  it('dst_dashboard: a snapshot that follows the stored blocks and the metrics', async () => {
    const empty = (await f.call('dst_dashboard')).result;
    expect(empty).toMatchObject({
      cluster: { chainId: `0x${CHAIN_ID.toString(16)}`, nodes: 1, threshold: 1, self: 1, blockTimeMs: 250 },
      health: { live: true, ready: true, reasons: [] },
      head: null,
      rates: { blocksPerSecond: 0, transactionsPerSecond: 0 },
      latency: { samples: [], p50Ms: null, p99Ms: null },
      multiRound: [],
      operators: [{ index: 1, self: true, connected: true, invalidPartials: 0, proposalsLed: 0, lastCommit: null }],
      pool: { transactions: 0 },
      sync: { syncing: false },
    });
    const txs = makeSignedTransactionObjects(3, { chainId: Number(CHAIN_ID), seed: 17 });
    for (const tx of txs) await f.sequencer.submitTransaction(tx.serialize());
    const block = f.sequencer.produceBlock(BigInt(Date.now()), 2);
    f.server.metrics.partialsInvalid.inc({ peer: '1' }, 2);
    const after = (await f.call('dst_dashboard')).result;
    expect(after.head).toMatchObject({ number: 1, hash: toHex(block.block.hash), transactions: 3, round: 2, proposer: block.block.header.proposer });
    expect(after.rates.blocksPerSecond).toBeGreaterThan(0);
    expect(after.rates.transactionsPerSecond).toBeCloseTo(after.rates.blocksPerSecond * 3, 2);
    expect(after.multiRound).toEqual([{ number: 1, round: 2, proposer: block.block.header.proposer, timestampMs: Number(block.block.header.timestampMs) }]);
    expect(after.operators[0]).toMatchObject({ invalidPartials: 2, proposalsLed: block.block.header.proposer === 1 ? 1 : 0 });
    // Over HTTP too, and refused with parameters.
    expect((await f.call('dst_dashboard', [1])).error.code).toBe(-32602);
  });
});
