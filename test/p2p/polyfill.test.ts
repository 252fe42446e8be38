/** `Promise.withResolvers` after the polyfill: present, spec-shaped, and the runtime's own where it has one. */
import { describe, expect, it } from 'vitest';

const nativeBefore = (Promise as unknown as { withResolvers?: unknown }).withResolvers;
await import('../../src/p2p/polyfill.js');

type WithResolvers = <T>() => { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
const withResolvers = (Promise as unknown as { withResolvers: WithResolvers }).withResolvers;

describe('Promise.withResolvers polyfill', () => {
  it('leaves a native implementation in place', () => {
    if (nativeBefore !== undefined) expect(withResolvers).toBe(nativeBefore);
    else expect(typeof withResolvers).toBe('function');
  });

  it('resolves and rejects the promise it returns', async () => {
    const ok = withResolvers.call(Promise) as ReturnType<WithResolvers>;
    ok.resolve(42);
    await expect(ok.promise).resolves.toBe(42);
    const fail = withResolvers.call(Promise) as ReturnType<WithResolvers>;
    fail.reject(new Error('no'));
    await expect(fail.promise).rejects.toThrow('no');
  });

  it('builds the promise with the constructor it is called on', () => {
    class Tagged<T> extends Promise<T> {}
    const { promise } = withResolvers.call(Tagged) as ReturnType<WithResolvers>;
    expect(promise).toBeInstanceOf(Tagged);
  });
});
