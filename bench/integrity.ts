import { journalAfterSnapshot } from "./replay";
import { BenchDir, formatTable, Measured, runChild, s, seedDatabase, sqliteSource, withPgDatabase } from "./support";

/** Changed rows in the journal the audit replays. */
const JOURNAL_CHANGES = Number(process.env.BENCH_JOURNAL_CHANGES ?? 100_000);
/** The app's small transactions: the rules do work at every commit, so many commits are their hard case. */
const PER_TRANSACTION = 10;

const rss = (m: Measured) => `${m.maxRssMb.toFixed(0)} MB${m.readerRssMb ? ` + reader process ${m.readerRssMb.toFixed(0)} MB` : ""}`;
/** Both processes of a validate that reads in a child. */
const bothProcesses = (m: Measured) => m.maxRssMb + (m.readerRssMb ?? 0);

/**
 * validate data over the live database (SQLite at each scale, PostgreSQL at
 * the smallest), and audit against a restore of the same snapshot and
 * journal without rules, in the same run. Each in a child process of its
 * own, so peak memory is that operation's.
 */
export async function benchIntegrity(work: BenchDir, scales: number[]): Promise<string> {
  const lines: string[][] = [];
  const runs: { rows: number; validate: Measured; audit: Measured; replay: Measured }[] = [];
  for (const total of scales) {
    const source = await sqliteSource(work, total, `integrity-${total}.db`);
    const validate = runChild("validate", source.file);
    const store = work.dir(`integrity-store-${total}`);
    const changes = await journalAfterSnapshot(source.file, work.file(`integrity-journal-${total}.db`), store, JOURNAL_CHANGES, PER_TRANSACTION);
    const replay = runChild("replay", store, work.file(`integrity-replayed-${total}.db`));
    const audit = runChild("audit", store);
    runs.push({ rows: source.rows, validate, audit, replay });
    lines.push([String(source.rows), "SQLite", "validate data", s(validate.ms), rss(validate), String(validate.findings)]);
    lines.push([String(source.rows), "SQLite", `restore + replay of ${changes} changed rows, ${PER_TRANSACTION} per transaction, no rules (replay alone ${s(replay.replayMs!)})`,
      s(replay.ms), rss(replay), ""]);
    lines.push([String(source.rows), "SQLite", `audit of the same (replay alone ${s(audit.replayMs!)})`, s(audit.ms), rss(audit), String(audit.findings)]);
  }
  const pgTotal = Math.min(...scales);
  await withPgDatabase("stk_bench_integrity", async (url) => {
    const rows = await seedDatabase(url, pgTotal);
    const validate = runChild("validate", url);
    lines.push([String(rows), "PostgreSQL", "validate data", s(validate.ms), rss(validate), String(validate.findings)]);
  });
  const first = runs[0];
  const ratios = runs.map((r) => [
    String(r.rows),
    `${s(r.validate.ms)}${r.rows >= 1_000_000 ? " (≤ 3 s at 1M)" : ""}`,
    `${(r.audit.replayMs! / r.replay.replayMs!).toFixed(2)}× (≤ 1.3)`,
    `${(r.audit.ms / r.replay.ms).toFixed(2)}×`,
    `${Math.max(bothProcesses(r.validate), r.audit.maxRssMb).toFixed(0)} MB (≤ 200)`,
    `${(bothProcesses(r.validate) / bothProcesses(first.validate)).toFixed(2)}× / ${(r.audit.maxRssMb / first.audit.maxRssMb).toFixed(2)}× (flat: ≈ 1)`,
  ]);
  return [
    formatTable(["rows", "engine", "operation", "time", "peak RSS", "findings"], lines),
    "",
    formatTable(["rows", "validate data time", "audit / replay without rules, replay alone", "audit / restore, whole run",
      "largest peak RSS (validate: both processes, audit)", `peak RSS against ${first.rows} rows (validate / audit)`], ratios),
  ].join("\n");
}
