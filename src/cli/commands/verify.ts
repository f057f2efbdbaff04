import { SingleBar } from "cli-progress";
import { Command } from "commander";
import type { DataSource } from "typeorm";
import { verifyJournal, type VerifyResult } from "../../restore";
import { describeRow } from "../../restore/sql";
import { existingStore, openDatabase } from "../connect";
import { action } from "../run";

interface VerifyCliOptions { dir?: string; db?: string; json?: boolean }

function progressBar(json: boolean | undefined): { update(p: { phase: string; table?: string; done: number; total: number }): void; stop(): void } {
  if (json || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: "verify {bar} {phase} {value}/{total} {table}", stream: process.stderr, hideCursor: true, clearOnComplete: true });
  let phase = "";
  return {
    update(p) {
      if (p.phase !== phase) { if (phase) bar.stop(); bar.start(Math.max(1, p.total), 0, { phase: p.phase, table: "" }); phase = p.phase; }
      bar.update(p.done, { phase: p.phase, table: p.table ?? "" });
    },
    stop: () => { if (phase) bar.stop(); },
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

/** Row values as JSON: big integers as strings, binary as base64 (as `log --json` prints them). */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  const buffer = value as { type?: unknown; data?: unknown };
  if (buffer && buffer.type === "Buffer" && Array.isArray(buffer.data)) return Buffer.from(buffer.data as number[]).toString("base64");
  return value;
}

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("replay the journal from the newest snapshot into a scratch database and compare it with the live one, table by table; " +
      "report drift (changes made outside capture). Exit status 1 on drift")
    .option("--dir <path>", "backup store (default $BACKUP_DIR, else ./snapshots)")
    .option("--db <url>", "the app's database: postgres://… URL, file:./x.db or a SQLite path (default $DATABASE_URL, else the app's ormconfig)")
    .option("--json", "print the result as one JSON object: ok, seq, snapshot, framesReplayed, fromOutbox, tables")
    .addHelpText("after", "\nExamples:\n  stocktake-backup verify\n  stocktake-backup verify --db postgres://app@db/stocktake --json")
    .action(action(async (opts: VerifyCliOptions) => {
      const store = existingStore(opts.dir);
      const ds: DataSource = await openDatabase(opts.db);
      const bar = progressBar(opts.json);
      let result: VerifyResult;
      try {
        result = await verifyJournal({ store, source: ds, onProgress: (p) => bar.update(p) });
      } finally {
        bar.stop();
        await ds.destroy();
      }
      process.stdout.write(opts.json ? `${JSON.stringify(result, jsonValue)}\n` : humanText(result));
      return result.ok ? 0 : 1;
    }));
}
