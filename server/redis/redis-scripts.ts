import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script and its SHA-1, run with EVALSHA (the text goes over the wire only when Redis lacks it). */
export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

function script(name: string, lua: string): LuaScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * The commit: compare-and-set on the revision, state, log append + trim, the event's outcome (with a TTL) and
 * the batch's publication, all in one atomic step. Publishing here rather than after the reply means a
 * process killed between its commit and its publish cannot leave other processes' clients without a batch.
 *
 * Taking turns: a process whose compare-and-set fails takes the instance's turn key (a short TTL), and
 * while another process holds it, commits are refused without writing. Without turns, a process whose
 * rival is always busy can lose every race and run out of attempts; with them, the loser's next attempt
 * wins. Mounts (expected rev 0) never take a turn: they do not retry.
 *
 * Idle lifetime: with one, the state hash keeps it in its `ttl` field and both instance keys expire after it
 * (touches renew it, see TOUCH); without one, they are made persistent again.
 *
 * KEYS: 1 state hash, 2 log list, 3 outcome key (the state key again when there is no outcome), 4 turn key.
 * ARGV: 1 expected rev, 2 new rev, 3 state JSON, 4 log entry ('' = none), 5 log size, 6 outcome JSON
 * ('' = none), 7 outcome TTL ms, 8 channel, 9 bus message ('' = publish nothing), 10 this process's token,
 * 11 turn TTL ms, 12 idle lifetime ms ('' = none).
 * Returns 1 committed, 0 revision moved on (nothing written; the turn is now this process's), 2 another
 * process has the turn (nothing written), -1 the event already has an outcome.
 */
export const COMMIT = script(
  'commit',
  `
local current = tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0
local rev = tonumber(ARGV[2])
if ARGV[6] ~= '' then
  local earlier = redis.call('GET', KEYS[3])
  if earlier then
    -- This very write already landed (the same outcome, revision and state): a resend after a lost reply.
    if earlier == ARGV[6] and current == rev and redis.call('HGET', KEYS[1], 'state') == ARGV[3] then
      return 1
    end
    -- The event was applied elsewhere meanwhile: applying it again would count it twice.
    return -1
  end
end
local turn = redis.call('GET', KEYS[4])
if turn and turn ~= ARGV[10] then
  return 2
end
local expected = tonumber(ARGV[1])
if current ~= expected then
  if expected > 0 then
    redis.call('SET', KEYS[4], ARGV[10], 'PX', ARGV[11])
  end
  return 0
end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'state', ARGV[3])
local logSize = tonumber(ARGV[5])
if ARGV[4] ~= '' and logSize > 0 then
  redis.call('RPUSH', KEYS[2], ARGV[4])
  redis.call('LTRIM', KEYS[2], -logSize, -1)
else
  -- A change without a batch cannot be replayed across: older entries would leave a hole.
  redis.call('DEL', KEYS[2])
end
if ARGV[12] ~= '' then
  redis.call('HSET', KEYS[1], 'ttl', ARGV[12])
  redis.call('PEXPIRE', KEYS[1], ARGV[12])
  redis.call('PEXPIRE', KEYS[2], ARGV[12])
elseif redis.call('HDEL', KEYS[1], 'ttl') == 1 then
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
if ARGV[6] ~= '' then
  redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[7])
end
if ARGV[9] ~= '' then
  redis.call('PUBLISH', ARGV[8], ARGV[9])
end
if turn then
  redis.call('DEL', KEYS[4])
end
return 1
`,
);

/**
 * The log entries after a revision, read with the revision in one atomic step (so they agree).
 * KEYS: 1 state hash, 2 log list. ARGV: 1 after rev.
 * Returns nil when the instance does not exist or the log does not reach back that far, else the entries
 * (`<rev>:<batch>`, oldest first; empty when up to date).
 */
export const READ_LOG = script(
  'read-log',
  `
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev'))
if not rev then
  return false
end
local after = tonumber(ARGV[1])
if after >= rev then
  return {}
end
local length = redis.call('LLEN', KEYS[2])
local first = rev - length + 1
if length == 0 or first > after + 1 then
  return false
end
return redis.call('LRANGE', KEYS[2], after + 1 - first, -1)
`,
);

/**
 * Renews the idle lifetime of instances in use: each one whose last commit gave it a lifetime (the `ttl` field)
 * expires that long from now, its log with it. Instances without one, or gone, are left alone.
 * KEYS: pairs of state hash, log list.
 */
export const TOUCH = script(
  'touch',
  `
for i = 1, #KEYS, 2 do
  local ttl = redis.call('HGET', KEYS[i], 'ttl')
  if ttl then
    redis.call('PEXPIRE', KEYS[i], ttl)
    redis.call('PEXPIRE', KEYS[i + 1], ttl)
  end
end
return 0
`,
);

/**
 * Deletes an instance's keys. KEYS: 1 state hash, 2 log list, 3 turn key. Returns 1 when the instance existed.
 */
export const DELETE = script(
  'delete',
  `
local existed = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2], KEYS[3])
return existed
`,
);

/**
 * Runs a script by SHA-1, loading it on NOSCRIPT (first use, or after Redis restarted and forgot it).
 * NOSCRIPT means the script did not run at all, so running it again is safe.
 */
export async function runScript(client: Redis, lua: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(lua.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(lua.lua, keys.length, ...keys, ...args);
  }
}
