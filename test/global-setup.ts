import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { createRunDatabase, dropRunDatabase, resolveTestServices } from "./support/services.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL database created for this run and dropped after it. */
    databaseUrl: string;
    /** The PostgreSQL server, for tests that create databases of their own. */
    postgresServerUrl: string;
    redisUrl: string;
    /** A prefix that keeps this run's Redis keys apart from any other run's. */
    runId: string;
  }
}

/** Finds the servers, creates the run's database, and drops it at the end. */
export default async function setup(project: TestProject) {
  const services = await resolveTestServices();
  const databaseUrl = await createRunDatabase(services.postgresServerUrl);
  const database = new URL(databaseUrl).pathname.slice(1);
  console.log(`tests use ${services.source}; database ${database}`);

  project.provide("databaseUrl", databaseUrl);
  project.provide("postgresServerUrl", services.postgresServerUrl);
  project.provide("redisUrl", services.redisUrl);
  project.provide("runId", `t${randomBytes(6).toString("hex")}`);

  return async () => {
    await dropRunDatabase(services.postgresServerUrl, databaseUrl);
    await services.stop();
  };
}
