import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../src/store/db/database.js";
import { loadSigningKeys } from "../../../src/tokens/signing-keys.js";
import { createFreshDatabase, open } from "./support.js";

describe("signing keys", () => {
  let fresh: Awaited<ReturnType<typeof createFreshDatabase>>;
  let db: Database;

  beforeAll(async () => {
    fresh = await createFreshDatabase();
    db = await open(fresh.url);
  });

  afterAll(async () => {
    await db.close();
    await fresh.drop();
  });

  const countKeys = async () => {
    const rows: { count: string }[] = await db.orm.em
      .fork()
      .execute("select count(*) from signing_keys");
    return Number(rows[0]?.count);
  };

  it("creates one key between instances that start together, and reuses it later", async () => {
    const rings = await Promise.all([
      loadSigningKeys(db),
      loadSigningKeys(db),
      loadSigningKeys(db),
    ]);
    const kids = new Set(rings.map((ring) => ring.current().kid));
    expect(kids.size).toBe(1);

    const reopened = await open(fresh.url);
    try {
      const later = await loadSigningKeys(reopened);
      expect(new Set([later.current().kid])).toEqual(kids);
    } finally {
      await reopened.close();
    }
    expect(await countKeys()).toBe(1);
  });

  it("publishes only the public parts of each key", async () => {
    const ring = await loadSigningKeys(db);

    const keys = ring.publicKeys();

    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);
      expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
      expect(Buffer.from(key.x, "base64url")).toHaveLength(32);
    }
    expect(JSON.stringify(keys)).not.toContain('"d"');
  });

  it("signs with a new key after rotation and keeps the old one public in the grace", async () => {
    const ring = await loadSigningKeys(db, { graceSeconds: 600 });
    const before = ring.current().kid;

    await ring.rotate();

    const after = ring.current().kid;
    expect(after).not.toBe(before);
    expect(ring.publicKeys().map((key) => key.kid)).toEqual(
      expect.arrayContaining([before, after]),
    );
  });

  it("drops a retired key once its grace has passed", async () => {
    const ring = await loadSigningKeys(db, { graceSeconds: 0, refreshSeconds: 0 });
    const before = ring.current().kid;

    await ring.rotate();

    expect(ring.publicKeys().map((key) => key.kid)).toEqual([ring.current().kid]);
    expect(await ring.verificationKey(before)).toBeUndefined();
  });

  it("learns of a key another instance created when a token names it", async () => {
    const mine = await loadSigningKeys(db, { missRefreshSeconds: 0 });
    const theirs = await loadSigningKeys(db);

    await theirs.rotate();

    expect(mine.current().kid).not.toBe(theirs.current().kid);
    expect(await mine.verificationKey(theirs.current().kid)).toBeDefined();
    expect(mine.current().kid).toBe(theirs.current().kid);
  });
});
