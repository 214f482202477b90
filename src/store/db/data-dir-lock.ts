import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

/** Releases a lock taken by `lockDataDir`. */
export type ReleaseLock = () => Promise<void>;

/**
 * Claims the embedded store's directory for this process, so that two
 * processes never open one PGlite data directory (that corrupts it). The
 * lock is a file holding the owner's PID; a file left by a process that no
 * longer runs is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<ReleaseLock> {
  const path = join(dataDir, "iam.lock");

  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw error;
      }
    }

    const owner = await lockOwner(path);
    if (owner !== undefined && isRunning(owner)) {
      throw new Error(
        `the embedded store in ${dataDir} is in use by process ${owner}; it serves one ` +
          "instance only (set DATABASE_URL to share a PostgreSQL database between instances)",
      );
    }
    await rm(path, { force: true });
  }
  throw new Error(`could not lock the embedded store in ${dataDir}`);
}

async function lockOwner(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
