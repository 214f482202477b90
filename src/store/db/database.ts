import { Migrator } from "@mikro-orm/migrations";
import { MikroORM, type Options } from "@mikro-orm/postgresql";
import type pg from "pg";
import type { Logger } from "../../log.js";
import { type DirectSql, directSql } from "./direct-sql.js";
import type { EmbeddedPostgres } from "./embedded.js";
import { ENTITIES } from "./entities/index.js";
import { isDatabaseFailure, storeFailure } from "./errors.js";
import { applyMigrations } from "./migrate.js";
import { MIGRATIONS } from "./migrations/index.js";

/** The relational store: MikroORM over PostgreSQL, or over the embedded PGlite. */
export interface Database {
  readonly orm: MikroORM;
  /** `postgresql` for `DATABASE_URL`, `embedded` for PGlite under the data directory. */
  readonly kind: "postgresql" | "embedded";
  /** Plain SQL on a connection of the ORM's pool, for the hot paths. */
  readonly sql: DirectSql;
  /** Resolves when the database answers; throws an unavailable SERVER_ERROR otherwise. */
  ping(): Promise<void>;
  /** Closes the pool and, in embedded mode, stops PGlite. */
  close(): Promise<void>;
}

/** Options of `openDatabase`. */
export interface DatabaseOptions {
  /** `postgres://…`; without it the embedded store under `dataDir` is used. */
  readonly url?: string;
  /** Where the embedded store keeps its files (`IAM_DATA_DIR`). */
  readonly dataDir: string;
  readonly logger: Logger;
  /** Connections in MikroORM's pool; 10 unless given. The embedded store always has one. */
  readonly poolSize?: number;
}

const DEFAULT_POOL_SIZE = 10;

/**
 * Opens the store and brings its schema up to date through the checked-in
 * migrations (never a schema update). MikroORM's debug logging stays off,
 * so no statement or value reaches the log.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  // The embedded store is one PGlite session behind a socket that relays
  // messages as they come: two connections' extended-protocol exchanges
  // would interleave there and break each other, so it gets one.
  const poolSize = options.url ? (options.poolSize ?? DEFAULT_POOL_SIZE) : 1;
  // PGlite is loaded only when it is used: importing it costs some 40 MiB
  // of resident memory that a service on DATABASE_URL never needs.
  const embedded = options.url
    ? undefined
    : await (await import("./embedded.js")).startEmbeddedPostgres({
        dataDir: options.dataDir,
        maxConnections: poolSize + 2,
        logger: options.logger,
      });
  const connection: pg.ClientConfig = embedded
    ? embedded.connection
    : { connectionString: options.url };

  let orm: MikroORM | undefined;
  try {
    orm = await MikroORM.init(ormOptions(connection, poolSize, options.logger));
    await applyMigrations(orm, connection, options.logger);
  } catch (error) {
    await orm?.close(true).catch(() => {});
    await embedded?.stop().catch(() => {});
    throw isDatabaseFailure(error) ? storeFailure(error) : error;
  }

  return createDatabase(orm, embedded);
}

function createDatabase(orm: MikroORM, embedded: EmbeddedPostgres | undefined): Database {
  let closing: Promise<void> | undefined;
  return {
    orm,
    kind: embedded ? "embedded" : "postgresql",
    sql: directSql(orm),
    ping: async () => {
      try {
        await orm.em.fork().execute("select 1");
      } catch (error) {
        throw storeFailure(error);
      }
    },
    close: () => {
      closing ??= (async () => {
        await orm.close(true);
        await embedded?.stop();
      })();
      return closing;
    },
  };
}

function ormOptions(connection: pg.ClientConfig, poolSize: number, logger: Logger): Options {
  return {
    entities: ENTITIES,
    ...(connection.connectionString
      ? { clientUrl: connection.connectionString }
      : {
          host: connection.host,
          port: connection.port,
          user: connection.user,
          dbName: connection.database,
        }),
    // pg reads the URL itself, so its parameters (sslmode and the like) are kept.
    driverOptions: {
      connection: { ...connection, application_name: "iam", connectionTimeoutMillis: 5_000 },
      acquireConnectionTimeout: 10_000,
    },
    pool: { min: 0, max: poolSize },
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    ensureDatabase: false,
    debug: false,
    colors: false,
    logger: (message) => logger.debug({ component: "mikro-orm" }, message),
    allowGlobalContext: false,
  };
}
