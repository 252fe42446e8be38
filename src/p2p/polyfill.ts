/**
 * `Promise.withResolvers` (ES2024) for Node 20.
 *
 * js-libp2p 3.x and its transports call `Promise.withResolvers()`, which Node ships only from 22.
 * The project supports Node ≥ 20.19 (package.json `engines`), so this module installs a
 * spec-shaped implementation (TC39 proposal "Promise.withResolvers", now ECMA-262 §27.2.4.8) when —
 * and only when — the runtime lacks one. On Node 22/24 it does nothing. Every module of src/p2p
 * that imports libp2p imports this file first, so the method exists before libp2p code runs.
 */

interface PromiseResolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as unknown as {
  withResolvers?: <T>() => PromiseResolvers<T>;
};

if (typeof promiseConstructor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(this: PromiseConstructor): PromiseResolvers<T> {
      let resolve!: PromiseResolvers<T>['resolve'];
      let reject!: PromiseResolvers<T>['reject'];
      // `this` is the constructor the method was called on, as the spec requires (subclasses work).
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
