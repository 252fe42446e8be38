/**
 * The commands typed into a running devnet (src/devnet/commands.ts): what each line parses to, and a
 * clear message for everything else.
 */
import { describe, expect, it } from 'vitest';
import { parseDevnetCommand } from '../../src/devnet/index.js';

describe('devnet commands', () => {
  it.each([
    ['stop 2', { kind: 'stop', node: 2 }],
    ['  restart   4 ', { kind: 'restart', node: 4 }],
    ['start 1', { kind: 'restart', node: 1 }],
    ['RESTART 3', { kind: 'restart', node: 3 }],
    ['stop execution', { kind: 'stop-execution' }],
    ['restart exec', { kind: 'restart-execution' }],
    ['start execution', { kind: 'restart-execution' }],
    ['status', { kind: 'status' }],
    ['help', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['', { kind: 'none' }],
    ['   ', { kind: 'none' }],
  ])('%j → %j', (line, command) => {
    expect(parseDevnetCommand(line, 4)).toEqual(command);
  });

  it.each([
    ['stop', /stop: expected one node number 1\.\.4, e\.g\. "stop 2"/],
    ['stop 0', /1\.\.4/],
    ['restart 5', /restart: expected one node number 1\.\.4/],
    ['restart 2 3', /one node number/],
    ['stop two', /one node number/],
    ['stop execution now', /one node number/],
    ['status now', /"status" takes no argument/],
    ['kill 2', /unknown command "kill"; commands \(type one and Enter\): stop <i>, restart <i>, status, help/],
  ])('%j is refused: %s', (line, message) => {
    const command = parseDevnetCommand(line, 4);
    expect(command.kind).toBe('invalid');
    expect(command.kind === 'invalid' && command.message).toMatch(message);
  });
});
