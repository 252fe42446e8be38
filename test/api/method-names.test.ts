/**
 * The `method` label of unserved RPC methods (src/api/method-names.ts): served and well-known names
 * keep their name, anything else is "other", so clients cannot grow the label's cardinality.
 */
import { describe, expect, it } from 'vitest';
import { KNOWN_METHOD_NAMES, methodMetricLabel } from '../../src/api/method-names.js';
import { methods } from '../../src/api/methods.js';

describe('RPC method metric label', () => {
  it('keeps served methods and well-known Ethereum names, and folds the rest into "other"', () => {
    for (const name of Object.keys(methods)) expect(methodMetricLabel(name)).toBe(name);
    expect(methodMetricLabel('eth_getBalance')).toBe('eth_getBalance');
    expect(methodMetricLabel('net_version')).toBe('net_version');
    expect(methodMetricLabel('eth_mine')).toBe('other');
    expect(methodMetricLabel('toString')).toBe('other');
    expect(methodMetricLabel('__proto__')).toBe('other');
    expect(methodMetricLabel('eth_getbalance')).toBe('other');
    expect(methodMetricLabel('x'.repeat(10_000))).toBe('other');
  });

  it('the fixed list holds only method-shaped names (namespace_name)', () => {
    for (const name of KNOWN_METHOD_NAMES) expect(name).toMatch(/^[a-z0-9]+_[A-Za-z0-9_]+$/);
  });
});
