import fs from "fs";
import path from "path";
import { Client } from "pg";
import { DataSource } from "typeorm";
import { attachChangelog, ChangelogOptions, Durability } from "../src";
import { JournalWriter } from "../src/journal/writer";
import { readFrames, segmentHeaders } from "../src/journal/reader";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { mutateStocktake, seedStocktake } from "../src/stocktake/workload";
import { BenchDir, formatTable, median } from "./support";

const PG = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432";

interface Target {
  engine: "sqlite" | "postgres";
  /** A fresh copy of the seeded database, and its URL. */
  fresh(round: number, plugin: boolean): Promise<string>;
  cleanup(): Promise<void>;
}

async function sqliteTarget(work: BenchDir, scale: number): Promise<Target> {
  const seeded = work.file("seeded.db");
  const ds = await openStocktakeDataSource(seeded);
  await seedStocktake(ds, { scale, seed: 1 });
  await ds.query("PRAGMA wal_checkpoint(TRUNCATE)");
  await ds.destroy();
  return {
    engine: "sqlite",
    fresh: async (round, plugin) => {
      const file = work.file(`run-${round}-${plugin ? "on" : "off"}.db`);
      fs.copyFileSync(seeded, file);
      return file;
    },
    cleanup: async () => undefined,
  };
}

async function pgAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${PG}/postgres` });
  await client.connect();
  try { return await fn(client); } finally { await client.end(); }
}

async function postgresTarget(scale: number): Promise<Target> {
  const base = `stk_bench_${process.pid}`;
  const made: string[] = [`${base}_seed`];
  await pgAdmin((c) => c.query(`CREATE DATABASE ${base}_seed`));
  const ds = await openStocktakeDataSource(`${PG}/${base}_seed`);
  await seedStocktake(ds, { scale, seed: 1 });
  await ds.destroy();
  return {
    engine: "postgres",
    fresh: async (round, plugin) => {
      const name = `${base}_${round}_${plugin ? "on" : "off"}`;
      made.push(name);
      await pgAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${base}_seed`));
      return `${PG}/${name}`;
    },
    cleanup: () => pgAdmin(async (c) => { for (const n of made) await c.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`); }),
  };
}

async function timedWorkload(url: string, steps: number, store: string | null): Promise<{ ms: number; flushMs: number; frames: number }> {
  const ds: DataSource = await openStocktakeDataSource(url);
  const changelog = store ? await attachChangelog(ds, { dir: store, ...captureOptions() }) : null;
  const start = changelog?.lastSeq ?? 0;
  const t0 = performance.now();
  await mutateStocktake(ds, { steps, seed: 42 });
  const ms = performance.now() - t0;
  const t1 = performance.now();
  await changelog?.flush();
  const flushMs = performance.now() - t1;
  const frames = (changelog?.lastSeq ?? 0) - start;
  await changelog?.close();
  await ds.destroy();
  return { ms, flushMs, frames };
}

/** Appends real captured frames to a fresh journal: group commits of 16 frames, one fsync each. */
async function appendRate(store: string, work: BenchDir): Promise<{ framesPerSec: number; mbPerSec: number }> {
  const frames = [...readFrames(store, { fromSeq: 1 })];
  const headerSchema = segmentHeaders(store)[0].header.schema;
  const dir = work.dir("append");
  const writer = await JournalWriter.open(dir, { schema: headerSchema });
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i += 16) {
    await writer.append(frames.slice(i, i + 16));
    await writer.sync();
  }
  const seconds = (performance.now() - t0) / 1000;
  await writer.close();
  const bytes = fs.readdirSync(path.join(dir, "journal")).reduce((n, f) => n + fs.statSync(path.join(dir, "journal", f)).size, 0);
  return { framesPerSec: frames.length / seconds, mbPerSec: bytes / 1e6 / seconds };
}

export async function benchCapture(work: BenchDir, options: { scale: number; steps: number; rounds: number }): Promise<string> {
  const rows: string[][] = [];
  for (const engine of ["sqlite", "postgres"] as const) {
    const target = engine === "sqlite" ? await sqliteTarget(work, options.scale) : await postgresTarget(options.scale);
    try {
      const off: number[] = [];
      const on: number[] = [];
      const flush: number[] = [];
      let frames = 0;
      let lastStore = "";
      // Alternating off and on, so drift of the machine hits both alike.
      for (let round = 0; round < options.rounds; round++) {
        off.push((await timedWorkload(await target.fresh(round, false), options.steps, null)).ms);
        lastStore = work.dir(`${engine}-store-${round}`);
        const r = await timedWorkload(await target.fresh(round, true), options.steps, lastStore);
        on.push(r.ms);
        flush.push(r.flushMs);
        frames = r.frames;
      }
      const rate = await appendRate(lastStore, work).catch(() => null);
      rows.push([
        engine, String(options.steps), String(frames),
        `${median(off).toFixed(0)} ms`, `${median(on).toFixed(0)} ms`, (median(on) / median(off)).toFixed(3),
        `${median(flush).toFixed(1)} ms`,
        rate ? rate.framesPerSec.toFixed(0) : "n/a", rate ? rate.mbPerSec.toFixed(2) : "n/a",
      ]);
    } finally {
      await target.cleanup();
    }
  }
  return formatTable(
    ["engine", "workload steps", "frames", "plugin off (median)", "plugin on (median)", "on / off", "final flush", "append frames/s", "append MB/s"],
    rows);
}

/** BENCH_DURABILITY and BENCH_GROUP_MS try other settings than the defaults. */
function captureOptions(): ChangelogOptions {
  const options: ChangelogOptions = {};
  if (process.env.BENCH_DURABILITY) options.durability = process.env.BENCH_DURABILITY as Durability;
  if (process.env.BENCH_GROUP_MS) options.groupWindowMs = Number(process.env.BENCH_GROUP_MS);
  return options;
}
