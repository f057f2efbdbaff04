import "reflect-metadata";
import { spawn } from "child_process";
import fs from "fs";
import path from "path";
import { attachChangelog } from "../src";
import { validateLive } from "../src/cli/liveValidation";
import { loadRules } from "../src/cli/rulesModule";
import { exportSql } from "../src/export/exportSql";
import { audit } from "../src/integrity/audit";
import { compactJournal } from "../src/operations/compaction";
import { restore } from "../src/restore";
import { createStocktakeDataSource, openStocktakeDataSource } from "../src/stocktake/datasource";
import { oldJsonBackup, oldJsonRestore } from "./oldJson";

/**
 * One measured operation in a process of its own, so its peak memory
 * (maxRSS) is its own. Prints {ms, maxRssMb, bytes?, rows?} as JSON; an op
 * that runs another program (command) gives that program's maxRssMb.
 * Usage: node child.js <op> <args…>
 */
type Op = (args: string[]) => Promise<{ bytes?: number; rows?: number; replayMs?: number; readerRssMb?: number; findings?: number; maxRssMb?: number }>;

const size = (file: string) => fs.statSync(file).size;

/**
 * The rules the CLI runs by default (integrity.js beside the compiled src/),
 * named by path: the CLI's own lookup tries ./dist/integrity.js of the
 * working directory first, which need not be this build's.
 */
const RULES = path.join(__dirname, "..", "integrity.js");
const TIME = "/usr/bin/time";

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
    // A SQLite file is read by a child process (src/snapshot/sqliteFileSnapshot.ts): its memory counts too.
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
  /** validate data: the rules over the live database (SQLite file or PostgreSQL URL), the function behind the CLI command. */
  validate: async ([db]) => {
    // A SQLite file is read by a child process (src/integrity/sqliteFileView.ts): its memory counts too.
    let readerPeakKb = 0;
    const watch = setInterval(() => { readerPeakKb = Math.max(readerPeakKb, childrenPeakKb()); }, 5);
    const result = await validateLive({ db, json: true, rules: RULES });
    clearInterval(watch);
    return { rows: result.rows, findings: result.findingsTotal, readerRssMb: readerPeakKb / 1024 };
  },
  /** audit: the rules over the snapshot and journal; times the replay as the replay op does (from the load's last batch to the last frame). */
  audit: async ([store]) => {
    let loaded = 0;
    let replayed = 0;
    const result = await audit({
      store, rules: loadRules(RULES),
      onProgress: (p) => {
        if (p.phase === "load") loaded = performance.now();
        if (p.phase === "replay") replayed = performance.now();
      },
    });
    return { replayMs: replayed - loaded, rows: result.rowsLoaded, findings: result.findingsTotal };
  },
  /** Compresses every sealed segment and removes none (no floor): the journal keeps its content. */
  compact: async ([store]) => {
    const report = await compactJournal(store, { floorSeq: null });
    return { bytes: report.compressed.reduce((n, c) => n + (c.diskBytes ?? 0), 0) };
  },
  /** export-sql latest, with the DDL (as sqlite3 .dump and pg_dump write it). */
  export: async ([store, out]) => {
    const result = await exportSql({ store, out, schema: true, replace: true });
    return { bytes: result.bytes, rows: result.rows };
  },
  /**
   * Another program, its stdout into `out`; its own peak RSS, not this
   * process's: /usr/bin/time's %M (kB) where it is installed, else its
   * VmHWM polled while it runs.
   */
  command: async ([out, cmd, ...args]) => {
    const timed = fs.existsSync(TIME);
    const fd = fs.openSync(out, "w");
    try {
      const child = spawn(timed ? TIME : cmd, timed ? ["-f", "%M", cmd, ...args] : args, { stdio: ["ignore", fd, "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (d) => { stderr += d; });
      let polledKb = 0;
      const watch = setInterval(() => { polledKb = Math.max(polledKb, childrenPeakKb()); }, 5);
      const code = await new Promise((resolve, reject) => child.on("error", reject).on("close", resolve));
      clearInterval(watch);
      if (code !== 0) throw new Error(`${cmd} exited with ${code}: ${stderr}`);
      const peakKb = timed ? Number(stderr.trim().split("\n").pop()) : polledKb;
      return { bytes: size(out), maxRssMb: peakKb / 1024 };
    } finally {
      fs.closeSync(fd);
    }
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
