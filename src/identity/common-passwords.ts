import { readFileSync } from "node:fs";

const LIST_FILE = new URL("./common-passwords.txt", import.meta.url);

let list: ReadonlySet<string> | undefined;

/**
 * The bundled list of common passwords, lower-cased, read from disk on first
 * use and kept for the life of the process. Where it comes from and how it
 * was made is written in docs/passwords.md.
 */
export function commonPasswords(): ReadonlySet<string> {
  list ??= new Set(
    readFileSync(LIST_FILE, "utf8")
      .split("\n")
      .filter((line) => line !== ""),
  );
  return list;
}

/** Whether a password is on the common list, compared without regard to case. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.toLowerCase());
}
