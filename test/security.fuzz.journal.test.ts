/**
 * Hostile journal files (issue 14, item 4): segments, their frames and their
 * compressed form, as made by the real writer and compaction, then cut at
 * every offset, bit-flipped, overwritten with random bytes, given huge
 * length fields, or rebuilt with valid checksums around crafted contents.
 * Every case is read the three ways the package reads a journal
 * (journalRange, readFrames, the writer's recovery): each either ends in a
 * BackupError or gives back a prefix of the transactions written, never an
 * altered one, within CASE_MS, without allocating more than the file.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import { crc32 } from "node:zlib";
import { Compressor } from "zstd-napi";
import { type Frame, JournalWriter, journalDir, journalRange, readFrames } from "../src/journal";
import { CHUNK_HEAD_BYTES, chunkHead } from "../src/journal/compressedSegment";
import { packr } from "../src/journal/msgpack";
import { recoverJournal } from "../src/journal/recovery";
import { listSegments } from "../src/journal/segment";
import { compressSegment } from "../src/operations/compressSegment";
import { assertProperty, bitsOf, decodeCase, expectError, fuzzDir, hugeLength, runsOf, truncated, withBitsFlipped, withU32 } from "./support/fuzz";

const schema = {
  engine: "sqlite" as const,
  tables: [{ name: "item", primaryKey: ["id"], columns: [{ name: "id", type: "integer", nullable: false }, { name: "name", type: "varchar", nullable: true }, { name: "blob", type: "blob", nullable: true }] }],
};

function frame(seq: number): Frame {
  const after = { id: seq, name: seq % 3 === 0 ? null : `item ${seq} ✓`, blob: seq % 2 === 0 ? Buffer.from([seq, 0, 255]) : null };
  return { seq, at: 1_700_000_000_000 + seq, changes: [{ table: "item", op: "insert", key: { id: seq }, before: null, after }] };
}

/** The chunk of a reader's BufferedReader: allocated whatever the file's size, never driven by a length in it. */
const READ_CHUNK = 1 << 20;

interface Journal {
  /** The store: its first segment (sealed) and its last (newest). */
  store: string;
  sealed: { file: string; bytes: Buffer };
  newest: { file: string; bytes: Buffer };
  frames: Frame[];
}

/** A small journal of two segments, written by the real writer. */
async function smallJournal(): Promise<Journal> {
  const store = fuzzDir("stk-fuzz-journal-");
  const w = await JournalWriter.open(store, { schema, segmentBytes: 1000 });
  for (let seq = 1; seq <= 12; seq++) await w.append([frame(seq)]);
  await w.close();
  const refs = listSegments(journalDir(store));
  expect(refs.length, "segments").to.be.at.least(2);
  const frames = [...readFrames(store)];
  expect(frames.map((f) => f.seq)).to.deep.equal([...Array(12).keys()].map((i) => i + 1));
  const read = (file: string) => ({ file, bytes: fs.readFileSync(file) });
  return { store, sealed: read(refs[0].file), newest: read(refs[refs.length - 1].file), frames };
}

/** Offsets of the u32 length fields of a raw segment: the header's, then each frame's. */
function lengthFields(bytes: Buffer): number[] {
  const out = [8];
  for (let at = 16 + bytes.readUInt32LE(8); at + 8 <= bytes.length; at += 8 + bytes.readUInt32LE(at)) out.push(at);
  return out;
}

/** What the package makes of a journal whose one file is `bytes`: readFrames, journalRange, then the writer's recovery. */
async function readJournal(j: Journal, target: { file: string }, bytes: Buffer, maxAllocation: number, what: string, extra = 0) {
  const restore = [j.sealed, j.newest].map((s) => () => fs.writeFileSync(s.file, s.bytes));
  restore.forEach((r) => r());
  fs.writeFileSync(target.file, bytes);
  const outcome = await decodeCase(what, maxAllocation, () => {
    journalRange(j.store); // gathers damage as problems; throws only what it cannot place
    return [...readFrames(j.store)];
  });
  if (outcome.ok) expectPrefix(outcome.value, j.frames, what, extra);
  await decodeCase(`${what} (recovery)`, maxAllocation, () => recoverJournal(journalDir(j.store)));
  return outcome;
}

/** Damage may end a read early (the tail of the newest segment looks unfinished), never change what is read. */
function expectPrefix(read: Frame[], written: Frame[], what: string, extra: number): void {
  expect(read.length, what).to.be.at.most(written.length + extra);
  const common = Math.min(read.length, written.length);
  expect(read.slice(0, common), what).to.deep.equal(written.slice(0, common));
}

/** A frame with a valid checksum around `body`: damage no checksum can catch, only the decoder. */
function checkedFrame(body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(body.length, 0);
  head.writeUInt32LE(crc32(body) >>> 0, 4);
  return Buffer.concat([head, body]);
}

function v2Body(seq: number, payload: Buffer, flags = 0): Buffer {
  const head = Buffer.alloc(21);
  head.writeBigUInt64LE(BigInt(seq), 0);
  head.writeUInt32LE(0, 8);
  head.writeDoubleLE(1_700_000_000_000, 12);
  head.writeUInt8(flags, 20);
  return Buffer.concat([head, payload]);
}

/** Values msgpack can carry, nested: what a crafted payload may hold where a change list belongs. */
const anyValue = fc.anything({ maxDepth: 3, withBigInt: false, withNullPrototype: true, withTypedArray: true, withDate: true, withMap: true, withSet: true });

describe("security: hostile journal files (fuzz)", function () {
  this.timeout(300_000);
  let j: Journal;

  before(async () => {
    j = await smallJournal();
  });
  after(() => fs.rmSync(j.store, { recursive: true, force: true }));

  describe("a raw segment", () => {
    const bound = () => Math.max(READ_CHUNK, j.sealed.bytes.length, j.newest.bytes.length);

    it("NewestSegmentCutAtEveryOffsetReadsAsAPrefixOfItsTransactions", async () => {
      for (let n = 0; n <= j.newest.bytes.length; n++) {
        const outcome = await readJournal(j, j.newest, truncated(j.newest.bytes, n), bound(), `newest cut to ${n} bytes`);
        // A cut is an unfinished append: the reader stops before it, it never fails.
        expect(outcome.ok, `newest cut to ${n} bytes: ${outcome.ok ? "" : outcome.error.message}`).to.equal(true);
      }
    });

    it("SealedSegmentCutAtEveryOffsetIsAnErrorNamingTheFile", async () => {
      const boundaries = new Set(lengthFields(j.sealed.bytes).slice(2));
      for (let n = 0; n < j.sealed.bytes.length; n++) {
        const outcome = await readJournal(j, j.sealed, truncated(j.sealed.bytes, n), bound(), `sealed cut to ${n} bytes`);
        // Cut between two frames, it reads as whole frames followed by lost seqs: a gap naming both files.
        expectError(outcome, boundaries.has(n) ? "JOURNAL_GAP" : "JOURNAL_CORRUPT", path.basename(j.sealed.file));
      }
    });

    it("FlippedBitsAreAnErrorOrAShorterReadNeverOtherRows", async () => {
      await assertProperty([fc.boolean(), fc.nat()], runsOf(0.3), async (sealed, seed) => {
        const target = sealed ? j.sealed : j.newest;
        const bits = fc.sample(bitsOf(target.bytes), { numRuns: 1, seed })[0];
        const outcome = await readJournal(j, target, withBitsFlipped(target.bytes, bits), bound(), `bits ${bits} of ${path.basename(target.file)}`);
        if (sealed) expectError(outcome, "JOURNAL_CORRUPT");
      });
    });

    it("RandomBytesAreAnErrorOrNothing", async () => {
      await assertProperty([fc.boolean(), fc.uint8Array({ maxLength: 3000 }), fc.boolean()], runsOf(0.15), async (sealed, random, withMagic) => {
        const target = sealed ? j.sealed : j.newest;
        // With the real magic in front, the random bytes reach the header and frame decoders.
        const bytes = withMagic ? Buffer.concat([j.newest.bytes.subarray(0, 8), random]) : Buffer.from(random);
        const outcome = await readJournal(j, target, bytes, bound(), `random bytes as ${path.basename(target.file)}`);
        if (sealed) expectError(outcome, "JOURNAL_CORRUPT");
      });
    });

    it("HugeLengthFieldsFailFastWithoutAllocatingThem", async () => {
      const fields = { sealed: lengthFields(j.sealed.bytes), newest: lengthFields(j.newest.bytes) };
      await assertProperty([fc.boolean(), fc.nat(), hugeLength(j.newest.bytes.length)], runsOf(0.15), async (sealed, pick, value) => {
        const target = sealed ? j.sealed : j.newest;
        const at = (sealed ? fields.sealed : fields.newest)[pick % (sealed ? fields.sealed : fields.newest).length];
        if (value === target.bytes.readUInt32LE(at)) return;
        const outcome = await readJournal(j, target, withU32(target.bytes, at, value), bound(), `length ${value} at ${at} of ${path.basename(target.file)}`);
        if (sealed) expectError(outcome, "JOURNAL_CORRUPT");
      });
    });

    it("ASealedSegmentCutRightAfterItsHeaderIsCorruptNotAGap", async () => {
      // Regression: it was JOURNAL_GAP "missing seqs 1..6", as if the file were lost; FORMAT.md says damage.
      const headerEnd = 16 + j.sealed.bytes.readUInt32LE(8);
      const outcome = await readJournal(j, j.sealed, truncated(j.sealed.bytes, headerEnd), bound(), "sealed cut after its header");
      expect(expectError(outcome, "JOURNAL_CORRUPT", path.basename(j.sealed.file)).message).to.contain(`damaged at byte ${headerEnd}: segment holds no frames`);
    });

    it("AHugeHeaderLengthSaysSoAndNamesTheFile", async () => {
      const outcome = await readJournal(j, j.sealed, withU32(j.sealed.bytes, 8, 0xffff_ffff), bound(), "header length 0xffffffff");
      expect(expectError(outcome, "JOURNAL_CORRUPT", path.basename(j.sealed.file)).message).to.match(/header length 4294967295/);
    });

    it("CraftedFrameBodiesWithValidChecksumsAreJournalCorrupt", async () => {
      const last = j.frames[j.frames.length - 1].seq;
      const body = fc.oneof(
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        // A valid head with the next seq, then a payload that is no change list.
        fc.tuple(anyValue, fc.constantFrom(0, 1, 2, 0x80)).map(([v, flags]) => v2Body(last + 1, packr.pack(v), flags)),
        fc.uint8Array({ maxLength: 200 }).map((b) => v2Body(last + 1, Buffer.from(b))),
      );
      await assertProperty([body], runsOf(0.15), async (crafted) => {
        const bytes = Buffer.concat([j.newest.bytes, checkedFrame(crafted)]);
        const outcome = await readJournal(j, j.newest, bytes, bound(), `crafted frame ${crafted.toString("hex").slice(0, 80)}`, 1);
        // A checksum a crash cannot forge: what it holds is damage, or (by chance) a well-formed transaction.
        if (!outcome.ok) expect(outcome.error.code).to.equal("JOURNAL_CORRUPT");
        else if (outcome.value.length > j.frames.length) expect(outcome.value[j.frames.length].changes).to.be.an("array");
      });
    });

    it("CraftedSegmentHeadersWithValidChecksumsAreJournalCorrupt", async () => {
      const valid = packr.unpack(j.sealed.bytes.subarray(16, 16 + j.sealed.bytes.readUInt32LE(8))) as Record<string, unknown>;
      const header = fc.oneof(anyValue, fc.dictionary(fc.constantFrom(...Object.keys(valid)), anyValue).map((over) => ({ ...valid, ...over })));
      await assertProperty([header], runsOf(0.05), async (h) => {
        const payload = packr.pack(h);
        const prefix = Buffer.alloc(16);
        j.sealed.bytes.copy(prefix, 0, 0, 8);
        prefix.writeUInt32LE(payload.length, 8);
        prefix.writeUInt32LE(crc32(payload) >>> 0, 12);
        const bytes = Buffer.concat([prefix, payload, j.sealed.bytes.subarray(16 + j.sealed.bytes.readUInt32LE(8))]);
        await readJournal(j, j.sealed, bytes, bound(), `crafted header ${JSON.stringify(h, (_k, v) => (typeof v === "bigint" ? String(v) : v))?.slice(0, 200)}`);
      });
    });
  });

  describe("a compressed segment", () => {
    let zst: { file: string; bytes: Buffer };
    let compressed: Journal;
    const bound = () => Math.max(READ_CHUNK, j.sealed.bytes.length, j.newest.bytes.length);

    before(async () => {
      for (const s of [j.sealed, j.newest]) fs.writeFileSync(s.file, s.bytes);
      await compressSegment(j.sealed.file);
      zst = { file: j.sealed.file + ".zst", bytes: fs.readFileSync(j.sealed.file + ".zst") };
      expect([...readFrames(j.store)]).to.deep.equal(j.frames);
      // The raw file is gone: each case rewrites the compressed one and the newest.
      compressed = { ...j, sealed: zst };
    });
    after(() => {
      fs.rmSync(zst.file, { force: true });
      fs.writeFileSync(j.sealed.file, j.sealed.bytes);
    });

    it("CutAtEveryOffsetIsJournalCorrupt", async () => {
      for (let n = 0; n < zst.bytes.length; n++) {
        const outcome = await readJournal(compressed, zst, truncated(zst.bytes, n), bound(), `compressed cut to ${n} bytes`);
        expectError(outcome, "JOURNAL_CORRUPT", path.basename(zst.file));
      }
    });

    it("FlippedBitsAreJournalCorrupt", async () => {
      await assertProperty([fc.nat()], runsOf(0.5), async (seed) => {
        const bits = fc.sample(bitsOf(zst.bytes), { numRuns: 1, seed })[0];
        expectError(await readJournal(compressed, zst, withBitsFlipped(zst.bytes, bits), bound(), `bits ${bits} of the compressed segment`), "JOURNAL_CORRUPT");
      });
    });

    it("RandomBytesAreJournalCorrupt", async () => {
      await assertProperty([fc.uint8Array({ maxLength: 2000 }), fc.boolean()], runsOf(0.25), async (random, withHead) => {
        const bytes = withHead ? Buffer.concat([zst.bytes.subarray(0, CHUNK_HEAD_BYTES), random]) : Buffer.from(random);
        expectError(await readJournal(compressed, zst, bytes, bound(), "random compressed bytes"), "JOURNAL_CORRUPT");
      });
    });

    it("HugeChunkLengthsFailFastWithoutAllocatingThem", async () => {
      await assertProperty([fc.constantFrom(8, 12), hugeLength(zst.bytes.length)], runsOf(0.25), async (at, value) => {
        if (value === zst.bytes.readUInt32LE(at)) return;
        expectError(await readJournal(compressed, zst, withU32(zst.bytes, at, value), bound(), `chunk length ${value} at ${at}`), "JOURNAL_CORRUPT");
      });
    });

    it("AChunkThatUnpacksToMoreThanItsHeadSaysStopsAtItsLength", async () => {
      // A valid checksum around 64 MiB of zeros packed into a few kilobytes, under a head that says 1 MiB.
      const bomb = new Compressor().compress(Buffer.alloc(64 << 20));
      const bytes = Buffer.concat([chunkHead(bomb, 1 << 20), bomb]);
      const outcome = await readJournal(compressed, zst, bytes, 1 << 20, "a chunk that unpacks to 64 MiB");
      expect(expectError(outcome, "JOURNAL_CORRUPT", path.basename(zst.file)).message).to.match(/more than 1048576/);
    });

    it("AChunkHeadClaimingMoreThanItsBytesCanHoldFailsBeforeUnpacking", async () => {
      const small = withU32(zst.bytes, 12, 64 << 20);
      const outcome = await readJournal(compressed, zst, small, bound(), "a chunk head claiming 64 MiB");
      expect(expectError(outcome, "JOURNAL_CORRUPT").message).to.match(/more than its \d+ packed bytes can/);
    });
  });
});
