import { Redis } from "ioredis";

/** The Redis database the bench owns, so a developer's service (database 0) is never touched. */
export const BENCH_REDIS_DB = 15;

/** The service's key prefix (src/app.ts): only keys under it are deleted. */
const SERVICE_PREFIX = "iam:";

/** `url` with its database number replaced by the bench's. */
export function benchRedisUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${BENCH_REDIS_DB}`;
  return parsed.toString();
}

/**
 * Deletes the keys of the bench database that start with the service's
 * prefix, in batches through SCAN (never FLUSHDB: other keys stay).
 */
export async function deleteServiceKeys(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${SERVICE_PREFIX}*`, "COUNT", 1000);
      if (keys.length > 0) deleted += await client.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
  return deleted;
}
