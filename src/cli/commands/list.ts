import { Command } from "commander";
import { jsonOption, storeOption } from "../options";
import { journalRange, JournalRange } from "../../journal/reader";
import { listSnapshots, ManifestEntry } from "../../snapshot";
import { existingStore } from "../../store";
import { action } from "../action";
import * as stdout from "../stdout";
import { restorableSpans, RestorableSpan } from "../../restore/spans";

interface ListOptions { dir?: string; json?: boolean }

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

function listJson(dir: string, snapshots: readonly ManifestEntry[], broken: readonly { file: string; message: string }[], journal: JournalRange | null) {
  const spans = restorableSpans(snapshots, journal);
  const span = spans[spans.length - 1] ?? null;
  const spanJson = (x: RestorableSpan) => ({ from: iso(x.from), fromSeq: x.fromSeq, to: iso(x.to), toSeq: x.toSeq });
  return {
    store: dir,
    snapshots: snapshots.map((s) => ({
      file: s.file, name: s.name, kind: s.kind, createdAt: iso(s.createdAt), seq: s.seq, rows: s.rows, bytes: s.bytes, engine: s.engine, tables: s.tables,
    })),
    broken,
    journal: journal && {
      firstSeq: journal.firstSeq, lastSeq: journal.lastSeq, firstAt: iso(journal.firstAt), lastAt: iso(journal.lastAt), segments: journal.segments.length,
      compressedSegments: journal.segments.filter((s) => s.compressed).length,
      bytes: journal.segments.reduce((n, s) => n + s.bytes, 0), rawBytes: journal.segments.reduce((n, s) => n + s.rawBytes, 0),
      runs: journal.runs.map((r) => ({ firstSeq: r.firstSeq, lastSeq: r.lastSeq, firstAt: iso(r.firstAt), lastAt: iso(r.lastAt) })),
    },
    /** The newest span; restorableSpans lists every one when damage or a lost segment splits the journal. */
    restorable: span && spanJson(span),
    restorableSpans: spans.map(spanJson),
    problems: journal?.problems ?? [],
  };
}

function table(rows: string[][], rightAligned: Set<number>): string {
  const widths = rows[0].map((_c, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd()).join("\n");
}

function humanText(json: ReturnType<typeof listJson>): string {
  const lines: string[] = [];
  if (json.snapshots.length === 0) lines.push(`no snapshots in ${json.store}`);
  else {
    lines.push(table([
      ["NAME", "KIND", "CREATED", "SEQ", "ROWS", "SIZE"],
      ...json.snapshots.map((s) => [s.name, s.kind, s.createdAt, String(s.seq), s.rows.toLocaleString("en-US"), formatBytes(s.bytes)]),
    ], new Set([3, 4, 5])));
  }
  const j = json.journal;
  lines.push("", j ? `journal:    seq ${j.firstSeq}..${j.lastSeq}, ${j.firstAt} .. ${j.lastAt} (${j.segments} segment(s)` +
    `${j.compressedSegments > 0 ? `, ${j.compressedSegments} compressed: ${formatBytes(j.bytes)} on disk for ${formatBytes(j.rawBytes)}` : `, ${formatBytes(j.bytes)}`})` : "journal:    empty");
  for (const p of json.problems) lines.push(`DAMAGE:     ${p}`);
  if (json.restorableSpans.length > 0) {
    for (const r of json.restorableSpans) lines.push(`restorable: ${r.from} (seq ${r.fromSeq}) .. ${r.to} (seq ${r.toSeq})`);
  }
  else if (j && json.snapshots.length > 0) lines.push(`restorable: each snapshot's own state only: the journal starts at seq ${j.firstSeq}, after every snapshot`);
  else lines.push("restorable: each snapshot's own state only (no journal to replay)");
  return lines.join("\n") + "\n";
}

export function registerList(program: Command): void {
  program
    .command("list")
    .description("list the store's snapshots (name, kind, created, seq, rows, size), the journal's range and the span that can be restored, " +
      "with any damage it can see (exit status 1 then); writes nothing")
    .addOption(storeOption())
    .addOption(jsonOption("one JSON object: store, snapshots, broken, journal, restorable, restorableSpans, problems"))
    .addHelpText("after", "\nExamples:\n  stocktake-backup list\n  stocktake-backup list --dir /var/backups/stocktake --json")
    .action(action(async (opts: ListOptions) => {
      const dir = existingStore(opts.dir);
      // Read-only (I8): listSnapshots reads the manifest or the files' ends, never rewrites the manifest.
      const { snapshots, broken } = await listSnapshots(dir);
      const json = listJson(dir, snapshots, broken, journalRange(dir));
      await stdout.write(opts.json ? `${JSON.stringify(json)}\n` : humanText(json));
      for (const b of broken) process.stderr.write(`damaged snapshot ${b.file}: ${b.message}\n`);
      return broken.length > 0 || json.problems.length > 0 ? 1 : 0;
    }));
}
