/**
 * Hostile snapshot files (issue 14, item 4): a small snapshot made by the
 * real writer, cut at every offset, bit-flipped, overwritten with random
 * bytes, given huge length fields, or rebuilt with valid checksums around
 * crafted contents, then read as `list` (open: prefix, footer, trailer) and
 * `verify` / restore (every block) read it. A snapshot has no torn tail to
 * forgive and every byte is under a checksum, so every damaged case must be
 * SNAPSHOT_CORRUPT naming the file and a byte offset; crafted contents with
 * valid checksums may only ever fail with a BackupError. Within CASE_MS, and
 * no allocation beyond what the file's own bytes can hold.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import { crc32 } from "node:zlib";
import { Compressor } from "zstd-napi";
import { SnapshotReader, SnapshotWriter, verify } from "../src/snapshot";
import { blockCrc } from "../src/snapshot/blocks";
import { BLOCK_HEADER_BYTES, BlockType, FOOTER_BYTES, PREFIX_BYTES } from "../src/snapshot/format";
import { pack } from "../src/snapshot/rowPacking";
import { assertProperty, bitsOf, decodeCase, expectError, fuzzDir, hugeLength, largestAllocation, runsOf, truncated, withBitsFlipped, withU32 } from "./support/fuzz";

const schema = {
  engine: "sqlite" as const,
  tables: [
    { name: "item", primaryKey: ["id"], columns: [{ name: "id", type: "integer", nullable: false }, { name: "name", type: "varchar", nullable: true }] },
    { name: "empty", primaryKey: ["id"], columns: [{ name: "id", type: "integer", nullable: false }] },
    { name: "line", primaryKey: ["id"], columns: [{ name: "id", type: "integer", nullable: false }, { name: "qty", type: "real", nullable: true }] },
  ],
};

interface Block { offset: number; type: number; length: number }

/** The blocks of a snapshot, walked the way FORMAT.md lays them out. */
function blocksOf(bytes: Buffer): Block[] {
  const end = Number(bytes.readBigUInt64LE(bytes.length - FOOTER_BYTES));
  const out: Block[] = [];
  for (let at = PREFIX_BYTES + bytes.readUInt32LE(8); at <= end; at += BLOCK_HEADER_BYTES + bytes.readUInt32LE(at)) {
    out.push({ offset: at, type: bytes[at + 8], length: bytes.readUInt32LE(at) });
  }
  return out;
}

/** Values msgpack can carry, nested (bigints within 64 bits: msgpack has no others). */
const anyValue = fc.anything({ maxDepth: 3, withNullPrototype: true, withTypedArray: true, withDate: true, withMap: true, withSet: true });

describe("security: hostile snapshot files (fuzz)", function () {
  this.timeout(300_000);
  let dir: string;
  let file: string;
  let valid: Buffer;
  let blocks: Block[];
  let rows: unknown[];
  /** The largest buffer a read of the valid file takes: damage must never make a read take more. */
  let baseline: number;

  /** What `verify` makes of `bytes` as the snapshot file. */
  async function read(bytes: Buffer, what: string, maxAllocation = Math.max(baseline, bytes.length)) {
    fs.writeFileSync(file, bytes);
    return decodeCase(what, maxAllocation, async () => {
      await verify(file);
      const r = await SnapshotReader.open(file);
      try {
        const out: unknown[] = [];
        for await (const b of r.rawBatches()) out.push([b.table.name, b.rows]);
        return out;
      } finally {
        await r.close();
      }
    });
  }

  async function expectCorrupt(bytes: Buffer, what: string) {
    const error = expectError(await read(bytes, what), "SNAPSHOT_CORRUPT", path.basename(file));
    expect(error.message, what).to.match(/byte \d+/);
  }

  /** `bytes` with the block at `b` replaced by a block of `type` around `body`, its checksum valid, and the offsets after it kept right. */
  function withBlock(b: Block, type: number, body: Buffer): Buffer {
    const head = Buffer.alloc(BLOCK_HEADER_BYTES);
    head.writeUInt32LE(body.length, 0);
    head.writeUInt32LE(blockCrc(type, body), 4);
    head.writeUInt8(type, 8);
    const before = valid.subarray(0, b.offset);
    const after = valid.subarray(b.offset + BLOCK_HEADER_BYTES + b.length);
    const out = Buffer.concat([before, head, body, after]);
    const shift = body.length - b.length;
    const footer = out.length - FOOTER_BYTES;
    out.writeBigUInt64LE(out.readBigUInt64LE(footer) + BigInt(shift), footer);
    return out;
  }

  before(async () => {
    dir = fuzzDir("stk-fuzz-snap-");
    file = path.join(dir, "fuzzed.snap");
    const w = await SnapshotWriter.create(file, { kind: "manual", name: "fuzz", createdAt: Date.UTC(2026, 0, 1), seq: 7, schema }, { batchRows: 3 });
    await w.beginTable("item");
    await w.writeRows(Array.from({ length: 7 }, (_, i) => ({ id: i + 1, name: i % 2 ? `item ${i}` : null })));
    await w.endTable();
    await w.beginTable("empty");
    await w.endTable();
    await w.beginTable("line");
    await w.writeRows([{ id: 1, qty: 1.5 }, { id: 2, qty: -0 }]);
    await w.endTable();
    await w.finish();
    valid = fs.readFileSync(file);
    blocks = blocksOf(valid);
    expect(blocks[blocks.length - 1].type).to.equal(BlockType.trailer);
    const measured = await read(valid, "the valid file", Infinity);
    expect(measured.ok).to.equal(true);
    rows = (measured as { value: unknown[] }).value;
    baseline = (await largestAllocation(() => verify(file))).largest;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("ReadsTheValidFileWhole", () => {
    expect(rows.length).to.be.greaterThan(3);
    expect(valid.length).to.be.below(2000);
  });

  it("CutAtEveryOffsetIsSnapshotCorrupt", async () => {
    for (let n = 0; n < valid.length; n++) await expectCorrupt(truncated(valid, n), `cut to ${n} bytes`);
  });

  it("FlippedBitsAreSnapshotCorrupt", async () => {
    await assertProperty([bitsOf(Buffer.alloc(2000))], runsOf(0.35), async (bits) => {
      const inFile = bits.map((b) => b % (valid.length * 8));
      if (new Set(inFile).size !== inFile.length) return;
      await expectCorrupt(withBitsFlipped(valid, inFile), `bits ${inFile}`);
    });
  });

  it("RandomBytesAreSnapshotCorrupt", async () => {
    await assertProperty([fc.uint8Array({ maxLength: 3000 }), fc.boolean()], runsOf(0.15), async (random, withMagic) => {
      const bytes = withMagic ? Buffer.concat([valid.subarray(0, 8), random, valid.subarray(valid.length - 8)]) : Buffer.from(random);
      await expectCorrupt(bytes, `random bytes ${Buffer.from(random).toString("hex").slice(0, 60)}`);
    });
  });

  it("HugeLengthFieldsFailFastWithoutAllocatingThem", async () => {
    // The header's length, every block's, and the footer's u64 offset (low and high half).
    const fields = [8, ...blocks.map((b) => b.offset), valid.length - FOOTER_BYTES, valid.length - FOOTER_BYTES + 4];
    await assertProperty([fc.constantFrom(...fields), hugeLength(valid.length)], runsOf(0.2), async (at, value) => {
      if (value === valid.readUInt32LE(at)) return;
      await expectCorrupt(withU32(valid, at, value), `length ${value} at ${at}`);
    });
  });

  it("AHugeHeaderLengthSaysItRunsPastTheFile", async () => {
    const error = expectError(await read(withU32(valid, 8, 0xffff_ffff), "header length 0xffffffff"), "SNAPSHOT_CORRUPT");
    expect(error.message).to.match(/header length 4294967295 runs past the end of the file \(at byte 8\)/);
  });

  it("ABlockWhoseZstdFrameClaimsGigabytesFailsWithoutAllocatingThem", async () => {
    // Regression: a block's zstd frame states its unpacked size, and the reader allocated what it stated.
    const rowsBlock = blocks.find((b) => b.type === BlockType.rows)!;
    const frame = new Compressor().compress(pack([1, "x"]));
    const mostItCanHold = withContentSize(frame, 0).length * 32 * 1024;
    for (const size of [0xffff_ffff, 64 << 20, mostItCanHold + 1]) {
      const bytes = withBlock(rowsBlock, BlockType.rows, withContentSize(frame, size));
      const error = expectError(await read(bytes, `a zstd frame claiming ${size} bytes`), "SNAPSHOT_CORRUPT", `at byte ${rowsBlock.offset}`);
      expect(error.message).to.contain(`says it unpacks to ${size} bytes`);
    }
  });

  it("CraftedHeadersWithValidChecksumsFailOnlyAsBackupErrors", async () => {
    const header = fc.oneof(anyValue, fc.record({ version: fc.constant(1), kind: fc.constantFrom("manual", "x"), name: fc.string(), createdAt: fc.double(), seq: fc.double(), engine: fc.string(), fingerprint: fc.string(), schema: anyValue, ddl: anyValue }, { requiredKeys: [] }));
    const rest = valid.subarray(PREFIX_BYTES + valid.readUInt32LE(8));
    await assertProperty([header], runsOf(0.1), async (h) => {
      const payload = pack(h);
      const prefix = Buffer.from(valid.subarray(0, PREFIX_BYTES));
      prefix.writeUInt32LE(payload.length, 8);
      prefix.writeUInt32LE(crc32(payload) >>> 0, 12);
      // The footer's offset follows the header's new length.
      const bytes = Buffer.concat([prefix, payload, rest]);
      const footer = bytes.length - FOOTER_BYTES;
      bytes.writeBigUInt64LE(bytes.readBigUInt64LE(footer) + BigInt(payload.length - valid.readUInt32LE(8)), footer);
      await read(bytes, `crafted header`);
    });
  });

  it("ATableStartOrEndHoldingNoMapIsSnapshotCorrupt", async () => {
    // Regression: a table end (or start) block whose payload is nil or empty, under a valid checksum, threw a TypeError.
    for (const b of blocks.filter((x) => x.type === BlockType.tableStart || x.type === BlockType.tableEnd)) {
      for (const payload of [Buffer.alloc(0), pack(null), pack(7)]) {
        const error = expectError(await read(withBlock(b, b.type, new Compressor().compress(payload)), `a block of type ${b.type} holding ${payload.toString("hex")}`), "SNAPSHOT_CORRUPT", `at byte ${b.offset}`);
        expect(error.message).to.match(/undecodable content: (block payload is not a map|.*end)/i);
      }
    }
  });

  it("CraftedBlocksWithValidChecksumsFailOnlyAsBackupErrors", async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      anyValue.map((v) => new Compressor().compress(pack(v))),
      fc.array(anyValue, { maxLength: 5 }).map((vs) => new Compressor().compress(Buffer.concat(vs.map((v) => pack(v))))),
    );
    await assertProperty([fc.constantFrom(...blocks), fc.constantFrom(1, 2, 3, 4, 9), body], runsOf(0.2), async (b, type, crafted) => {
      await read(withBlock(b, type, crafted), `crafted block of type ${type} at ${b.offset}`);
    });
  });
});

/**
 * `frame` (one zstd frame whose header records a 1-byte content size field,
 * as zstd writes for small inputs) with its Frame_Content_Size rewritten to
 * 4 bytes holding `size`: the descriptor's size flag 2, the window byte
 * kept or dropped as single-segment requires.
 */
function withContentSize(frame: Buffer, size: number): Buffer {
  const descriptor = frame[4];
  const single = (descriptor & 0x20) !== 0;
  const fcsFlag = descriptor >> 6;
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag];
  const headerEnd = 5 + (single ? 0 : 1) + [0, 1, 2, 4][descriptor & 3] + fcsBytes;
  const fcs = Buffer.alloc(4);
  fcs.writeUInt32LE(size, 0);
  const newDescriptor = (descriptor & 0x3f) | (2 << 6);
  return Buffer.concat([frame.subarray(0, 4), Buffer.of(newDescriptor), frame.subarray(5, headerEnd - fcsBytes), fcs, frame.subarray(headerEnd)]);
}
