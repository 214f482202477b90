import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IamError } from "../../../src/errors.js";
import { createFreshDatabase, open } from "./support.js";

const TABLES = [
  "audit_events",
  "identifiers",
  "refresh_tokens",
  "sessions",
  "signing_keys",
  "users",
];

describe("database migrations", () => {
  let fresh: Awaited<ReturnType<typeof createFreshDatabase>>;

  beforeAll(async () => {
    fresh = await createFreshDatabase();
  });

  afterAll(async () => {
    await fresh.drop();
  });

  it("creates every table on an empty database and records the migration once", async () => {
    const first = await open(fresh.url);
    await first.close();

    const again = await open(fresh.url);
    try {
      const em = again.orm.em.fork();
      const tables: { table_name: string }[] = await em.execute(
        "select table_name from information_schema.tables where table_schema = 'public'",
      );
      const names = tables.map((table) => table.table_name);
      expect(names).toEqual(expect.arrayContaining([...TABLES, "mikro_orm_migrations"]));

      const applied: { name: string }[] = await em.execute(
        "select name from mikro_orm_migrations order by id",
      );
      expect(applied.map((row) => row.name)).toEqual(["0001-initial-schema"]);
      expect(again.kind).toBe("postgresql");
    } finally {
      await again.close();
    }
  });

  it("matches the entities exactly, so MikroORM sees nothing to change", async () => {
    const db = await open(fresh.url);
    try {
      const diff = await db.orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe("");
    } finally {
      await db.close();
    }
  });

  it("lets instances that start together on a new database migrate it once", async () => {
    const other = await createFreshDatabase();
    try {
      const [a, b, c] = await Promise.all([
        open(other.url, 2),
        open(other.url, 2),
        open(other.url, 2),
      ]);
      const opened = [a, b, c];
      const rows: { count: string }[] = await a.orm.em
        .fork()
        .execute("select count(*) from mikro_orm_migrations");
      expect(Number(rows[0]?.count)).toBe(1);
      await Promise.all(opened.map((db) => db.close()));
    } finally {
      await other.drop();
    }
  });

  it("answers a ping while open and closes twice without error", async () => {
    const db = await open(fresh.url);
    await expect(db.ping()).resolves.toBeUndefined();
    await Promise.all([db.close(), db.close()]);
  });

  it("reports a database that does not answer as an unavailable SERVER_ERROR", async () => {
    const failure = await open("postgres://postgres@127.0.0.1:1/none").catch((error) => error);
    expect(failure).toBeInstanceOf(IamError);
    expect(failure).toMatchObject({ code: "SERVER_ERROR", unavailable: true });
  });
});
