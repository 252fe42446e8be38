/**
 * `dst/chain`: transactions, blocks, the pool and its ordering rule, block building and validation.
 */
export * from './rlp.js';
export * from './transaction.js';
export * from './block.js';
export * from './mempool.js';
export * from './builder.js';
export * from './validation.js';
