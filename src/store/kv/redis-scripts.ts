import type { Redis } from "ioredis";
import { parseCount } from "./checks.js";
import type { CounterState } from "./kv-store.js";

/**
 * The Lua scripts behind the store's check-and-change operations. Redis
 * runs a script without interleaving any other command, which is what
 * makes each of these atomic across every instance of the service.
 */

/** KEYS[1]; ARGV: expected, next, ttl ms. Answers 1 when it replaced. */
const COMPARE_AND_SWAP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

/**
 * KEYS[1]; ARGV: step, window ms. Answers {count, ms left}. The window
 * starts with the first increment; later ones leave the expiry alone. A
 * key without an expiry (never written by this store) gets one too, so
 * no counter can live forever.
 */
const INCREMENT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}
`;

/** KEYS[1]. Answers {value or nil, ms left}: both read at one instant. */
const PEEK = `
return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}
`;

type ScriptedRedis = Redis & {
  kvCompareAndSwap(key: string, expected: string, next: string, ttlMs: number): Promise<number>;
  kvIncrement(key: string, by: number, windowMs: number): Promise<[number, number]>;
  kvPeek(key: string): Promise<[string | null, number]>;
};

/** The scripts, bound to one client; ioredis sends each by its SHA after first use. */
export interface RedisScripts {
  compareAndSwap(key: string, expected: string, next: string, ttlMs: number): Promise<boolean>;
  increment(key: string, by: number, windowMs: number): Promise<CounterState>;
  peekCounter(key: string): Promise<CounterState>;
}

/** Registers the scripts on `client` and answers typed calls to them. */
export function defineScripts(client: Redis): RedisScripts {
  client.defineCommand("kvCompareAndSwap", { numberOfKeys: 1, lua: COMPARE_AND_SWAP });
  client.defineCommand("kvIncrement", { numberOfKeys: 1, lua: INCREMENT });
  client.defineCommand("kvPeek", { numberOfKeys: 1, lua: PEEK });
  const scripted = client as ScriptedRedis;

  return {
    async compareAndSwap(key, expected, next, ttlMs) {
      return (await scripted.kvCompareAndSwap(key, expected, next, ttlMs)) === 1;
    },

    async increment(key, by, windowMs) {
      const [count, msLeft] = await scripted.kvIncrement(key, by, windowMs);
      return { count, msLeft };
    },

    async peekCounter(key) {
      const [raw, ttl] = await scripted.kvPeek(key);
      if (raw === null) {
        return { count: 0, msLeft: 0 };
      }
      return { count: parseCount(raw), msLeft: Math.max(ttl, 0) };
    },
  };
}
