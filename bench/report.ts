import { cpuMsPerOp, type LoadResult, percentileMs } from "./load.js";

/** One line of the results table. */
export interface Row {
  readonly figure: string;
  readonly value: string;
  /** The goal as written for people, e.g. "≥ 0.9"; empty for figures without one. */
  readonly goal?: string;
  /** Whether the goal is met; undefined for figures without a goal. */
  readonly met?: boolean;
}

/** Renders rows as an aligned plain-text table with a PASS/MISS column. */
export function renderTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [
    row.figure,
    row.value,
    row.goal ?? "",
    row.met === undefined ? "" : row.met ? "PASS" : "MISS",
  ]);
  const header = ["figure", "measured", "goal", "result"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => (line[column] ?? "").length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, column) =>
        column === 1 ? value.padStart(widths[column] ?? 0) : value.padEnd(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [line(header), rule, ...cells.map(line)].join("\n");
}

/** A number with a fixed count of decimals, or "n/a" when it is not finite. */
export function fixed(value: number, decimals: number): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : "n/a";
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** What one part of the bench contributes: its rows, and its runs for the failure report. */
export interface Section {
  readonly rows: readonly Row[];
  readonly loads: readonly (readonly [string, LoadResult])[];
}

/** CPU per operation of a charged run: all threads, and the main thread's part. */
export function cpuCell(result: LoadResult, decimals = 2): string {
  const main = fixed(cpuMsPerOp(result, "main"), decimals);
  return `${fixed(cpuMsPerOp(result), decimals)} (main ${main}) ms`;
}

/** The p50 and p99 latencies of a run. */
export function latencyCell(result: LoadResult): string {
  return `${fixed(percentileMs(result, 0.5), 1)} / ${fixed(percentileMs(result, 0.99), 1)} ms`;
}
