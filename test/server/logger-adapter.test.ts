/**
 * The loggers Nasc takes: its own `info(message, fields)` shape, a pino logger as it is (called fields first,
 * recognised by the mark every pino logger carries), and whether a level is on, asked before a line is built.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldsFirst, toLogger, type FieldsFirstLogger, type Logger } from '../../server/index.js';

type Call = [string, ...unknown[]];

/** A logger shaped like pino: fields first, `isLevelEnabled`, and pino's public mark (a `Symbol.for` key). */
function pinoLike(level: 'info' | 'warn'): FieldsFirstLogger & { calls: Call[] } {
  const calls: Call[] = [];
  const rank = { debug: 20, info: 30, warn: 40, error: 50 } as Record<string, number>;
  const write = (name: string) => (fields: object, message?: string) => void calls.push([name, fields, message]);
  return {
    calls,
    [Symbol.for('pino.serializers')]: {},
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    isLevelEnabled: (asked: string) => rank[asked]! >= rank[level]!,
  } as FieldsFirstLogger & { calls: Call[] };
}

test('a pino logger is called fields first, and says which levels are on', () => {
  const pino = pinoLike('warn');
  const logger = toLogger(pino);
  logger.warn('limit reached', { limit: 'events' });
  logger.error('no fields');
  assert.deepEqual(pino.calls, [
    ['warn', { limit: 'events' }, 'limit reached'],
    ['error', {}, 'no fields'],
  ]);
  assert.equal(logger.isLevelEnabled('info'), false);
  assert.equal(logger.isLevelEnabled('error'), true);
});

test('a message-first logger is called as it is; without isLevelEnabled every level is on', () => {
  const calls: Call[] = [];
  const plain: Logger = {
    error: (message, fields) => void calls.push(['error', message, fields]),
    warn: (message, fields) => void calls.push(['warn', message, fields]),
    info: (message, fields) => void calls.push(['info', message, fields]),
    debug: (message, fields) => void calls.push(['debug', message, fields]),
  };
  const logger = toLogger(plain);
  logger.info('stream opened', { transport: 'ws' });
  assert.deepEqual(calls, [['info', 'stream opened', { transport: 'ws' }]]);
  assert.equal(logger.isLevelEnabled('debug'), true);
});

test('fieldsFirst adapts another fields-first logger (bunyan-like, without isLevelEnabled)', () => {
  const calls: Call[] = [];
  const write = (name: string) => (fields: object, message?: string) => void calls.push([name, fields, message]);
  const logger = fieldsFirst({ error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') });
  logger.debug('request', { status: 202 });
  assert.deepEqual(calls, [['debug', { status: 202 }, 'request']]);
  assert.equal(logger.isLevelEnabled('debug'), true);
});
