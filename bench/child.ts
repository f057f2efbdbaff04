import "reflect-metadata";
import fs from "fs";
import { attachChangelog } from "../src";
import { restore } from "../src/restore";
import { createStocktakeDataSource, openStocktakeDataSource } from "../src/stocktake/datasource";
import { oldJsonBackup, oldJsonRestore } from "./oldJson";

/**
 * One measured operation in a process of its own, so its peak memory
 * (maxRSS) is its own. Prints {ms, maxRssMb, bytes?, rows?} as JSON.
 * Usage: node child.js <op> <args…>
 */
type Op = (args: string[]) => Promise<{ bytes?: number; rows?: number; replayMs?: number; readerRssMb?: number }>;

const size = (file: string) => fs.statSync(file).size;

const ops: Record<string, Op> = {
  "json-dump": async ([db, out]) => {
    const ds = await createStocktakeDataSource(db).initialize();
    await oldJsonBackup(ds, out);
    await ds.destroy();
    return { bytes: size(out) };
  },
  "json-restore": async ([file, db]) => {
    const ds = await openStocktakeDataSource(db);
    await ds.query("PRAGMA foreign_keys = OFF");
    const rows = await oldJsonRestore(ds, file);
    await ds.destroy();
    return { rows };
  },
  "vacuum-into": async ([db, out]) => {
    const ds = await createStocktakeDataSource(db).initialize();
    await ds.query(`VACUUM INTO '${out.replace(/'/g, "''")}'`);
    await ds.destroy();
    return { bytes: size(out) };
  },
  snapshot: async ([db, store]) => {
    const ds = await createStocktakeDataSource(db).initialize();
    const changelog = await attachChangelog(ds, { dir: store });
    // A SQLite file is read by a child process (src/snapshot/sqliteFast.ts): its memory counts too.
    const watch = setInterval(() => { readerPeakKb = Math.max(readerPeakKb, childrenPeakKb()); }, 5);
    let readerPeakKb = 0;
    const taken = await changelog.snapshot({ kind: "manual" });
    clearInterval(watch);
    await changelog.close();
    await ds.destroy();
    return { bytes: taken.bytes, rows: taken.rows, readerRssMb: readerPeakKb / 1024 };
  },
  /** Restores the newest snapshot and the journal after it; times the replay alone (from the load's last batch to the last frame). */
  replay: async ([store, target]) => {
    let loaded = 0;
    let replayed = 0;
    await restore({
      store, latest: true, target,
      onProgress: (p) => {
        if (p.phase === "load") loaded = performance.now();
        if (p.phase === "replay") replayed = performance.now();
      },
    });
    return { replayMs: replayed - loaded };
  },
  restore: async ([store, target]) => {
    const result = await restore({ store, latest: true, target });
    return { rows: Object.values(result.rowsPerTable).reduce((a, b) => a + b, 0) };
  },
};

/**
 * This process's peak RSS in kB. Not resourceUsage().maxRSS: on Linux that
 * keeps the high-water mark of the process that forked this one (it is
 * carried across exec), so the bench's own large RSS would show up here.
 * VmHWM belongs to this program's memory alone.
 */
function peakRssKb(): number {
  return vmHwmKb("self") ?? process.resourceUsage().maxRSS;
}

function vmHwmKb(pid: string): number | null {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return hwm ? Number(hwm[1]) : null;
  } catch {
    return null; // not Linux, or the process has just ended
  }
}

/** The largest peak RSS among this process's running children (Linux; 0 elsewhere). */
function childrenPeakKb(): number {
  let peak = 0;
  try {
    for (const pid of fs.readFileSync(`/proc/self/task/${process.pid}/children`, "utf8").split(" ").filter(Boolean)) {
      peak = Math.max(peak, vmHwmKb(pid) ?? 0);
    }
  } catch {
    // not Linux
  }
  return peak;
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const op = ops[name];
  if (!op) throw new Error(`unknown op ${name}; one of ${Object.keys(ops).join(", ")}`);
  const t0 = performance.now();
  const result = await op(args);
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb: peakRssKb() / 1024, ...result })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
