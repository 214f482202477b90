import { decodeJwt } from "jose";
import pg from "pg";
import { inject } from "vitest";

/**
 * Runs one statement against the run's PostgreSQL database on a connection
 * of its own, for tests that set up what no public endpoint can (a blocked
 * account) or check what no endpoint shows.
 */
export async function sql<Row extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: inject("databaseUrl") });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The account id (`sub`) an access token was issued for. */
export function accountOf(accessToken: string): string {
  const { sub } = decodeJwt(accessToken);
  if (sub === undefined) throw new Error("the access token has no sub claim");
  return sub;
}

/** Blocks an account the way an administrator would. */
export async function blockAccount(accountId: string): Promise<void> {
  const rows = await sql("UPDATE users SET status = 'blocked' WHERE id = $1 RETURNING id", [
    accountId,
  ]);
  if (rows.length !== 1) throw new Error(`no account ${accountId} to block`);
}
