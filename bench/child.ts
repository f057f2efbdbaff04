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
type Op = (args: string[]) => Promise<{ bytes?: number; rows?: number }>;

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
    const taken = await changelog.snapshot({ kind: "manual" });
    await changelog.close();
    await ds.destroy();
    return { bytes: taken.bytes, rows: taken.rows };
  },
  restore: async ([store, target]) => {
    const result = await restore({ store, latest: true, target });
    return { rows: Object.values(result.rowsPerTable).reduce((a, b) => a + b, 0) };
  },
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const op = ops[name];
  if (!op) throw new Error(`unknown op ${name}; one of ${Object.keys(ops).join(", ")}`);
  const t0 = performance.now();
  const result = await op(args);
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, ...result })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
