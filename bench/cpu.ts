import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";

/** CPU seconds a process has used, user and system together. */
export interface CpuTimes {
  /** All its threads: the libuv pool (argon2id), V8's GC helpers and the rest. */
  readonly total: number;
  /** The main thread alone, where the event loop runs. */
  readonly main: number;
}

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** Reads the CPU times of process `pid` (this one too) from /proc. */
export async function readCpuTimes(pid: number): Promise<CpuTimes> {
  const [total, main] = await Promise.all([
    ticks(`/proc/${pid}/stat`),
    ticks(`/proc/${pid}/task/${pid}/stat`),
  ]);
  return { total: total / CLOCK_TICKS, main: main / CLOCK_TICKS };
}

/** utime + stime of a stat file: fields 14 and 15 of the line. */
async function ticks(file: string): Promise<number> {
  const stat = await readFile(file, "utf8");
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}
