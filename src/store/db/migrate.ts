import type { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import type { Logger } from "../../log.js";

/** How long an instance waits for another one that is migrating the same database. */
const LOCK_WAIT_MS = 120_000;

/**
 * Applies the pending migrations, one instance at a time: instances that
 * start together against one database queue on a PostgreSQL advisory lock
 * held by a connection of its own, and the later ones find nothing to do.
 * The lock lives outside MikroORM's pool because the Migrator itself uses
 * several pool connections. Answers the names of the migrations applied.
 */
export async function applyMigrations(
  orm: MikroORM,
  lockConnection: pg.ClientConfig,
  logger: Logger,
): Promise<string[]> {
  const client = new pg.Client({
    ...lockConnection,
    application_name: "iam-migrations",
    lock_timeout: LOCK_WAIT_MS,
  });
  await client.connect();

  try {
    await client.query("select pg_advisory_lock(hashtext('iam.migrations'))");
    const applied = await orm.getMigrator().up();
    const names = applied.map((migration) => migration.name);
    if (names.length > 0) {
      logger.info({ migrations: names }, "database migrations applied");
    }
    return names;
  } finally {
    await client.end();
  }
}
