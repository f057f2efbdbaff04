import { expect } from "chai";
import fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type ColumnValue, type DatabaseSchema, type Frame, type RowChange, JournalWriter, journalDir, journalRange, readFrames } from "../src/journal";

const schema: DatabaseSchema = { engine: "postgres", tables: [{ name: "t", columns: [{ name: "id", type: "int8", nullable: false }], primaryKey: ["id"] }] };

/** Values in the canonical form the journal promises to return unchanged (bigint only beyond 2^53). */
const value: fc.Arbitrary<ColumnValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(), // includes -0, NaN, Infinity
  fc.maxSafeInteger(),
  fc.bigInt({ min: 2n ** 53n + 1n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) - 1n }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
);
const columnName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/).filter((k) => k !== "__proto__");
const row = fc.dictionary(columnName, value, { maxKeys: 6 });
const change: fc.Arbitrary<RowChange> = fc.record({
  table: fc.constantFrom("t", "u", "item_tag"),
  op: fc.constantFrom("insert" as const, "update" as const, "delete" as const),
  key: row,
  before: fc.option(row, { nil: null }),
  after: fc.option(row, { nil: null }),
});
const journal = fc.record({
  bodies: fc.array(fc.record({ at: fc.integer({ min: 0, max: 2 ** 45 }), changes: fc.array(change, { maxLength: 4 }) }), { minLength: 1, maxLength: 40 }),
  batchSizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
  segmentBytes: fc.constantFrom(256, 2048, 1 << 20),
  cut: fc.double({ min: 0, max: 1, noNaN: true }),
  /** A crash right after a whole write leaves a frame boundary: make sure that case comes up. */
  onBoundary: fc.boolean(),
});

/** Byte offset of each frame in a segment, read the way FORMAT.md says. */
function frameOffsets(file: string): number[] {
  const b = fs.readFileSync(file);
  const offsets: number[] = [];
  for (let at = 16 + b.readUInt32LE(8); at < b.length; at += 8 + b.readUInt32LE(at)) offsets.push(at);
  return offsets;
}

describe("journal: property", () => {
  it("AnyTruncationOfTheNewestSegmentLeavesAPrefixAndAppendingContinues", async () => {
    await fc.assert(
      fc.asyncProperty(journal, async ({ bodies, batchSizes, segmentBytes, cut, onBoundary }) => {
        const frames: Frame[] = bodies.map((b, i) => ({ seq: i + 1, ...b }));
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "journal-prop-"));
        try {
          const w = await JournalWriter.open(dir, { schema, segmentBytes });
          for (let i = 0, b = 0; i < frames.length; i += batchSizes[b++ % batchSizes.length]) {
            await w.append(frames.slice(i, i + batchSizes[b % batchSizes.length]));
          }
          await w.sync();
          await w.close();
          expect([...readFrames(dir)]).to.deep.equal(frames);
          expect(journalRange(dir)).to.include({ firstSeq: 1, lastSeq: frames.length });

          // A crash cuts the newest segment anywhere, even inside its header.
          const names = fs.readdirSync(journalDir(dir)).filter((n) => n.endsWith(".seg")).sort();
          const newest = path.join(journalDir(dir), names[names.length - 1]);
          const size = fs.statSync(newest).size;
          const frameEnds = frameOffsets(newest).slice(1).concat(size);
          const keep = onBoundary ? frameEnds[Math.min(frameEnds.length - 1, Math.floor(cut * frameEnds.length))] : Math.floor(cut * size);
          const kept = frameEnds.filter((end) => end <= keep).at(-1);
          fs.truncateSync(newest, keep);

          const survived = [...readFrames(dir)];
          expect(survived).to.deep.equal(frames.slice(0, survived.length));
          expect(survived.length).to.be.at.least(Number(names[names.length - 1].slice(0, 16)) - 1);
          expect(fs.statSync(newest).size, "readers never trim").to.equal(keep);

          const again = await JournalWriter.open(dir, { schema, segmentBytes });
          expect(again.lastSeq).to.equal(survived.length);
          // Cut on a frame boundary: nothing to repair. Otherwise the partial frame
          // goes, or the whole segment when not one frame of it survived.
          expect(again.recovered).to.deep.equal(
            kept === keep ? null : { file: newest, offset: kept ?? 0, bytesTrimmed: keep - (kept ?? 0) },
          );
          expect(await again.append(frames)).to.equal(frames.length - survived.length);
          await again.close();
          expect([...readFrames(dir)]).to.deep.equal(frames);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 150 },
    );
  });
});
