import { isFailureCode } from "./errors.js";

/**
 * A start-up step failed because of a setting: the message names the
 * variable and says what went wrong, on one line, without a stack.
 */
export class StartupError extends Error {
  override readonly name = "StartupError";

  constructor(
    readonly variable: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${variable}: ${reason}`, options);
  }
}

/** Error codes that mean the listen address itself is wrong, not the port. */
const HOST_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL", "EAI_NONAME"]);

/**
 * Runs one start-up step; a failure becomes a StartupError naming
 * `variable` (or IAM_HOST when the listen address is at fault).
 */
export async function startupStep<T>(variable: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const code = deepestCode(error);
    const blamed = code !== undefined && HOST_CODES.has(code) ? "IAM_HOST" : variable;
    throw new StartupError(blamed, describe(error, code), { cause: error });
  }
}

function describe(error: unknown, code: string | undefined): string {
  if (code === "EADDRINUSE") return "the port is already in use";
  if (code === "EACCES") return "permission denied";
  if (code === "ECONNREFUSED") return "the server refused the connection";
  const message = deepestMessage(error).split("\n")[0] ?? "failed";
  return code === undefined ? message : `${message} (${code})`;
}

/**
 * The innermost system or database code along the cause chain (ECONNREFUSED,
 * 3D000), skipping the service's own failure codes.
 */
function deepestCode(error: unknown): string | undefined {
  let found: string | undefined;
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && !isFailureCode(code)) found = code;
  }
  return found;
}

function deepestMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current.message !== "") message = current.message;
  }
  return message;
}
