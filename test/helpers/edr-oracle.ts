/**
 * The independent oracle for execution: @nomicfoundation/edr (Hardhat's Rust EVM, revm inside — the
 * EVM `dst execute` did not choose) fed the same transactions block by block (eth_sendRawTransaction,
 * then evm_mine), from the same alloc, at Prague, with the same coinbase and a base fee held at
 * 1 gwei (an EIP-1559 change denominator of 2^63 and a gas target no block reaches), no system
 * contracts in its genesis (as in dst execute's). Its blocks' state and receipts roots are what an
 * independent implementation computes for the same chain. EDR wants one context per process.
 */
import { ContractDecoder, EdrContext, L1_CHAIN_TYPE, MineOrdering, l1ProviderFactory } from '@nomicfoundation/edr';
import { BASE_FEE_PER_GAS } from '../../src/execution/chain.js';

let context: Promise<EdrContext> | undefined;

export interface EdrChain {
  call(method: string, params: unknown[]): Promise<any>;
  /** Mines one block of these raw transactions; returns the block (JSON-RPC object). */
  mine(transactions: Uint8Array[], timestamp: bigint): Promise<any>;
}

export async function edrChain(chainId: bigint, alloc: Array<{ address: string; balance: bigint }>, options: { allowSameTimestamp?: boolean } = {}): Promise<EdrChain> {
  context ??= (async () => {
    const created = new EdrContext();
    await created.registerProviderFactory(L1_CHAIN_TYPE, l1ProviderFactory());
    return created;
  })();
  const GAS = 10n ** 12n;
  const config = {
    allowBlocksWithSameTimestamp: options.allowSameTimestamp ?? true,
    allowUnlimitedContractSize: false,
    bailOnCallFailure: false,
    bailOnTransactionFailure: false,
    baseFeeConfig: [{ activation: { blockNumber: 0n }, maxChangeDenominator: 2n ** 63n, elasticityMultiplier: 2n }],
    chainId,
    coinbase: new Uint8Array(20),
    defaultTransactionGasLimit: 30_000_000n,
    genesisState: alloc.map((a) => ({ address: Buffer.from(a.address.slice(2), 'hex'), balance: a.balance })),
    hardfork: 'Prague',
    initialBaseFeePerGas: BASE_FEE_PER_GAS,
    minGasPrice: 0n,
    mining: { autoMine: false, blockGasLimit: GAS, memPool: { order: MineOrdering.Fifo } },
    network: { genesisBlockGasLimit: GAS, genesisBlockTime: 0n },
    networkId: chainId,
    observability: {},
    ownedAccounts: [],
    precompileOverrides: [],
  };
  const logger = { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} };
  const provider = await (await context).createProvider(L1_CHAIN_TYPE, config as never, logger, { subscriptionCallback: () => {} }, new ContractDecoder());
  let id = 0;
  const call = async (method: string, params: unknown[]) => {
    const response = await provider.handleRequest(JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }));
    const body = JSON.parse(typeof response.data === 'string' ? response.data : JSON.stringify(response.data));
    if (body.error !== undefined) throw new Error(`edr ${method}: ${JSON.stringify(body.error)}`);
    return body.result;
  };
  return {
    call,
    async mine(transactions, timestamp) {
      for (const raw of transactions) await call('eth_sendRawTransaction', [`0x${Buffer.from(raw).toString('hex')}`]);
      await call('evm_mine', [`0x${timestamp.toString(16)}`]);
      return call('eth_getBlockByNumber', ['latest', false]);
    },
  };
}
