import type { DataSource } from "typeorm";
import { openDatabase } from "../db/connect";
import type { ValidationResult } from "../integrity/result";
import { scanDatabase } from "../integrity/scan";
import { count, progressBar } from "./progress";
import { loadRules } from "./rulesModule";

/** The rules over the live database (validate data, validate report), with a progress bar on a terminal. */
export async function validateLive(opts: { db?: string; json?: boolean; rules?: string }): Promise<ValidationResult> {
  const rules = loadRules(opts.rules);
  const ds: DataSource = await openDatabase(opts.db);
  const bar = progressBar(opts.json, "validate {bar} {rows} rows | {table}");
  try {
    return await scanDatabase(ds, { rules, onProgress: (p) => bar.show(0, 0, { rows: count(p.rows), table: p.table }) });
  } finally {
    bar.stop();
    await ds.destroy();
  }
}
