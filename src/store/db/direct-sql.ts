import type { MikroORM } from "@mikro-orm/postgresql";
import type pg from "pg";

/**
 * Runs one statement with `$1, $2, …` placeholders and answers its rows.
 * Values travel as parameters, never inlined into the text.
 */
export type DirectSql = <Row>(text: string, values: readonly unknown[]) => Promise<Row[]>;

/** The part of knex's client this module borrows connections through. */
interface ConnectionLender {
  acquireConnection(): Promise<pg.ClientBase>;
  releaseConnection(connection: pg.ClientBase): Promise<unknown>;
}

/**
 * Statements for the hot paths (sign-in lookup, refresh rotation) sent on a
 * connection borrowed from MikroORM's own pool, so they share its size and
 * its life cycle. They skip the entity manager, knex's query builder and
 * runner: about 0.05 ms of CPU per statement that a request paid for
 * nothing, since these statements are plain SQL already.
 */
export function directSql(orm: MikroORM): DirectSql {
  const lender = orm.em.getConnection().getKnex().client as ConnectionLender;

  return async <Row>(text: string, values: readonly unknown[]) => {
    const connection = await lender.acquireConnection();
    try {
      const result = await connection.query(text, values as unknown[]);
      return result.rows as Row[];
    } finally {
      await lender.releaseConnection(connection);
    }
  };
}
