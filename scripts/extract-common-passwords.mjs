// Builds src/identity/common-passwords.txt from the password dictionary of
// @zxcvbn-ts/language-common (MIT). See docs/passwords.md for the steps.
//
//   node scripts/extract-common-passwords.mjs <path to src/passwords.json>
//
// The source is a JSON array ordered from most to least common. Each entry is
// NFKC-normalised and lower-cased the way the policy compares passwords; only
// entries the length rule could otherwise accept (8 to 128 code points) are
// kept, in their original order, without duplicates.

import { readFileSync, writeFileSync } from "node:fs";

const MIN_LENGTH = 8;
const MAX_LENGTH = 128;
const OUTPUT = new URL("../src/identity/common-passwords.txt", import.meta.url);

const source = process.argv[2];
if (source === undefined) {
  console.error("usage: node scripts/extract-common-passwords.mjs <passwords.json>");
  process.exit(2);
}

const entries = JSON.parse(readFileSync(source, "utf8"));
if (!Array.isArray(entries)) {
  console.error("the source is not a JSON array");
  process.exit(1);
}

const kept = new Set();
for (const entry of entries) {
  if (typeof entry !== "string") continue;
  const password = entry.normalize("NFKC").toLowerCase();
  const length = [...password].length;
  const printable = !/[\p{Cc}\n\r]/u.test(password);
  if (printable && length >= MIN_LENGTH && length <= MAX_LENGTH) kept.add(password);
}

writeFileSync(OUTPUT, `${[...kept].join("\n")}\n`);
console.log(`read ${entries.length} entries, wrote ${kept.size}`);
