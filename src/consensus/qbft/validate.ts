/**
 * Shape checks for messages entering the QBFT state machine. The transport authenticates senders, but
 * a Byzantine sender can still send anything its decoder accepts: these checks throw a TypeError that
 * says what was expected and what came (the caller drops the message), so the rules in rules.ts only
 * ever see well-formed messages. Justification arrays are capped at n entries: they list distinct
 * senders, so a longer one is malformed, and the cap bounds the work one message can cause.
 */
import { describe } from '../../bytes/index.js';
import type { QbftMessage } from './types.js';

function fail(where: string, expected: string, got: unknown): never {
  throw new TypeError(`qbft: ${where}: expected ${expected}, got ${describe(got)}`);
}

function checkHeader(m: Record<string, unknown>, where: string, nodes: number): void {
  const { height, round, sender } = m;
  if (!Number.isSafeInteger(height) || (height as number) < 0) fail(`${where}.height`, 'a non-negative safe integer', height);
  if (!Number.isSafeInteger(round) || (round as number) < 1) fail(`${where}.round`, 'a safe integer ≥ 1', round);
  if (!Number.isInteger(sender) || (sender as number) < 0 || (sender as number) >= nodes) {
    fail(`${where}.sender`, `a node index in 0..${nodes - 1}`, sender);
  }
}

function checkList(value: unknown, where: string, nodes: number, item: (m: unknown, where: string) => void): void {
  if (!Array.isArray(value)) fail(where, 'an array', value);
  if (value.length > nodes) fail(where, `at most ${nodes} entries (one per node)`, value);
  for (let i = 0; i < value.length; i++) item(value[i], `${where}[${i}]`);
}

function checkObject(m: unknown, where: string): asserts m is Record<string, unknown> {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) fail(where, 'a message object', m);
}

function checkPrepare(m: unknown, where: string, nodes: number): void {
  checkObject(m, where);
  if (m.type !== 'PREPARE') fail(`${where}.type`, "'PREPARE'", m.type);
  checkHeader(m, where, nodes);
  if (typeof m.valueId !== 'string') fail(`${where}.valueId`, 'a string', m.valueId);
}

function checkCommit(m: unknown, where: string, nodes: number): void {
  checkObject(m, where);
  if (m.type !== 'COMMIT') fail(`${where}.type`, "'COMMIT'", m.type);
  checkHeader(m, where, nodes);
  if (typeof m.valueId !== 'string') fail(`${where}.valueId`, 'a string', m.valueId);
  if (!(m.signature instanceof Uint8Array)) fail(`${where}.signature`, 'a Uint8Array', m.signature);
}

function checkRoundChange(m: unknown, where: string, nodes: number): void {
  checkObject(m, where);
  if (m.type !== 'ROUND-CHANGE') fail(`${where}.type`, "'ROUND-CHANGE'", m.type);
  checkHeader(m, where, nodes);
  const prepared = m.prepared;
  if (prepared === undefined) return;
  checkObject(prepared, `${where}.prepared`);
  if (!Number.isSafeInteger(prepared.round) || (prepared.round as number) < 1) {
    fail(`${where}.prepared.round`, 'a safe integer ≥ 1', prepared.round);
  }
  if (!('value' in prepared)) fail(`${where}.prepared.value`, 'a value', undefined);
  checkList(prepared.prepares, `${where}.prepared.prepares`, nodes, (p, w) => checkPrepare(p, w, nodes));
}

/** Throws a TypeError unless `message` is a well-formed QBFT message for a cluster of `nodes`. */
export function assertMessage<V>(message: unknown, nodes: number): asserts message is QbftMessage<V> {
  checkObject(message, 'message');
  switch (message.type) {
    case 'PRE-PREPARE': {
      checkHeader(message, 'PRE-PREPARE', nodes);
      if (!('value' in message)) fail('PRE-PREPARE.value', 'a value', undefined);
      const j = message.justification;
      if (j !== undefined) {
        checkObject(j, 'PRE-PREPARE.justification');
        checkList(j.roundChanges, 'PRE-PREPARE.justification.roundChanges', nodes, (m, w) => checkRoundChange(m, w, nodes));
        checkList(j.prepares, 'PRE-PREPARE.justification.prepares', nodes, (m, w) => checkPrepare(m, w, nodes));
      }
      return;
    }
    case 'PREPARE':
      return checkPrepare(message, 'PREPARE', nodes);
    case 'COMMIT':
      return checkCommit(message, 'COMMIT', nodes);
    case 'ROUND-CHANGE':
      return checkRoundChange(message, 'ROUND-CHANGE', nodes);
    case 'DECIDED':
      checkHeader(message, 'DECIDED', nodes);
      if (!('value' in message)) fail('DECIDED.value', 'a value', undefined);
      checkList(message.commits, 'DECIDED.commits', nodes, (m, w) => checkCommit(m, w, nodes));
      return;
    default:
      fail('message.type', "one of 'PRE-PREPARE', 'PREPARE', 'COMMIT', 'ROUND-CHANGE', 'DECIDED'", message.type);
  }
}
