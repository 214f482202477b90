import { Redis } from "ioredis";

/** Deletes every key under `prefix`, for cleaning up after a test run. */
export async function deleteKeysUnder(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  const match = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let deleted = 0;

  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", match, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) {
        deleted += await client.del(...keys);
      }
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }

  return deleted;
}
