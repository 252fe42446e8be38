/**
 * The live dashboard (issue 17) in a real headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core) against a real 4-node `dst devnet` under load: the devnet prints node 1's dashboard
 * URL; the page loads with no request leaving the node (no CDN); the head, blocks/s, tx/s and the
 * latency samples appear and move; every operator has a row; a node killed (SIGKILL) turns its row
 * red ("not connected") within a few seconds while the others stay green; a screenshot is saved as
 * test-artifacts/dashboard.png. Skipped, saying so, where Chromium is not installed.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, startDevnet, type DevnetProcess } from '../helpers/devnet-process.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`dashboard browser test skipped: ${CHROMIUM} is not installed (Debian package "chromium")`);

describe.skipIf(!hasChromium)('GET /dashboard in headless Chromium against a 4-node devnet', () => {
  let root: string | undefined;
  let devnet: DevnetProcess | undefined;
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
    await devnet?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  // A 4-node devnet and its checks on a loaded 2-core machine: minutes, not the suite's default 2.
  it('shows the chain and the operators live, and turns a stopped node red', { timeout: 300_000 }, async () => {
    root = await mkdtemp(join(tmpdir(), 'dst-dashboard-'));
    devnet = await startDevnet(join(root, 'cluster'), 4, ['--block-time', '200', '--load', '30']);
    const nodes = await devnet.nodesUp(4);
    const [, url] = (await devnet.line(/^dashboard: (http:\/\/127\.0\.0\.1:\d+\/dashboard) /))!;
    expect(url).toBe(`${nodes[0]!.url}dashboard`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(nodes[0]!.url.replace(/\/$/, '')) && !request.url().startsWith(nodes[0]!.url.replace('http', 'ws').replace(/\/$/, ''))) foreign.push(request.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url!);

    const number = async (selector: string) => Number((await page.textContent(selector))!.replace(/,/g, ''));
    // Waits in the page (functions, not strings: the page's CSP forbids eval; `any`: this project's
    // TypeScript has no DOM types) until the number shown in #id is above `floor`.
    const above = (id: string, floor: number, timeout = 60_000) =>
      page.waitForFunction(
        ([id, floor]) => Number((globalThis as any).document.getElementById(id).textContent.replace(/,/g, '')) > (floor as number),
        [id, floor] as const,
        { timeout },
      );
    // The numbers appear …
    for (const id of ['head', 'tps', 'samples']) await above(id, 0);
    expect(await number('#bps')).toBeGreaterThan(0);
    expect(await page.textContent('#p50')).toMatch(/ms|s$/);
    expect(await page.textContent('#p99')).toMatch(/ms|s$/);
    // … and move.
    const head = await number('#head');
    const samples = await number('#samples');
    await above('head', head);
    await above('samples', samples);
    expect(await page.locator('#operators tbody tr').count()).toBe(4);
    await page.waitForSelector('#operators tr[data-operator="1"][data-state="up"]');
    for (const i of [2, 3, 4]) await page.waitForSelector(`#operators tr[data-operator="${i}"][data-state="up"]`, { timeout: 30_000 });
    // Operators show their last COMMIT partial and the proposals they led.
    await page.waitForFunction(() => [...(globalThis as any).document.querySelectorAll('#operators tbody tr')].every((row: any) => /^height [\d,]+ · round \d+/.test(row.cells[4].textContent)), undefined, { timeout: 30_000 });
    const led = await Promise.all([1, 2, 3, 4].map((i) => number(`#operators tr[data-operator="${i}"] td:nth-child(7)`)));
    expect(led.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(await page.textContent('#ready')).toBe('ready');

    // Node 3 stops: its row turns red within a few seconds, the others stay connected.
    process.kill(nodes[2]!.pid, 'SIGKILL');
    await page.waitForSelector('#operators tr[data-operator="3"][data-state="down"]', { timeout: 15_000 });
    const colour = await page.$eval('#operators tr[data-operator="3"]', (row) => (globalThis as any).getComputedStyle(row).backgroundColor);
    expect(colour).toBe('rgba(248, 81, 73, 0.14)');
    expect(await page.textContent('#operators tr[data-operator="3"] td:nth-child(2)')).toBe('not connected');
    for (const i of [1, 2, 4]) expect(await page.getAttribute(`#operators tr[data-operator="${i}"]`, 'data-state')).toBe('up');
    // Three of four still sign: the head keeps moving.
    const later = await number('#head');
    await above('head', later);

    await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'dashboard.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
