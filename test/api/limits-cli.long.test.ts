/**
 * The `dst run` flags of the RPC limits and the pool's rules (src/cli/run.ts): `--help` documents each
 * with its default, and bad values are usage errors (exit code 2). The limits themselves:
 * ./limits.test.ts, test/chain/mempool.test.ts, test/e2e/front-door.test.ts.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RPC_LIMITS } from '../../src/api/index.js';
import { DEFAULT_POOL_LIMITS } from '../../src/node/index.js';
describe('dst run flags for the limits', () => {
  it('--help documents each with its default; bad values are usage errors (exit 2)', async () => {
    const dst = (...args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    const [help, zero, tooLarge, gap] = await Promise.all([
      dst('--help'),
      dst('run', '--single', '--rpc-max-batch', '0'),
      dst('run', '--single', '--rpc-max-response-bytes', String(DEFAULT_RPC_LIMITS.maxUnreadBytes + 1)),
      dst('run', '--single', '--pool-max-nonce-gap', 'many'),
    ]);
    const flags: [string, number][] = [
      ['--rpc-max-requests-per-second', DEFAULT_RPC_LIMITS.requestsPerSecond],
      ['--rpc-max-transactions-per-second', DEFAULT_RPC_LIMITS.transactionsPerSecond],
      ['--rpc-max-batch', DEFAULT_RPC_LIMITS.maxBatch],
      ['--rpc-max-connections-per-address', DEFAULT_RPC_LIMITS.maxConnectionsPerAddress],
      ['--rpc-max-connections', DEFAULT_RPC_LIMITS.maxConnections],
      ['--rpc-max-subscriptions', DEFAULT_RPC_LIMITS.maxSubscriptions],
      ['--rpc-max-in-flight', DEFAULT_RPC_LIMITS.maxInFlight],
      ['--rpc-max-unread-bytes', DEFAULT_RPC_LIMITS.maxUnreadBytes],
      ['--rpc-max-response-bytes', DEFAULT_RPC_LIMITS.maxResponseBytes],
      ['--pool-max-transactions', DEFAULT_POOL_LIMITS.maxTransactions],
      ['--pool-max-bytes', DEFAULT_POOL_LIMITS.maxBytes],
      ['--pool-max-per-sender', DEFAULT_POOL_LIMITS.maxPerSender],
      ['--pool-max-nonce-gap', DEFAULT_POOL_LIMITS.maxNonceGap],
      ['--pool-max-per-client', DEFAULT_POOL_LIMITS.maxPerClient],
      ['--pool-expiry-seconds', DEFAULT_POOL_LIMITS.stuckExpiryMs / 1000],
    ];
    expect(help.code).toBe(0);
    for (const [flag, value] of flags) {
      const entry = help.stdout.slice(help.stdout.indexOf(`  ${flag} <n>`)).split(/\n  -/)[0]!;
      expect(entry, flag).toContain(`(default: ${value}`);
    }
    expect(help.stdout).toContain('--rpc-limit-loopback');
    expect(zero).toMatchObject({ code: 2, stderr: expect.stringContaining('--rpc-max-batch: expected a positive integer, got "0"') });
    expect(tooLarge).toMatchObject({ code: 2, stderr: expect.stringContaining('maxResponseBytes (16777217) must not exceed maxUnreadBytes (16777216)') });
    expect(gap).toMatchObject({ code: 2, stderr: expect.stringContaining('--pool-max-nonce-gap: expected an integer in 0..1000000, got "many"') });
  });
});
