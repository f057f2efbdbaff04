import fs from "fs";
import { CHUNK_RAW_BYTES } from "../src/journal/compressedSegment";
import { journalAfterSnapshot } from "./replay";
import { BenchDir, formatTable, journalBytes, mb, median, runChild, s, sqliteSource } from "./support";

/** Changed rows in each journal. */
const JOURNAL_CHANGES = Number(process.env.BENCH_JOURNAL_CHANGES ?? 100_000);
/** Changed rows per transaction: an app's small transactions, and bulk ones (a count, an import). */
const TRANSACTION_SIZES = [10, 1000];
/**
 * Small segments, so that a journal of 100k changed rows has sealed ones
 * (the writer's 64 MiB would leave it one raw segment). Compaction
 * compresses 1 MiB chunks whatever the segment's size, so the ratio is the
 * one of 64 MiB segments. The writer starts a segment only between appends
 * (the shipper's, of about 10,000 changes), so each segment is one append.
 */
const SEGMENT_BYTES = CHUNK_RAW_BYTES;
/** Restores of each journal, alternating, so drift of the machine hits both alike. */
const ROUNDS = 3;

/** The replay time of a restore from `store` into a new file, removed after: at 1M rows each is a few hundred MB. */
function replayMs(work: BenchDir, store: string): number {
  const target = work.file("compaction-restored.db");
  const ms = runChild("replay", store, target).replayMs!;
  for (const f of [target, `${target}-wal`, `${target}-shm`]) fs.rmSync(f, { force: true });
  return ms;
}

/**
 * The journal's size before and after compaction (sealed segments
 * compressed, none removed), and the replay rate of a restore from each:
 * two copies of one store, so the content is the same.
 */
export async function benchCompaction(work: BenchDir, scales: number[]): Promise<string> {
  const lines: string[][] = [];
  const ratios: string[][] = [];
  for (const total of scales) {
    const source = await sqliteSource(work, total, `compaction-${total}.db`);
    for (const size of TRANSACTION_SIZES) {
      const raw = work.dir(`compaction-raw-${total}-${size}`);
      const changes = await journalAfterSnapshot(source.file, work.file(`compaction-journal-${total}-${size}.db`), raw, JOURNAL_CHANGES, size, SEGMENT_BYTES);
      const compacted = work.file(`compaction-zst-${total}-${size}`);
      fs.cpSync(raw, compacted, { recursive: true });
      const compact = runChild("compact", compacted);
      const rawBytes = journalBytes(raw).raw;
      // The newest segment stays raw (it is appended to): the ratio is the one of the segments compaction compressed.
      const after = journalBytes(compacted);
      const sealedRaw = rawBytes - after.raw;
      const zstBytes = after.raw + after.compressed;
      const rawMs: number[] = [];
      const zstMs: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        rawMs.push(replayMs(work, raw));
        zstMs.push(replayMs(work, compacted));
      }
      const rawRate = changes / (median(rawMs) / 1000);
      const zstRate = changes / (median(zstMs) / 1000);
      lines.push([String(source.rows), String(size), String(changes),
        `${mb(rawBytes)} (${(rawBytes / changes).toFixed(0)} B/row)`, `${mb(zstBytes)} (${(zstBytes / changes).toFixed(0)} B/row; ${mb(after.raw)} of it the newest segment, raw)`,
        `${s(compact.ms)}, ${compact.maxRssMb.toFixed(0)} MB`, Math.round(rawRate).toString(), Math.round(zstRate).toString()]);
      // A journal of one append is one segment, the newest: nothing to compress, both restores read the same files.
      ratios.push(sealedRaw > 0
        ? [String(source.rows), String(size), `${(after.compressed / sealedRaw).toFixed(2)}× (≤ 0.3)`, `${(zstBytes / rawBytes).toFixed(2)}×`, `${(zstRate / rawRate).toFixed(2)}× (≥ 0.9)`]
        : [String(source.rows), String(size), "nothing sealed (one segment)", "1.00×", `${(zstRate / rawRate).toFixed(2)}× (the same files: noise)`]);
    }
  }
  return [
    formatTable(["rows", "changed rows per transaction", "changed rows", "raw journal", "compacted journal",
      "compaction time, peak RSS", `replay, changed rows/s, raw (median of ${ROUNDS})`, "replay, changed rows/s, compacted"], lines),
    "",
    formatTable(["rows", "changed rows per transaction", "compacted / raw size, sealed segments", "compacted / raw size, whole journal",
      "compacted / raw replay rate"], ratios),
  ].join("\n");
}
