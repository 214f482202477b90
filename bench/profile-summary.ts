/**
 * Summarises a V8 `.cpuprofile` (from BENCH_CPU_PROF) as the hot functions
 * by self and by total time, and self time by package or source file:
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [rows] [from-s] [to-s]
 *
 * `from-s` and `to-s` keep the samples of that window, in seconds since the
 * process started (the bench prints the service's clock at each phase).
 * Percentages are of the busy samples (everything but "(idle)").
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds between samples; the first is from the profile's start. */
  timeDeltas: number[];
}

const [file, rowsArg, fromArg, toArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write(
    "usage: bench/profile-summary.ts <file.cpuprofile> [rows] [from-s] [to-s]\n",
  );
  process.exit(2);
}
const rows = Number(rowsArg ?? 25);
const fromUs = Number(fromArg ?? 0) * 1e6;
const toUs = toArg === undefined ? Number.POSITIVE_INFINITY : Number(toArg) * 1e6;
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
process.stdout.on("error", () => process.exit(0));

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) {
  for (const child of node.children ?? []) parent.set(child, node.id);
}

/** Where a frame's code lives: a package, a file of this repository, or Node itself. */
function place(url: string): string {
  if (url === "") return "(native)";
  const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (packageName !== undefined) return packageName;
  const own = /\/work\/[^/]+\/(.+)$/.exec(url)?.[1];
  return own ?? url.replace(/^file:\/\//, "");
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === "" ? "" : ` ${place(url)}:${lineNumber + 1}`;
  const file = /\/work\/[^/]+\/(.+)$/.exec(url)?.[1];
  return `${functionName || "(anonymous)"}${file ? ` ${file}:${lineNumber + 1}` : where}`;
}

const self = new Map<string, number>();
const total = new Map<string, number>();
const places = new Map<string, number>();
let busy = 0;
let idle = 0;
let clock = 0;
for (const [index, id] of profile.samples.entries()) {
  clock += profile.timeDeltas[index] ?? 0;
  const node = byId.get(id);
  if (clock < fromUs || clock > toUs || node === undefined) continue;
  if (node.callFrame.functionName === "(idle)") {
    idle += 1;
    continue;
  }
  busy += 1;
  self.set(label(node), (self.get(label(node)) ?? 0) + 1);
  const where = place(node.callFrame.url);
  places.set(where, (places.get(where) ?? 0) + 1);

  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at);
    if (frame !== undefined) seen.add(label(frame));
  }
  for (const key of seen) total.set(key, (total.get(key) ?? 0) + 1);
}

function print(title: string, counts: Map<string, number>): void {
  process.stdout.write(`\n${title}\n`);
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, rows);
  for (const [key, count] of top) {
    process.stdout.write(`${((100 * count) / busy).toFixed(1).padStart(6)}%  ${key}\n`);
  }
}

process.stdout.write(`${busy} busy samples, ${idle} idle (${file})\n`);
print("self time by function", self);
print("self time by package or file", places);
print("total time by function (self + callees)", total);
