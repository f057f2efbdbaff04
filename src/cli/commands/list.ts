import { Command } from "commander";
import { journalRange, JournalRange } from "../../journal/reader";
import { listSnapshots, ManifestEntry } from "../../snapshot";
import { existingStore } from "../connect";
import { action } from "../run";

interface ListOptions { dir?: string; json?: boolean }

/** The instants a restore can reach exactly: from a snapshot the journal continues, to the journal's last commit. */
export interface RestorableSpan { from: number; fromSeq: number; to: number; toSeq: number }

/**
 * The journal continues a snapshot when it holds every frame after the
 * snapshot's seq; the oldest such snapshot opens the span. Without one,
 * only the snapshots' own states can be restored, which is not a span.
 */
export function restorableSpan(snapshots: readonly ManifestEntry[], journal: JournalRange | null): RestorableSpan | null {
  if (journal === null || snapshots.length === 0) return null;
  const bySeq = [...snapshots].sort((a, b) => a.seq - b.seq);
  const base = bySeq.find((s) => s.seq >= journal.firstSeq - 1);
  if (base === undefined) return null;
  const newest = bySeq[bySeq.length - 1];
  // A snapshot newer than the journal's end (not yet flushed) still is a state that can be restored.
  const journalEnds = journal.lastSeq >= newest.seq;
  return {
    from: base.createdAt,
    fromSeq: base.seq,
    to: journalEnds ? journal.lastAt : newest.createdAt,
    toSeq: journalEnds ? journal.lastSeq : newest.seq,
  };
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

function listJson(dir: string, snapshots: readonly ManifestEntry[], broken: readonly { file: string; message: string }[], journal: JournalRange | null) {
  const span = restorableSpan(snapshots, journal);
  return {
    store: dir,
    snapshots: snapshots.map((s) => ({
      file: s.file, name: s.name, kind: s.kind, createdAt: iso(s.createdAt), seq: s.seq, rows: s.rows, bytes: s.bytes, engine: s.engine, tables: s.tables,
    })),
    broken,
    journal: journal && { firstSeq: journal.firstSeq, lastSeq: journal.lastSeq, firstAt: iso(journal.firstAt), lastAt: iso(journal.lastAt), segments: journal.segments.length },
    restorable: span && { from: iso(span.from), fromSeq: span.fromSeq, to: iso(span.to), toSeq: span.toSeq },
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
  lines.push("", j ? `journal:    seq ${j.firstSeq}..${j.lastSeq}, ${j.firstAt} .. ${j.lastAt} (${j.segments} segment(s))` : "journal:    empty");
  const r = json.restorable;
  if (r) lines.push(`restorable: ${r.from} (seq ${r.fromSeq}) .. ${r.to} (seq ${r.toSeq})`);
  else if (j && json.snapshots.length > 0) lines.push(`restorable: each snapshot's own state only: the journal starts at seq ${j.firstSeq}, after every snapshot`);
  else lines.push("restorable: each snapshot's own state only (no journal to replay)");
  return lines.join("\n") + "\n";
}

export function registerList(program: Command): void {
  program
    .command("list")
    .description("list the store's snapshots (name, kind, created, seq, rows, size), the journal's range and the span that can be restored; writes nothing")
    .option("--dir <path>", "backup store (default $BACKUP_DIR, else ./snapshots)")
    .option("--json", "one JSON object: store, snapshots, broken, journal, restorable")
    .addHelpText("after", "\nExamples:\n  stocktake-backup list\n  stocktake-backup list --dir /var/backups/stocktake --json")
    .action(action(async (opts: ListOptions) => {
      const dir = existingStore(opts.dir);
      // Read-only (I8): listSnapshots reads the manifest or the files' ends, never rewrites the manifest.
      const { snapshots, broken } = await listSnapshots(dir);
      const json = listJson(dir, snapshots, broken, journalRange(dir));
      process.stdout.write(opts.json ? `${JSON.stringify(json)}\n` : humanText(json));
      for (const b of broken) process.stderr.write(`damaged snapshot ${b.file}: ${b.message}\n`);
      return broken.length > 0 ? 1 : 0;
    }));
}
