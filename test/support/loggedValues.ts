/**
 * `log --json` read the way a user reads it: the built CLI in a child
 * process, each line through JSON.parse, values decoded with nothing but the
 * documented encoding (README, `log --help`) and the column's type.
 */
import { spawnSync } from "child_process";
import path from "path";
import { ColumnSchema } from "../../src/db/types";

export const CLI = path.join(__dirname, "..", "..", "src", "cli", "main.js");

export type LoggedValue = null | boolean | number | string;
export type LoggedRow = Record<string, LoggedValue>;

export interface LoggedChange {
  seq: number;
  at: string;
  table: string;
  op: "insert" | "update" | "delete";
  key: LoggedRow;
  before: LoggedRow | null;
  after: LoggedRow | null;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.BACKUP_DIR;
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...base, ...env }, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `log --json` with `args`, parsed; a non-zero exit fails with its stderr. */
export function logJson(dir: string, args: string[] = []): LoggedChange[] {
  const r = runCli(["log", "--json", "--dir", dir, ...args]);
  if (r.status !== 0) throw new Error(`log exited ${r.status}: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as LoggedChange);
}

const BINARY = /^(blob|bytea)$/;
const FLOAT = /^(real|double|double precision|float|float4|float8)$/;

/**
 * A logged value as a driver parameter that writes the same value back:
 * base64 to bytes for binary columns, "Infinity"/"-Infinity"/"NaN" to
 * numbers for float columns, everything else as printed (text, digits of a
 * big integer, which both engines read into their integer types exactly).
 */
export function decodeLogged(value: LoggedValue, column: ColumnSchema): unknown {
  if (value === null) return null;
  if (BINARY.test(column.type) && typeof value === "string") return Buffer.from(value, "base64");
  if (FLOAT.test(column.type) && typeof value === "string" && /^(-?Infinity|NaN)$/.test(value)) return Number(value);
  return value;
}
