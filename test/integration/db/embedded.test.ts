import { spawnSync } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log.js";
import { createAccountRepository } from "../../../src/store/db/accounts.js";
import { openDatabase } from "../../../src/store/db/database.js";
import { newRefreshToken } from "../../../src/tokens/refresh-token.js";
import { loadSigningKeys } from "../../../src/tokens/signing-keys.js";
import { sessionWithToken, uniqueEmail } from "./support.js";

describe("embedded store (PGlite over a unix socket)", () => {
  let dataDir: string;
  const openEmbedded = () => openDatabase({ dataDir, logger: silentLogger(), poolSize: 4 });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "iam-db-"));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps accounts and keys across a restart and serves one process only", async () => {
    const email = uniqueEmail();
    const first = await openEmbedded();
    expect(first.kind).toBe("embedded");
    const created = await createAccountRepository(first).registerWithSession({
      identifiers: [{ kind: "email", value: email }],
      passwordHash: "hash",
      session: sessionWithToken().session,
    });
    const kid = (await loadSigningKeys(first)).current().kid;
    await expect(openEmbedded()).rejects.toThrow(/in use by process/);
    await first.close();

    const reopened = await openEmbedded();
    try {
      const found = await createAccountRepository(reopened).findByIdentifier("email", email);
      expect(found?.userId).toBe(created.userId);
      expect((await loadSigningKeys(reopened)).current().kid).toBe(kid);
    } finally {
      await reopened.close();
    }
  });

  it("takes over a lock left by a process that no longer runs", async () => {
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(join(dataDir, "iam.lock"), String(gone));

    const db = await openEmbedded();
    await db.close();
  });

  it("keeps its directory private, since the socket asks for no password", async () => {
    const db = await openEmbedded();
    try {
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dataDir, ".s.PGSQL.5432"))).isSocket()).toBe(true);
    } finally {
      await db.close();
    }
  });

  it("gives exactly one of 10 parallel registrations of one e-mail the account", async () => {
    const db = await openEmbedded();
    try {
      const accounts = createAccountRepository(db);
      const email = uniqueEmail();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, () =>
          accounts.registerWithSession({
            identifiers: [{ kind: "email", value: email }],
            passwordHash: "hash",
            session: sessionWithToken().session,
          }),
        ),
      );

      const codes = outcomes.map((outcome) =>
        outcome.status === "fulfilled" ? "OK" : (outcome.reason as { code?: string }).code,
      );
      expect(codes.filter((code) => code === "OK")).toHaveLength(1);
      expect(codes.filter((code) => code === "CONFLICT")).toHaveLength(9);
    } finally {
      await db.close();
    }
  });

  it("serves parallel lookups, rotations and sign-in sessions without mixing them up", async () => {
    const db = await openEmbedded();
    try {
      const accounts = createAccountRepository(db);
      const owners: { userId: string; email: string; hash: string }[] = [];
      for (let i = 0; i < 12; i++) {
        const email = uniqueEmail();
        const first = sessionWithToken();
        const created = await accounts.registerWithSession({
          identifiers: [{ kind: "email", value: email }],
          passwordHash: "hash",
          session: first.session,
        });
        owners.push({ ...created, email, hash: first.hash });
      }
      const next = () => ({ ...newRefreshToken(), expiresAt: new Date(Date.now() + 60_000) });

      const [rotated, found, opened, raced] = await Promise.all([
        Promise.all(owners.map((owner) => accounts.rotateRefreshToken(owner.hash, next()))),
        Promise.all(owners.map((owner) => accounts.findByIdentifier("email", owner.email))),
        Promise.all(
          owners.map((owner) => accounts.openSession(owner.userId, sessionWithToken().session)),
        ),
        Promise.all(
          Array.from({ length: 8 }, () =>
            accounts.rotateRefreshToken(owners[0]?.hash ?? "", next()),
          ),
        ),
      ]);

      expect(rotated.slice(1).map((result) => result.kind)).toEqual(
        owners.slice(1).map(() => "rotated"),
      );
      const firstOwnersUses = [rotated[0], ...raced].map((result) => result?.kind);
      expect(firstOwnersUses.filter((kind) => kind === "rotated")).toHaveLength(1);
      expect(found.map((account) => account?.userId)).toEqual(owners.map((o) => o.userId));
      expect(opened).toHaveLength(owners.length);
    } finally {
      await db.close();
    }
  });
});
