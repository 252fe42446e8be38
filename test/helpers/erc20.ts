/**
 * A small ERC-20 (EIP-20: transfer, transferFrom, approve, balanceOf, allowance, totalSupply and the
 * Transfer/Approval events) compiled offline with solc-js (the `solc` npm package) for the Prague EVM,
 * for the execution tests and benchmarks. The whole supply is minted to the deployer.
 */
import solc from 'solc';
import { encodeFunctionData, type Hex } from 'viem';

export const ERC20_SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;
contract TestToken {
    string public constant name = "Test Token";
    string public constant symbol = "TT";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    constructor(uint256 supply) { totalSupply = supply; balanceOf[msg.sender] = supply; emit Transfer(address(0), msg.sender, supply); }
    function transfer(address to, uint256 value) external returns (bool) { _move(msg.sender, to, value); return true; }
    function approve(address spender, uint256 value) external returns (bool) { allowance[msg.sender][spender] = value; emit Approval(msg.sender, spender, value); return true; }
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= value, "allowance");
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - value;
        _move(from, to, value); return true;
    }
    function _move(address from, address to, uint256 value) private {
        require(balanceOf[from] >= value, "balance");
        unchecked { balanceOf[from] -= value; }
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}`;

export const ERC20_ABI = [
  { type: 'constructor', inputs: [{ name: 'supply', type: 'uint256' }], stateMutability: 'nonpayable' },
  { type: 'function', name: 'transfer', inputs: [{ name: 'to', type: 'address' }, { name: 'value', type: 'uint256' }], outputs: [{ type: 'bool' }], stateMutability: 'nonpayable' },
  { type: 'function', name: 'balanceOf', inputs: [{ name: 'owner', type: 'address' }], outputs: [{ type: 'uint256' }], stateMutability: 'view' },
  { type: 'function', name: 'totalSupply', inputs: [], outputs: [{ type: 'uint256' }], stateMutability: 'view' },
  { type: 'event', name: 'Transfer', inputs: [{ name: 'from', type: 'address', indexed: true }, { name: 'to', type: 'address', indexed: true }, { name: 'value', type: 'uint256', indexed: false }] },
] as const;

let compiled: Hex | undefined;

/** The creation bytecode (without constructor arguments), compiled once per process. */
export function erc20Bytecode(): Hex {
  if (compiled !== undefined) return compiled;
  const input = {
    language: 'Solidity',
    sources: { 'TestToken.sol': { content: ERC20_SOURCE } },
    settings: { evmVersion: 'prague', optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: Array<{ severity: string; formattedMessage: string }>;
    contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join('\n')}`);
  compiled = `0x${output.contracts['TestToken.sol']!.TestToken!.evm.bytecode.object}`;
  return compiled;
}

/** Creation code with the constructor's `supply` argument appended (ABI-encoded uint256). */
export function erc20Deployment(supply: bigint): Hex {
  return `${erc20Bytecode()}${supply.toString(16).padStart(64, '0')}`;
}

export function erc20TransferData(to: Hex, value: bigint): Hex {
  return encodeFunctionData({ abi: ERC20_ABI, functionName: 'transfer', args: [to, value] });
}

export function erc20BalanceOfData(owner: Hex): Hex {
  return encodeFunctionData({ abi: ERC20_ABI, functionName: 'balanceOf', args: [owner] });
}
