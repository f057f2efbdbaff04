/**
 * Compressed sealed segments (journal/compressedSegment.ts, compaction):
 * readers see exactly what they saw in the raw segments; damage to a
 * compressed file is a precise error; every state a crash of compaction can
 * leave (temp file, both forms, the raw one gone under a reader) reads whole;
 * the writer never appends to a compressed file.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BackupError } from "../src/errors";
import { type DatabaseSchema, type Frame, JournalWriter, journalDir, journalRange, readFrames } from "../src/journal";
import { checkCoverage, seqAtTime } from "../src/journal/coverage";
import { CHUNK_HEAD_BYTES } from "../src/journal/compressedSegment";
import { compactJournal } from "../src/operations/compaction";
import { compressSegment } from "../src/operations/compressSegment";
import { tempDir } from "./support/databases";

const schema: DatabaseSchema = {
  engine: "sqlite",
  tables: [{ name: "item", columns: [{ name: "id", type: "integer", nullable: false }, { name: "name", type: "varchar", nullable: true }, { name: "qty", type: "numeric", nullable: true }], primaryKey: ["id"] }],
};

function frame(seq: number): Frame {
  return {
    seq, at: 1_700_000_000_000 + seq * 10,
    changes: [{ table: "item", op: "update", key: { id: seq % 97 }, before: { id: seq % 97, name: `item ${seq % 97}`, qty: String(seq - 1) }, after: { id: seq % 97, name: `item ${seq % 97}`, qty: String(seq) } }],
  };
}

async function journal(n: number, segmentBytes: number, big = false): Promise<string> {
  const dir = tempDir("retain-jz-");
  const w = await JournalWriter.open(dir, { schema, segmentBytes });
  for (let seq = 1; seq <= n; seq++) {
    const f = frame(seq);
    // A transaction of several parts, so a frame also spans chunk boundaries of 1 MiB.
    if (big && seq % 50 === 0) f.changes = Array.from({ length: 3000 }, (_, i) => ({ table: "item", op: "insert" as const, key: { id: 10_000 + seq * 3000 + i }, before: null, after: { id: 10_000 + seq * 3000 + i, name: "x".repeat(200), qty: null } }));
    await w.append([f]);
  }
  await w.close();
  return dir;
}

const all = (dir: string) => [...readFrames(dir)];
const segs = (dir: string) => fs.readdirSync(journalDir(dir)).filter((n) => /\.seg/.test(n)).sort();

describe("compressed journal segments", function () {
  this.timeout(120000);

  it("reads the same frames, range, coverage and times from compressed segments as from raw ones, and they take far less room", async () => {
    const dir = await journal(400, 8 << 10, true);
    const before = all(dir);
    const rangeBefore = journalRange(dir)!;
    const report = await compactJournal(dir, { floorSeq: null });
    expect(report.compressed.length).to.equal(rangeBefore.segments.length - 1);
    expect(segs(dir).filter((n) => n.endsWith(".seg"))).to.have.length(1); // the newest stays raw: the writer appends to it
    expect(all(dir)).to.deep.equal(before);
    const rangeAfter = journalRange(dir)!;
    expect(rangeAfter.runs).to.deep.equal(rangeBefore.runs);
    expect(rangeAfter.problems).to.deep.equal([]);
    const raw = report.compressed.reduce((n, c) => n + c.rawBytes, 0);
    const disk = report.compressed.reduce((n, c) => n + c.diskBytes!, 0);
    expect(disk / raw).to.be.below(0.3);
    expect(() => checkCoverage(dir, 0, 400)).not.to.throw();
    expect(seqAtTime(dir, 1_700_000_000_000 + 2345, 1)).to.deep.equal({ seq: 234, at: 1_700_000_000_000 + 2340 });
    expect([...readFrames(dir, { fromSeq: 137, toSeq: 141 })].map((f) => f.seq)).to.deep.equal([137, 138, 139, 140, 141]);
    // zstd itself turns a compressed segment back into the raw one (the chunk heads are skippable frames).
    const zst = path.join(journalDir(dir), segs(dir)[0]);
    const unpacked = spawnSync("zstd", ["-d", "-c", zst]);
    if (unpacked.status === 0) expect(unpacked.stdout.length).to.equal(report.compressed[0].rawBytes);
  });

  it("names the file and byte of damage inside a compressed segment", async () => {
    const dir = await journal(200, 4 << 10);
    await compactJournal(dir, { floorSeq: null });
    const file = path.join(journalDir(dir), segs(dir)[1]);
    const bytes = fs.readFileSync(file);
    bytes[CHUNK_HEAD_BYTES + 5] ^= 0xff;
    fs.writeFileSync(file, bytes);
    let error: unknown;
    try { all(dir); } catch (e) { error = e; }
    expect(error).to.be.instanceOf(BackupError);
    expect((error as BackupError).code).to.equal("JOURNAL_CORRUPT");
    expect((error as Error).message).to.contain(path.basename(file)).and.contain("checksum mismatch in a compressed chunk");
    expect(journalRange(dir)!.problems.join("\n")).to.contain(path.basename(file));
  });

  it("reads whole in every state a crash of compaction leaves, and a later run finishes it", async () => {
    const dir = await journal(300, 4 << 10);
    const before = all(dir);
    const [first, second] = segs(dir).map((n) => path.join(journalDir(dir), n));
    // Both forms of one segment (killed between publishing the compressed file and removing the raw one).
    const copy = first + ".copy";
    fs.copyFileSync(first, copy);
    await compressSegment(first);
    fs.renameSync(copy, first);
    // A half-written temp of a dead process.
    fs.writeFileSync(`${second}.zst.tmp-999999-abcdef12`, "half");
    expect(all(dir)).to.deep.equal(before);
    const report = await compactJournal(dir, { floorSeq: null });
    expect(all(dir)).to.deep.equal(before);
    expect(segs(dir).some((n) => n.includes(".tmp-"))).to.equal(false);
    expect(fs.existsSync(first)).to.equal(false);
    expect(report.compressed.map((c) => c.file)).to.include(path.basename(first) + ".zst");
  });

  it("a reader whose raw segment is compressed away under it reads the compressed one", async () => {
    const dir = await journal(300, 4 << 10);
    const before = all(dir);
    const frames = readFrames(dir);
    const got: Frame[] = [frames.next().value as Frame];
    await compactJournal(dir, { floorSeq: null });
    for (const f of frames) got.push(f);
    expect(got).to.deep.equal(before);
  });

  it("the writer starts a new segment rather than append to a compressed one", async () => {
    const dir = await journal(120, 4 << 10);
    const names = segs(dir);
    // The newest lost (as if it had been removed by recovery): the compressed one before it is now the newest.
    await compactJournal(dir, { floorSeq: null });
    fs.rmSync(path.join(journalDir(dir), segs(dir)[segs(dir).length - 1]));
    const lastKept = all(dir).at(-1)!.seq;
    const w = await JournalWriter.open(dir, { schema, segmentBytes: 4 << 10 });
    await w.append([frame(lastKept + 1)]);
    await w.close();
    expect(segs(dir).length).to.equal(names.length);
    expect(segs(dir).at(-1)).to.match(/\.seg$/);
    expect(all(dir).map((f) => f.seq)).to.deep.equal(Array.from({ length: lastKept + 1 }, (_, i) => i + 1));
  });

  it("removes only the segments that end at or before the floor, oldest first, never the newest", async () => {
    const dir = await journal(300, 4 << 10);
    const range = journalRange(dir)!;
    const floor = range.segments[3].firstSeq + 2; // inside the fourth segment
    const report = await compactJournal(dir, { floorSeq: floor, compress: false });
    expect(report.removed.map((r) => r.firstSeq)).to.deep.equal(range.segments.slice(0, 3).map((s) => s.firstSeq));
    expect([...readFrames(dir)][0].seq).to.equal(range.segments[3].firstSeq);
    const all2 = await compactJournal(dir, { floorSeq: 1_000_000, compress: false });
    expect(journalRange(dir)!.segments).to.have.length(1);
    expect(all2.removed.length).to.equal(range.segments.length - 4);
  });
});
