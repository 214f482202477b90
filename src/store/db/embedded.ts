import { chmod, mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { Logger } from "../../log.js";
import { lockDataDir } from "./data-dir-lock.js";

/** The port number in the socket's name; libpq and pg derive the name from it. */
const SOCKET_PORT = 5432;

/** The longest unix socket path Linux and macOS accept (sun_path, with its NUL). */
const MAX_SOCKET_PATH_BYTES = 103;

/** Where the pg driver reaches the embedded server: a socket directory, as libpq expects. */
export interface EmbeddedConnection {
  /** The directory holding `.s.PGSQL.5432`; pg treats a host starting with `/` as one. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

/** PostgreSQL in this process: PGlite behind pglite-socket. */
export interface EmbeddedPostgres {
  readonly connection: EmbeddedConnection;
  /** Stops the socket server, then PGlite, then releases the directory. */
  stop(): Promise<void>;
}

/** Options of `startEmbeddedPostgres`. */
export interface EmbeddedOptions {
  /** The store's directory; PGlite keeps its data in `pg/` under it. */
  readonly dataDir: string;
  /** Connections the socket server accepts at once: at least the pool size. */
  readonly maxConnections: number;
  readonly logger: Logger;
}

/**
 * Starts PGlite with its data under `${dataDir}/pg` and serves it on the
 * unix socket `${dataDir}/.s.PGSQL.5432`, so the ordinary pg driver (and
 * so MikroORM) talks to it like any PostgreSQL. The socket has no
 * password: the directory is made private (0700) so only this user can
 * reach it. One process at a time may use a directory.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const socketPath = join(dataDir, `.s.PGSQL.${SOCKET_PORT}`);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `IAM_DATA_DIR is too long for the embedded store's unix socket: ${socketPath} ` +
        `has more than ${MAX_SOCKET_PATH_BYTES} bytes; choose a shorter directory`,
    );
  }

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const release = await lockDataDir(dataDir);

  let pglite: PGlite | undefined;
  try {
    await rm(socketPath, { force: true });
    const started = Date.now();
    pglite = await PGlite.create(join(dataDir, "pg"));
    const server = new PGLiteSocketServer({
      db: pglite,
      path: socketPath,
      maxConnections: options.maxConnections,
    });
    await server.start();
    options.logger.info(
      { data_dir: dataDir, startup_ms: Date.now() - started },
      "embedded PostgreSQL (PGlite) started; single instance only",
    );

    const db = pglite;
    return {
      connection: { host: dataDir, port: SOCKET_PORT, user: "postgres", database: "postgres" },
      stop: async () => {
        await server.stop();
        await db.close();
        await rm(socketPath, { force: true });
        await release();
      },
    };
  } catch (error) {
    await pglite?.close().catch(() => {});
    await release();
    throw error;
  }
}
