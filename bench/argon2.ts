import {
  ARGON2_MEMORY_COST_KIB,
  ARGON2_PARALLELISM,
  ARGON2_TIME_COST,
  hashPassword,
  verifyPassword,
} from "../src/identity/password-hash.js";
import { closedLoop, type LoadResult, withCpuCost } from "./load.js";

/** The PHC parameter segment the service's hashes carry, from its own constants. */
export const SERVICE_ARGON2_PARAMS =
  `m=${ARGON2_MEMORY_COST_KIB},t=${ARGON2_TIME_COST},p=${ARGON2_PARALLELISM}` as const;

/** One closed-loop run of raw verifications: warm-up and measured seconds. */
export type RawArgon2Run = (warmupSeconds: number, seconds: number) => Promise<LoadResult>;

/**
 * Raw argon2id verifications in this process, `concurrency` in flight:
 * the service's own `hashPassword` and `verifyPassword`, so the library,
 * its options and the NFKC step are exactly those of a sign-in. Each run
 * is charged the CPU of this process. Run it while the service is idle.
 */
export async function rawArgon2(concurrency: number): Promise<RawArgon2Run> {
  const password = "a bench passphrase nobody would choose";
  const stored = await hashPassword(password);
  if (!stored.startsWith(`$argon2id$v=19$${SERVICE_ARGON2_PARAMS}$`)) {
    throw new Error(`the hash does not carry the service's parameters: ${stored.slice(0, 40)}`);
  }

  return (warmupSeconds, seconds) =>
    withCpuCost(process.pid, () =>
      closedLoop({
        workers: concurrency,
        warmupSeconds,
        seconds,
        step: async () => {
          if (!(await verifyPassword(stored, password))) throw new Error("verification failed");
        },
      }),
    );
}
