/**
 * The node-facing parts: a metrics registry created by the node and handed to the server is the one
 * served on /metrics (so the node's updates and its own extra metrics show), and `createLogger` writes
 * pino JSON lines.
 */
import { Writable } from 'node:stream';
import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger, createMetrics, startApiServer } from '../../src/api/index.js';
import { MemorySequencer } from './memory-sequencer.js';

describe('metrics and logger for the node', () => {
  it('serves the registry the node passes in, with the node\'s updates and additions', async () => {
    const metrics = createMetrics();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', name: 'node-1', destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }) });
    const server = await startApiServer(new MemorySequencer(7n), { host: '127.0.0.1', port: 0, maxBodyBytes: 1024, logger, metrics });
    try {
      expect(server.metrics).toBe(metrics);
      metrics.blocks.inc(3);
      metrics.transactionsIncluded.inc(42);
      metrics.blockProduction.observe(0.004);
      metrics.signing.observe(0.002);
      metrics.transactionsRejected.inc({ reason: 'nonce-too-low', source: 'gossip' });
      new Counter({ name: 'dst_node_extra_total', help: 'added by the node', registers: [metrics.registry] }).inc();
      const body = await (await fetch(new URL('/metrics', server.url))).text();
      expect(body).toMatch(/^dst_blocks_total 3$/m);
      expect(body).toMatch(/^dst_transactions_included_total 42$/m);
      expect(body).toMatch(/^dst_block_production_seconds_bucket\{le="0.005"\} 1$/m);
      expect(body).toMatch(/^dst_block_signing_seconds_count 1$/m);
      expect(body).toMatch(/^dst_transactions_rejected_total\{reason="nonce-too-low",source="gossip"\} 1$/m);
      expect(body).toMatch(/^dst_node_extra_total 1$/m);
    } finally {
      await server.close();
    }
    const started = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'API server listening');
    expect(started).toMatchObject({ level: 30, name: 'node-1', module: 'api', url: server.url, wsUrl: server.wsUrl });
    expect(typeof started.time).toBe('number');
  });

  it('refuses a non-positive body limit', async () => {
    await expect(startApiServer(new MemorySequencer(7n), { host: '127.0.0.1', port: 0, maxBodyBytes: 0, logger: createLogger({ level: 'silent' }) })).rejects.toThrow(
      /maxBodyBytes must be a positive integer, got 0/,
    );
  });
});
