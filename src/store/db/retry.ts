/**
 * SQLSTATEs after which PostgreSQL has rolled the whole transaction back
 * and running it again is the documented remedy: deadlock_detected and
 * serialization_failure.
 */
const RETRYABLE_STATES = new Set(["40P01", "40001"]);

/** How many times a transaction runs at most when it keeps meeting those. */
const ATTEMPTS = 3;

/**
 * Runs `work`, one statement or one transaction, again when the database
 * rolled it back for a deadlock or a serialization failure; any other
 * failure, and the last one, is thrown as it came.
 */
export async function retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRetryable(error)) throw error;
    }
  }
}

function isRetryable(error: unknown): boolean {
  const code =
    typeof error === "object" && error !== null ? (error as { code?: unknown }).code : "";
  return typeof code === "string" && RETRYABLE_STATES.has(code);
}
