import { Command } from "commander";
import { databaseOption, jsonOption, showSecretsOption, storeOption } from "../options";
import { redactRow, type Secrets, secretsFor } from "../../secrets";
import { progressBar } from "../progress";
import type { DataSource } from "typeorm";
import { verifyJournal, type VerifyResult } from "../../verify";
import { describeRow } from "../../restore/messages";
import { existingStore } from "../../store";
import { openDatabase } from "../../db/connect";
import { action } from "../action";
import { jsonText } from "../../db/jsonText";
import { VALUES_HELP } from "../display";
import * as stdout from "../stdout";

interface VerifyCliOptions { dir?: string; db?: string; json?: boolean; showSecrets?: boolean }

/** The result for output: the sample rows' secret columns redacted. */
function shownResult(r: VerifyResult, secrets: Secrets): VerifyResult {
  return {
    ...r,
    tables: r.tables.map((t) => ({
      ...t,
      samples: t.samples.map((s) => ({ ...s, key: redactRow(secrets, t.table, s.key), live: redactRow(secrets, t.table, s.live), replayed: redactRow(secrets, t.table, s.replayed) })),
    })),
  };
}

function humanText(r: VerifyResult): string {
  const lines = [
    r.ok ? `ok: the journal replays to the live database at seq ${r.seq}` : `DRIFT: the live database differs from its journal at seq ${r.seq}`,
    `  replayed  ${r.snapshot} + ${r.framesReplayed} frame(s)${r.fromOutbox ? ` (${r.fromOutbox} not shipped yet, read from the outbox)` : ""}`,
  ];
  for (const t of r.tables) {
    const n = t.missing + t.extra + t.different;
    if (n === 0) continue;
    lines.push(`  ${t.table}: ${t.missing} missing, ${t.extra} extra, ${t.different} different (live ${t.liveRows} rows, journal ${t.replayedRows})`);
    for (const s of t.samples) lines.push(`    ${s.kind.padEnd(9)} key ${describeRow(s.key)}`);
  }
  if (!r.ok) lines.push("  missing: in the journal, not in the database; extra: in the database, not in the journal (changed outside capture)");
  lines.push(`  time      ${(r.ms / 1000).toFixed(2)} s`);
  return lines.join("\n") + "\n";
}

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("replay the journal from the newest snapshot into a scratch database and compare it with the live one, table by table; " +
      "report drift (changes made outside capture). Exit status 1 on drift")
    .addOption(storeOption())
    .addOption(databaseOption())
    .addOption(showSecretsOption())
    .addOption(jsonOption("print the result as one JSON object: ok, seq, snapshot, framesReplayed, fromOutbox, tables (with sample rows, values as in log --json)"))
    .addHelpText("after", `\n${VALUES_HELP}\n\nExamples:\n  stocktake-backup verify\n  stocktake-backup verify --db postgres://app@db/stocktake --json`)
    .action(action(async (opts: VerifyCliOptions) => {
      const store = existingStore(opts.dir);
      const ds: DataSource = await openDatabase(opts.db);
      const bar = progressBar(opts.json, "verify {bar} {phase} {value}/{total} {table}");
      let result: VerifyResult;
      try {
        result = await verifyJournal({ store, source: ds, onProgress: (p) => bar.show(p.done, p.total, { phase: p.phase, table: p.table ?? "" }) });
      } finally {
        bar.stop();
        await ds.destroy();
      }
      result = shownResult(result, secretsFor(opts));
      await stdout.write(opts.json ? `${jsonText(result)}\n` : humanText(result));
      return result.ok ? 0 : 1;
    }));
}
