import { journalAfterSnapshot } from "./replay";
import { BenchDir, formatTable, mb, Measured, runChild as run, s, sqliteSource } from "./support";

/** Changed rows in each journal replayed at each scale. */
const JOURNAL_CHANGES = Number(process.env.BENCH_JOURNAL_CHANGES ?? 100_000);
/** Changed rows per transaction of the two journals: an app's small transactions, and bulk ones (a count, an import). */
const TRANSACTION_SIZES = [10, 1000];

/**
 * Snapshot and restore against, in the same run, SQLite's VACUUM INTO and
 * the old JSON approach, at each scale. Every operation runs in a child
 * process of its own, so peak memory is that operation's.
 */
export async function benchSnapshotRestore(work: BenchDir, scales: number[]): Promise<string> {
  const rows: string[][] = [];
  const ratios: string[][] = [];
  for (const total of scales) {
    const source = await sqliteSource(work, total, `source-${total}.db`);
    const store = work.dir(`store-${total}`);
    const vacuum = run("vacuum-into", source.file, work.file(`vacuum-${total}.db`));
    const snapshot = run("snapshot", source.file, store);
    const json = run("json-dump", source.file, work.file(`backup-${total}.json.gz`));
    const jsonRestore = run("json-restore", work.file(`backup-${total}.json.gz`), work.file(`json-restored-${total}.db`));
    const ours = run("restore", store, work.file(`restored-${total}.db`));
    const replays = [];
    for (const size of TRANSACTION_SIZES) {
      const journalStore = work.dir(`journal-store-${total}-${size}`);
      const changes = await journalAfterSnapshot(source.file, work.file(`journal-source-${total}-${size}.db`), journalStore, JOURNAL_CHANGES, size);
      const measured = run("replay", journalStore, work.file(`replayed-${total}-${size}.db`));
      replays.push({ size, changes, measured, rate: changes / (measured.replayMs! / 1000) });
    }
    const rss = (m: Measured) => `${m.maxRssMb.toFixed(0)} MB${m.readerRssMb ? ` + reader process ${m.readerRssMb.toFixed(0)} MB` : ""}`;
    const line = (name: string, m: Measured) => rows.push([String(source.rows), name, s(m.ms), mb(m.bytes), rss(m)]);
    line("VACUUM INTO", vacuum);
    line("snapshot (zstd, streaming)", snapshot);
    line("old JSON dump (pretty, gzip)", json);
    line("restore (snapshot → new SQLite file)", ours);
    line("old JSON restore (ORM, batches of 100)", jsonRestore);
    for (const r of replays) {
      line(`restore + replay of ${r.changes} changed rows, ${r.size} per transaction (replay alone ${s(r.measured.replayMs!)})`, r.measured);
    }
    ratios.push([String(source.rows),
      `${(snapshot.ms / vacuum.ms).toFixed(2)}× (≤ 3)`,
      `${(json.ms / snapshot.ms).toFixed(1)}× (≥ 10)`,
      `${((snapshot.bytes ?? 0) / (json.bytes ?? 1)).toFixed(2)}× (≤ 0.5)`,
      `${(jsonRestore.ms / ours.ms).toFixed(1)}× (≥ 10)`,
      `${replays.map((r) => Math.round(r.rate)).join(" / ")} (≥ 100000)`,
      `${Math.max(snapshot.maxRssMb + (snapshot.readerRssMb ?? 0), ours.maxRssMb, ...replays.map((r) => r.measured.maxRssMb)).toFixed(0)} MB (≤ 300)`,
    ]);
  }
  return [
    formatTable(["rows", "operation", "time", "size", "peak RSS"], rows),
    "",
    formatTable(["rows", "snapshot / VACUUM INTO time", "JSON dump / snapshot time", "snapshot / JSON size", "JSON restore / restore time",
      `journal replay, changed rows/s (${TRANSACTION_SIZES.join(" / ")} per transaction)`, "largest peak RSS (snapshot: both processes)"], ratios),
  ].join("\n");
}
