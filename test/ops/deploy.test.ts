/**
 * The shipped operations files (issue 17), checked with the real tools where installed:
 * - deploy/prometheus/alerts.yml: names only metrics a node serves (src/api/metrics.ts) or `up`;
 *   `promtool check rules` accepts it, `promtool check config` the example prometheus.yml, and
 *   `promtool test rules` runs deploy/prometheus/alerts.test.yml (each alert on synthetic series: it
 *   fires on what it names, after its `for:`, with its annotations, and not on the healthy neighbour);
 * - deploy/grafana/dst.json: a Grafana dashboard whose panels have unique ids and fit the 24-column
 *   grid, whose every query names served metrics, and parses as PromQL (`promtool check rules` on
 *   the queries as recording rules, the template variables filled in);
 * - deploy/systemd/dst.service: hardened (the directives below), and `systemd-analyze verify` accepts it.
 * The promtool and systemd-analyze steps are skipped, saying so, where those are not installed
 * (Debian packages "prometheus" and "systemd").
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NODE_PROCESS_ENVIRONMENT, NODE_PROCESS_FLAGS } from '../../src/node/process-settings.js';
import { createMetrics } from '../../src/api/index.js';
import { ROOT } from '../helpers/devnet-process.js';

const run = promisify(execFile);
const find = (name: string) => [`/usr/bin/${name}`, `/usr/local/bin/${name}`, `/bin/${name}`].find((path) => existsSync(path));
const PROMTOOL = find('promtool');
const SYSTEMD_ANALYZE = find('systemd-analyze');
const DEPLOY = join(ROOT, 'deploy');
if (PROMTOOL === undefined) console.warn('promtool checks skipped: promtool is not installed (Debian package "prometheus")');
if (SYSTEMD_ANALYZE === undefined) console.warn('systemd unit check skipped: systemd-analyze is not installed');

/** Metric names a node serves, with a histogram's _bucket, _sum and _count series. */
async function servedMetrics(): Promise<Set<string>> {
  const served = new Set<string>(['up']);
  for (const metric of await createMetrics().registry.getMetricsAsJSON()) {
    served.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) served.add(metric.name + suffix);
  }
  return served;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string }>;
}

describe('deploy/', () => {
  it('alerts.yml names only metrics a node serves', async () => {
    const rules = await readFile(join(DEPLOY, 'prometheus', 'alerts.yml'), 'utf8');
    const named = new Set([...rules.matchAll(/\b(dst_[a-z_]+)/g)].map((m) => m[1]!));
    const served = await servedMetrics();
    expect(named.size).toBeGreaterThan(5);
    for (const name of named) expect(served, `${name} in alerts.yml`).toContain(name);
  });

  it.skipIf(PROMTOOL === undefined)('alerts.yml passes promtool check rules, check config and its unit tests', async () => {
    const dir = join(DEPLOY, 'prometheus');
    expect((await run(PROMTOOL!, ['check', 'rules', 'alerts.yml'], { cwd: dir })).stdout).toMatch(/SUCCESS: 8 rules found/);
    expect((await run(PROMTOOL!, ['check', 'config', 'prometheus.yml'], { cwd: dir })).stdout).toContain('is valid prometheus config file syntax');
    expect((await run(PROMTOOL!, ['test', 'rules', 'alerts.test.yml'], { cwd: dir })).stdout).toContain('SUCCESS');
  });

  it('grafana/dst.json: panels on the grid, queries over served metrics that parse as PromQL', async () => {
    const dashboard = JSON.parse(await readFile(join(DEPLOY, 'grafana', 'dst.json'), 'utf8')) as { uid: string; panels: Panel[]; templating: { list: Array<{ name: string }> } };
    expect(dashboard.uid).toBe('dst-sequencer');
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'job', 'instance']);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(30);
    const served = await servedMetrics();
    const named = new Set(exprs.flatMap((expr) => [...expr.matchAll(/\b((?:dst|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!)));
    for (const name of named) expect(served, `${name} in dst.json`).toContain(name);
    // The dashboard shows what the issue asks of it.
    for (const name of ['dst_block_signing_seconds_bucket', 'dst_peer_ping_seconds', 'dst_partial_signatures_invalid_total', 'dst_mempool_transactions', 'dst_sync_target_block_number', 'dst_node_ready']) {
      expect(named, name).toContain(name);
    }
    if (PROMTOOL === undefined) return;
    const dir = await mkdtemp(join(tmpdir(), 'dst-grafana-'));
    try {
      const filled = exprs.map((expr) => expr.replaceAll('$job', 'dst').replaceAll('$instance', '.*'));
      const yaml = ['groups:', '  - name: grafana', '    rules:', ...filled.flatMap((expr, i) => [`      - record: dashboard:query${i}`, `        expr: ${JSON.stringify(expr)}`])].join('\n');
      await writeFile(join(dir, 'queries.yml'), yaml + '\n');
      expect((await run(PROMTOOL, ['check', 'rules', 'queries.yml'], { cwd: dir })).stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('systemd/dst.service is hardened and verifies', async () => {
    const unit = await readFile(join(DEPLOY, 'systemd', 'dst.service'), 'utf8');
    for (const directive of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/dst', 'ProtectHome=yes', 'PrivateTmp=yes', 'PrivateDevices=yes', 'CapabilityBoundingSet=\n', 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX', 'SystemCallFilter=@system-service', 'User=dst', 'KillSignal=SIGTERM', 'RestartPreventExitStatus=2']) {
      expect(unit, directive).toContain(directive);
    }
    // The node process's memory settings, the same as the devnet's (src/node/process-settings.ts).
    expect(unit).toContain(`Environment=NODE_OPTIONS=${NODE_PROCESS_FLAGS.join(' ')}\n`);
    for (const [name, value] of Object.entries(NODE_PROCESS_ENVIRONMENT)) expect(unit).toContain(`Environment=${name}=${value}\n`);
    if (SYSTEMD_ANALYZE === undefined) return;
    const { stderr } = await run(SYSTEMD_ANALYZE, ['verify', join(DEPLOY, 'systemd', 'dst.service')]);
    expect(stderr).toBe('');
  });
});
