/**
 * The shipped alert rules (deploy/prometheus/alerts.yml, issue 17) in a real Prometheus (Debian's
 * `prometheus`) scraping a real 4-node `dst devnet` (threshold 3) under load, every second. The rules
 * are loaded from a copy whose `for:` durations are cut to 1 s (the expressions are the shipped ones).
 * With every node up no alert fires and every node reports dst_node_ready 1; with two nodes killed,
 * DstNodeDown fires for those two, DstQuorumLost and DstNodeNotReady for the two left (they cannot
 * sign), and DstNoBlocks once ten block times pass with transactions waiting.
 * Skipped, saying so, where prometheus is not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { eventually, ROOT, startDevnet, type DevnetProcess } from '../helpers/devnet-process.js';

const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((path) => existsSync(path));
if (PROMETHEUS === undefined) console.warn('Prometheus alert test skipped: prometheus is not installed (Debian package "prometheus")');

interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

describe.skipIf(PROMETHEUS === undefined)('alerts.yml in a real Prometheus scraping a devnet', () => {
  let root: string | undefined;
  let devnet: DevnetProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((done) => prometheus!.once('close', done));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await devnet?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  // A 4-node devnet and its checks on a loaded 2-core machine: minutes, not the suite's default 2.
  it('fires DstNodeDown, DstQuorumLost, DstNodeNotReady and DstNoBlocks when two of four nodes stop, and nothing before', { timeout: 300_000 }, async () => {
    root = await mkdtemp(join(tmpdir(), 'dst-prometheus-'));
    devnet = await startDevnet(join(root, 'cluster'), 4, ['--block-time', '200', '--load', '20']);
    const nodes = await devnet.nodesUp(4);
    const targets = nodes.map((node) => new URL(node.url).host);

    const rules = (await readFile(join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8')).replace(/^(\s+)for: \S+$/gm, '$1for: 1s');
    await writeFile(join(root, 'alerts.yml'), rules);
    await writeFile(
      join(root, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 900ms }',
        'rule_files: [alerts.yml]',
        'scrape_configs:',
        '  - job_name: dst',
        `    static_configs: [{ targets: [${targets.map((t) => `'${t}'`).join(', ')}] }]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    prometheus = spawn(PROMETHEUS!, [`--config.file=${join(root, 'prometheus.yml')}`, `--storage.tsdb.path=${join(root, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    prometheus.stderr!.on('data', (chunk) => (prometheusLog += String(chunk)));
    const api = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/${path}`);
      const body = (await response.json()) as { status: string; data: any };
      if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
      return body.data;
    };
    const query = async (expr: string) => ((await api(`query?query=${encodeURIComponent(expr)}`)).result as Array<{ metric: Record<string, string>; value: [number, string] }>);
    const alerts = async (): Promise<Alert[]> => (await api('alerts')).alerts;
    const firing = async (name: string) => (await alerts()).filter((a) => a.labels.alertname === name && a.state === 'firing').map((a) => a.labels.instance).sort();

    // All up: every target scraped, every node ready, the rules loaded, and none firing.
    await eventually('the rules loaded', async () => (await api('rules')).groups.length === 1, 60_000).catch((error) => {
      throw new Error(`${(error as Error).message}\nprometheus: ${prometheusLog}`);
    });
    await eventually('four ready nodes scraped', async () => (await query('dst_node_ready == 1')).length === 4, 60_000);
    await eventually('blocks counted', async () => (await query('dst_head_block_number > 3')).length === 4, 60_000);
    expect((await query('dst_cluster_threshold')).map((r) => r.value[1])).toEqual(['3', '3', '3', '3']);
    // A few evaluations with everything healthy.
    const evaluatedSince = Date.now();
    await eventually('three evaluations', async () => (await api('rules')).groups[0].lastEvaluation && Date.parse((await api('rules')).groups[0].lastEvaluation) > evaluatedSince + 3000, 30_000);
    expect((await alerts()).filter((a) => a.state === 'firing')).toEqual([]);

    // Two of four stop: below the threshold of 3.
    process.kill(nodes[2]!.pid, 'SIGKILL');
    process.kill(nodes[3]!.pid, 'SIGKILL');
    const down = [targets[2]!, targets[3]!].sort();
    const left = [targets[0]!, targets[1]!].sort();
    await eventually('DstNodeDown firing for nodes 3 and 4', async () => JSON.stringify(await firing('DstNodeDown')) === JSON.stringify(down), 60_000);
    await eventually('DstQuorumLost firing for nodes 1 and 2', async () => JSON.stringify(await firing('DstQuorumLost')) === JSON.stringify(left), 60_000);
    await eventually('DstNodeNotReady firing for nodes 1 and 2', async () => JSON.stringify(await firing('DstNodeNotReady')) === JSON.stringify(left), 60_000);
    await eventually('DstNoBlocks firing for nodes 1 and 2', async () => JSON.stringify(await firing('DstNoBlocks')) === JSON.stringify(left), 90_000);
    // Nothing about partials or clocks: those did not happen.
    expect(await firing('DstInvalidPartials')).toEqual([]);
    expect(await firing('DstClockSkew')).toEqual([]);
  });
});
