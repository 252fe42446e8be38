/**
 * Test wallets: deterministic private keys and transactions signed by viem (an independent Ethereum
 * client library, noble secp256k1 underneath) — EIP-1559 and EIP-155 legacy transfers with consecutive
 * nonces per sender, so the node's ordering and inclusion can be checked per sender.
 */
import { keccak256, toHex, type Hex } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';

export function testAccounts(count: number, seed = 'dst-node-test'): PrivateKeyAccount[] {
  return Array.from({ length: count }, (_, i) => privateKeyToAccount(keccak256(toHex(`${seed}-${i}`))));
}

/** Signs `nonces` consecutive transfers for `account` starting at `firstNonce`, alternating EIP-1559 and legacy. */
export async function signTransfers(account: PrivateKeyAccount, chainId: number, firstNonce: number, count: number): Promise<Hex[]> {
  const signed: Hex[] = [];
  for (let i = 0; i < count; i++) {
    const nonce = firstNonce + i;
    const to = account.address;
    signed.push(
      nonce % 2 === 0
        ? await account.signTransaction({ type: 'eip1559', chainId, nonce, to, value: BigInt(nonce + 1), gas: 21_000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n })
        : await account.signTransaction({ type: 'legacy', chainId, nonce, to, value: BigInt(nonce + 1), gas: 21_000n, gasPrice: 1_000_000_000n }),
    );
  }
  return signed;
}

export const hexToBytes = (hex: Hex): Uint8Array => Uint8Array.from(Buffer.from(hex.slice(2), 'hex'));
