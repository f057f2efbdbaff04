import type { DataSource } from "typeorm";
import { openDatabase } from "../db/connect";
import type { ValidationResult } from "../integrity/result";
import { scanDatabase } from "../integrity/scan";
import { count, progressBar } from "./progress";
import { loadRules } from "./rulesModule";
import { shownResult } from "./findingsText";
import { secretsFor } from "../secrets";

/** The rules over the live database (validate data, validate report), with a progress bar on a terminal; secrets redacted unless --show-secrets. */
export async function validateLive(opts: { db?: string; json?: boolean; rules?: string; showSecrets?: boolean }): Promise<ValidationResult> {
  const rules = loadRules(opts.rules);
  const ds: DataSource = await openDatabase(opts.db);
  const bar = progressBar(opts.json, "validate {bar} {rows} rows | {table}");
  try {
    const secrets = secretsFor(opts);
    return shownResult(await scanDatabase(ds, { rules, secrets, onProgress: (p) => bar.show(0, 0, { rows: count(p.rows), table: p.table }) }), secrets);
  } finally {
    bar.stop();
    await ds.destroy();
  }
}
