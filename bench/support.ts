import { execFileSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { Client } from "pg";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { seedStocktake } from "../src/stocktake/workload";
import { growTo } from "./bulkFill";

/** A scratch directory for one bench run, removed at the end. */
export class BenchDir {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "stk-bench-"));
  file(name: string): string {
    return path.join(this.root, name);
  }
  dir(name: string): string {
    const dir = path.join(this.root, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }
  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A Markdown table, so the output can go straight into a note. */
export function formatTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** What bench/child.ts prints for one operation. */
export interface Measured {
  ms: number; maxRssMb: number; bytes?: number; rows?: number; replayMs?: number; readerRssMb?: number; findings?: number;
}

const CHILD = path.join(__dirname, "child.js");

/** Runs one bench/child.ts op in a process of its own, so its peak memory is its own. */
export function runChild(op: string, ...args: string[]): Measured {
  const out = execFileSync(process.execPath, [CHILD, op, ...args], { encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split("\n").pop() as string) as Measured;
}

export const mb = (bytes?: number) => (bytes === undefined ? "" : `${(bytes / 1e6).toFixed(1)} MB`);
export const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The scales (rows) a section runs at: BENCH_SCALES, default 100k and 1M. */
export function benchScales(): number[] {
  return (process.env.BENCH_SCALES ?? "100000,1000000").split(",").map(Number);
}

/** Seeds the Stocktake database at `url` (SQLite file or PostgreSQL) and grows it to about `total` rows; returns its rows. */
export async function seedDatabase(url: string, total: number): Promise<number> {
  const ds = await openStocktakeDataSource(url);
  try {
    await seedStocktake(ds, { scale: 10, seed: 1 });
    const rows = await growTo(ds, total);
    // SQLite: everything in the main file, so a copy of it, or sqlite3 reading it, sees every row.
    if (ds.options.type === "sqlite") await ds.query("PRAGMA wal_checkpoint(TRUNCATE)");
    return rows;
  } finally {
    await ds.destroy();
  }
}

const seeded = new Map<number, { file: string; rows: number }>();

/**
 * A seeded SQLite database of about `total` rows in a file named `name`,
 * the caller's own (sections attach changelogs to theirs): seeded once per
 * run and scale, then copied, so a full run does not grow 1M rows per section.
 */
export async function sqliteSource(work: BenchDir, total: number, name: string): Promise<{ file: string; rows: number }> {
  let pristine = seeded.get(total);
  if (!pristine) {
    const file = work.file(`seeded-${total}.db`);
    pristine = { file, rows: await seedDatabase(file, total) };
    seeded.set(total, pristine);
  }
  const file = work.file(name);
  fs.copyFileSync(pristine.file, file);
  return { file, rows: pristine.rows };
}

export const PG = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432";

/** A statement on the server's maintenance database (CREATE or DROP DATABASE). */
export async function pgAdmin(sql: string): Promise<void> {
  const client = new Client({ connectionString: `${PG}/postgres` });
  await client.connect();
  try { await client.query(sql); } finally { await client.end(); }
}

/**
 * Runs `fn` with the URL of a fresh, empty PostgreSQL database `name`,
 * dropped after. One left by a run that died is dropped first.
 */
export async function withPgDatabase<T>(name: string, fn: (url: string) => Promise<T>): Promise<T> {
  await pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await pgAdmin(`CREATE DATABASE ${name}`);
  try {
    return await fn(`${PG}/${name}`);
  } finally {
    await pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

/** The bytes of a store's journal segments: raw (.seg) and compressed by compaction (.seg.zst). */
export function journalBytes(store: string): { raw: number; compressed: number } {
  const dir = path.join(store, "journal");
  const bytes = (re: RegExp) => fs.readdirSync(dir).filter((f) => re.test(f)).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
  return { raw: bytes(/\.seg$/), compressed: bytes(/\.seg\.zst$/) };
}
