import { expect } from "chai";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { crc32 } from "node:zlib";
import { BackupError } from "../src/errors";
import { releaseLockFile, tryLockFile } from "../src/journal/lock";
import { encodeFrame, encodeSegmentHeader } from "../src/journal/codec";
import {
  type ColumnValue,
  type DatabaseSchema,
  type Frame,
  JournalWriter,
  journalDir,
  journalRange,
  readFrames,
  schemaFingerprint,
  segmentFileName,
  segmentHeaders,
  headerForSeq,
} from "../src/journal";

const schema: DatabaseSchema = {
  engine: "sqlite",
  tables: [{ name: "item", columns: [{ name: "id", type: "integer", nullable: false }, { name: "name", type: "varchar", nullable: true }], primaryKey: ["id"] }],
};
const schema2: DatabaseSchema = { ...schema, tables: [...schema.tables, { name: "tag", columns: [{ name: "id", type: "integer", nullable: false }], primaryKey: ["id"] }] };

function frame(seq: number, extra: Record<string, ColumnValue> = {}): Frame {
  return {
    seq,
    at: 1_700_000_000_000 + seq * 10,
    changes: [{ table: "item", op: "insert", key: { id: seq }, before: null, after: { id: seq, name: `item ${seq}`, ...extra } }],
  };
}
const frames = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => frame(from + i));

function tmpStore(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "journal-test-"));
}
function seg(store: string, firstSeq = 1): string {
  return path.join(journalDir(store), segmentFileName(firstSeq));
}
async function store(framesToWrite: Frame[], options: { segmentBytes?: number } = {}): Promise<string> {
  const dir = tmpStore();
  const w = await JournalWriter.open(dir, { schema, ...options });
  for (const f of framesToWrite) await w.append([f]); // one at a time, so segmentBytes can rotate
  await w.close();
  return dir;
}
/** Byte offset of each frame in a segment, read the way FORMAT.md says. */
function frameOffsets(file: string): number[] {
  const b = fs.readFileSync(file);
  const offsets: number[] = [];
  for (let at = 16 + b.readUInt32LE(8); at < b.length; at += 8 + b.readUInt32LE(at)) offsets.push(at);
  return offsets;
}
function rawFrame(payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32(payload) >>> 0, 4);
  return Buffer.concat([head, payload]);
}
const seqs = (dir: string, o = {}) => [...readFrames(dir, o)].map((f) => f.seq);

async function rejects(p: Promise<unknown> | (() => unknown), code: string): Promise<BackupError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).to.be.instanceOf(BackupError);
    expect((e as BackupError).code).to.equal(code);
    return e as BackupError;
  }
  throw new Error(`expected a ${code} error`);
}

describe("journal: values", () => {
  it("RoundTripsEveryValueType", async () => {
    const values: Record<string, ColumnValue> = {
      nil: null, yes: true, no: false, zero: 0, negZero: -0, small: -1, int32: 2 ** 31, big: -(2 ** 40), max: Number.MAX_SAFE_INTEGER,
      float: 0.1 + 0.2, tiny: 5e-324, inf: Infinity, nan: NaN,
      int64max: 9223372036854775807n, int64min: -9223372036854775808n, uint64max: 18446744073709551615n, justBeyond: 2n ** 53n + 1n,
      text: "héllo wörld 🎉 日本語", empty: "", emptyBuf: Buffer.alloc(0), bytes: Buffer.from([0, 1, 254, 255]),
    };
    const dir = await store([frame(1, values), frame(2, { bytes: Buffer.from("second") })]);
    const [got, second] = [...readFrames(dir)];
    const after = got.changes[0].after!;
    for (const [k, want] of Object.entries(values)) {
      const v = after[k];
      if (Buffer.isBuffer(want)) {
        expect(Buffer.isBuffer(v), k).to.equal(true);
        expect((v as Buffer).equals(want), k).to.equal(true);
      } else {
        expect(typeof v, k).to.equal(typeof want);
        expect(Object.is(v, want), `${k}: ${String(v)} vs ${String(want)}`).to.equal(true);
      }
    }
    expect(after.empty).to.equal("");
    expect(after.nil).to.equal(null);
    // Buffers are copies, not views of the reader's reused chunk.
    expect((second.changes[0].after!.bytes as Buffer).toString()).to.equal("second");
    expect((after.bytes as Buffer).equals(Buffer.from([0, 1, 254, 255]))).to.equal(true);
  });

  it("BigIntInsideTheSafeRangeComesBackAsNumber (the canonical form)", async () => {
    const dir = await store([frame(1, { a: 5n, b: -(2n ** 53n), c: 2n ** 53n + 1n })]);
    const after = [...readFrames(dir)][0].changes[0].after!;
    expect(after.a).to.equal(5);
    expect(after.b).to.equal(-(2 ** 53));
    expect(after.c).to.equal(2n ** 53n + 1n);
  });

  it("ValuesTheFormatCannotHoldAreRefused", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema });
    const e = await rejects(w.append([frame(1, { huge: 2n ** 64n })]), "BAD_INPUT");
    expect(e.message).to.contain("frames 1..1");
    await rejects(w.append([frame(1, JSON.parse('{"__proto__": 1}'))]), "BAD_INPUT");
    expect(w.lastSeq).to.equal(0);
    expect(await w.append([frame(1)])).to.equal(1);
    await w.close();
  });

  it("SchemaFingerprintIgnoresListingOrderButNotMeaning", () => {
    const reordered: DatabaseSchema = { engine: "sqlite", tables: [...schema2.tables].reverse().map((t) => ({ ...t, columns: [...t.columns].reverse() })) };
    expect(schemaFingerprint(reordered)).to.equal(schemaFingerprint(schema2));
    expect(schemaFingerprint(schema2)).to.match(/^[0-9a-f]{64}$/);
    const retyped = JSON.parse(JSON.stringify(schema)) as DatabaseSchema;
    retyped.tables[0].columns[1].type = "text";
    expect(schemaFingerprint(retyped)).to.not.equal(schemaFingerprint(schema));
    expect(schemaFingerprint({ ...schema, engine: "postgres" })).to.not.equal(schemaFingerprint(schema));
  });
});

describe("journal: crash recovery", () => {
  it("TruncatedTrailingRecordIsIgnored", async () => {
    const dir = await store(frames(1, 3));
    const file = seg(dir);
    const third = frameOffsets(file)[2];
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 5);
    expect(seqs(dir)).to.deep.equal([1, 2]);
    expect(fs.statSync(file).size, "readers do not trim").to.equal(size - 5);

    const w = await JournalWriter.open(dir, { schema });
    expect(w.recovered).to.deep.equal({ file, offset: third, bytesTrimmed: size - 5 - third });
    expect(w.lastSeq).to.equal(2);
    expect(w.lastAt).to.equal(frame(2).at);
    expect(fs.statSync(file).size).to.equal(third);
    expect(await w.append(frames(3, 4))).to.equal(2);
    await w.close();
    expect(seqs(dir)).to.deep.equal([1, 2, 3, 4]);
  });

  it("TruncatedFrameHeaderIsIgnored", async () => {
    const dir = await store(frames(1, 2));
    fs.appendFileSync(seg(dir), Buffer.from([7, 0, 0]));
    expect(seqs(dir)).to.deep.equal([1, 2]);
    const w = await JournalWriter.open(dir, { schema });
    expect(w.recovered?.bytesTrimmed).to.equal(3);
    await w.close();
  });

  it("BadLengthAtEndIsIgnored", async () => {
    const dir = await store(frames(1, 3));
    const file = seg(dir);
    const third = frameOffsets(file)[2];
    const b = fs.readFileSync(file);
    b.writeUInt32LE(1_000_000, third);
    fs.writeFileSync(file, b);
    expect(seqs(dir)).to.deep.equal([1, 2]);
    const w = await JournalWriter.open(dir, { schema });
    expect(w.recovered).to.deep.equal({ file, offset: third, bytesTrimmed: b.length - third });
    expect(w.lastSeq).to.equal(2);
    await w.close();
  });

  it("ChecksumMismatchInTheLastFrameIsDamageToReaders", async () => {
    const dir = await store(frames(1, 3));
    const file = seg(dir);
    const b = fs.readFileSync(file);
    b[b.length - 1] ^= 0xff;
    fs.writeFileSync(file, b);
    // A frame of its full length was written whole once: a reader cannot tell a crash from a flipped bit.
    const e = await rejects(() => [...readFrames(dir)], "JOURNAL_CORRUPT");
    expect(e.message).to.contain("checksum mismatch in the last frame").and.contain("expected seq 3");
    expect(seqs(dir, { toSeq: 2 }), "restores that stop before it still read").to.deep.equal([1, 2]);
  });

  it("ChecksumMismatchInTheLastFrameIsCutOnlyWhenTheDatabaseStillHoldsIt", async () => {
    const dir = await store(frames(1, 3));
    const file = seg(dir);
    const third = frameOffsets(file)[2];
    const b = fs.readFileSync(file);
    b[b.length - 1] ^= 0xff;
    fs.writeFileSync(file, b);
    await rejects(JournalWriter.open(dir, { schema }), "JOURNAL_CORRUPT"); // no database to ask
    const pruned = await rejects(JournalWriter.open(dir, { schema, reshippableFrom: 4 }), "JOURNAL_CORRUPT");
    expect(pruned.message).to.contain("no longer holds seqs 3..3");
    expect(fs.readFileSync(file).equals(b), "nothing was cut").to.equal(true);
    const w = await JournalWriter.open(dir, { schema, reshippableFrom: 3 });
    expect(w.lastSeq).to.equal(2);
    expect(w.recovered).to.deep.equal({ file, offset: third, bytesTrimmed: b.length - third });
    await w.close();
  });

  it("ZeroFilledTailIsCutOnlyWhenTheDatabaseStillHoldsIt", async () => {
    const dir = await store(frames(1, 2));
    const file = seg(dir);
    const size = fs.statSync(file).size;
    fs.appendFileSync(file, Buffer.alloc(4096));
    await rejects(() => [...readFrames(dir)], "JOURNAL_CORRUPT");
    await rejects(JournalWriter.open(dir, { schema }), "JOURNAL_CORRUPT");
    const w = await JournalWriter.open(dir, { schema, reshippableFrom: 3 });
    expect(w.recovered).to.deep.equal({ file, offset: size, bytesTrimmed: 4096 });
    await w.close();
  });

  it("TruncatedTailOfTransactionsThatWerePrunedIsAnError", async () => {
    // A file cut short looks like an unfinished append, but the database already
    // pruned seq 3 after it was synced: cutting would lose it for good.
    const dir = await store(frames(1, 3));
    const file = seg(dir);
    fs.truncateSync(file, fs.statSync(file).size - 5);
    const e = await rejects(JournalWriter.open(dir, { schema, reshippableFrom: 4 }), "JOURNAL_CORRUPT");
    expect(e.message).to.contain("no longer holds seqs 3..3");
    const w = await JournalWriter.open(dir, { schema, reshippableFrom: 3 });
    expect(w.lastSeq).to.equal(2);
    await w.close();
  });

  it("ChecksumMismatchInTheMiddleIsAnError", async () => {
    const dir = await store(frames(1, 3));
    const file = seg(dir);
    const second = frameOffsets(file)[1];
    const b = fs.readFileSync(file);
    b[second + 12] ^= 0x01;
    fs.writeFileSync(file, b);
    for (const attempt of [() => [...readFrames(dir)], () => JournalWriter.open(dir, { schema })]) {
      const e = await rejects(attempt, "JOURNAL_CORRUPT");
      expect(e.message).to.contain(file);
      expect(e.message).to.contain(`byte ${second}`);
      expect(e.message).to.contain("checksum mismatch");
      expect(e.message).to.contain("last good seq 1");
      expect(e.message).to.contain("expected seq 2");
    }
    expect(fs.readFileSync(file).equals(b), "nothing was trimmed").to.equal(true);
  });

  it("BadRecordTypeOrUndecodablePayload", async () => {
    // A valid checksum means the bytes are what some writer wrote: never a torn
    // tail, so even as the last frame it is an error, not trimmed.
    const cases: [string, Buffer][] = [
      ["not msgpack", Buffer.from([0xc1])],
      ["truncated msgpack", Buffer.from([0x92, 0x01])],
      ["a string, not a frame", Buffer.from([0xa3, 0x61, 0x62, 0x63])],
      ["a frame with a bad op", Buffer.from(JSON.stringify({ seq: 3 }))],
    ];
    for (const [what, payload] of cases) {
      const dir = await store(frames(1, 2));
      const file = seg(dir);
      const size = fs.statSync(file).size;
      fs.appendFileSync(file, rawFrame(payload));
      const e = await rejects(() => [...readFrames(dir)], "JOURNAL_CORRUPT");
      expect(e.message, what).to.contain(`byte ${size}`);
      expect(e.message, what).to.contain("expected seq 3");
      await rejects(() => JournalWriter.open(dir, { schema }), "JOURNAL_CORRUPT");
      expect(fs.statSync(file).size, what).to.equal(size + 8 + payload.length);
    }
  });

  it("SeqThatDoesNotContinueIsAnError", async () => {
    const dir = await store(frames(1, 2));
    const good = await store(frames(1, 4));
    const fourth = fs.readFileSync(seg(good)).subarray(frameOffsets(seg(good))[3]);
    fs.appendFileSync(seg(dir), fourth);
    const e = await rejects(() => [...readFrames(dir)], "JOURNAL_CORRUPT");
    expect(e.message).to.contain("frame holds seq 4");
    expect(e.message).to.contain("expected seq 3");
    await rejects(() => JournalWriter.open(dir, { schema }), "JOURNAL_CORRUPT");
  });

  it("DamageInAnOlderSegmentIsAnError", async () => {
    const dir = await store(frames(1, 6), { segmentBytes: 200 });
    const [first] = fs.readdirSync(journalDir(dir)).filter((n) => n.endsWith(".seg"));
    const file = path.join(journalDir(dir), first);
    fs.truncateSync(file, fs.statSync(file).size - 3);
    const e = await rejects(() => [...readFrames(dir)], "JOURNAL_CORRUPT");
    expect(e.message).to.contain(file);
    expect(e.message).to.contain("not the newest");
    // The range shows the damage and what can still be read on either side of it.
    const range = journalRange(dir)!;
    expect(range.problems.join("\n")).to.contain(file).and.contain("not the newest");
    expect(range.segments[0].damage).to.contain("not the newest");
    const last = range.runs[range.runs.length - 1];
    expect(last.lastSeq).to.equal(6);
    expect(range.runs.every((r) => r.firstSeq > 1), "seq 1, in the damaged frame, is in no run").to.equal(true);
  });

  it("TornHeaderOfNewSegment", async () => {
    const dir = await store(frames(1, 3));
    const header = encodeSegmentHeader({ version: 1, firstSeq: 4, createdAt: Date.now(), schema, fingerprint: schemaFingerprint(schema) });
    // A crash while segment 4 was being created: part of its header, no frames.
    for (const torn of [header.subarray(0, 5), header.subarray(0, header.length - 4), Buffer.alloc(header.length)]) {
      fs.writeFileSync(seg(dir, 4), torn);
      expect(seqs(dir)).to.deep.equal([1, 2, 3]);
      const w = await JournalWriter.open(dir, { schema: schema2 });
      expect(fs.existsSync(seg(dir, 4))).to.equal(false);
      expect(w.recovered).to.deep.equal({ file: seg(dir, 4), offset: 0, bytesTrimmed: torn.length });
      expect(w.lastSeq).to.equal(3);
      await w.close();
    }
    // A header with nothing after it is removed too, and made again by the next append.
    fs.writeFileSync(seg(dir, 4), header);
    const w = await JournalWriter.open(dir, { schema: schema2 });
    expect(fs.existsSync(seg(dir, 4))).to.equal(false);
    fs.writeFileSync(seg(dir, 4) + ".tmp", header.subarray(0, 9));
    await w.append([frame(4)]);
    await w.close();
    expect(seqs(dir)).to.deep.equal([1, 2, 3, 4]);
    expect(segmentHeaders(dir).map((h) => h.header.fingerprint)).to.deep.equal([schemaFingerprint(schema), schemaFingerprint(schema2)]);
  });

  it("DamagedHeaderWithFramesAfterItIsAnError", async () => {
    const dir = await store(frames(1, 3));
    const file = seg(dir);
    const b = fs.readFileSync(file);
    b[20] ^= 0x10;
    fs.writeFileSync(file, b);
    const e = await rejects(() => JournalWriter.open(dir, { schema }), "JOURNAL_CORRUPT");
    expect(e.message).to.contain("segment header: checksum mismatch");
    expect(fs.statSync(file).size).to.equal(b.length);
  });
});

describe("journal: transactions in parts", () => {
  /** seq as parts of `rows` changes each, the last of them final. */
  function parts(seq: number, count: number, rows = 3): Frame[] {
    return Array.from({ length: count }, (_, p) => ({
      seq,
      at: frame(seq).at,
      changes: Array.from({ length: rows }, (_r, i) => ({ table: "item", op: "insert" as const, key: { id: seq * 1000 + p * rows + i }, before: null, after: { id: seq * 1000 + p * rows + i, name: "p" } })),
      ...(p > 0 ? { part: p } : {}),
      ...(p < count - 1 ? { more: true } : {}),
    }));
  }

  it("ATransactionInPartsReadsBackInOrder", async () => {
    const dir = await store([frame(1), ...parts(2, 4), frame(3)]);
    const read = [...readFrames(dir)];
    expect(read).to.deep.equal([frame(1), ...parts(2, 4), frame(3)]);
    expect(journalRange(dir)).to.include({ firstSeq: 1, lastSeq: 3 });
  });

  it("ReadersStopBeforeATransactionWithoutItsLastPart", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema });
    await w.append([frame(1), ...parts(2, 3).slice(0, 2)]);
    expect(w.lastSeq, "a transaction counts once its last part is in").to.equal(1);
    expect(seqs(dir)).to.deep.equal([1]);
    expect(journalRange(dir)).to.include({ lastSeq: 1 });
    await w.append(parts(2, 3).slice(2));
    expect(w.lastSeq).to.equal(2);
    expect(seqs(dir)).to.deep.equal([1, 2, 2, 2]);
    await w.close();
  });

  it("RecoveryCutsATransactionWithoutItsLastPart", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema });
    await w.append([frame(1)]);
    const end = fs.statSync(seg(dir)).size;
    await w.append(parts(2, 3).slice(0, 2));
    await w.close();
    const again = await JournalWriter.open(dir, { schema, reshippableFrom: 2 });
    expect(again.lastSeq).to.equal(1);
    expect(again.recovered?.offset).to.equal(end);
    expect(await again.append(parts(2, 3))).to.equal(3);
    await again.close();
    expect(seqs(dir)).to.deep.equal([1, 2, 2, 2]);
  });

  it("ShippingAnOpenTransactionAgainFromItsFirstPartReplacesWhatWasWritten", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema });
    await w.append([frame(1), ...parts(2, 3).slice(0, 2)]);
    expect(await w.append(parts(2, 3))).to.equal(3); // a retry after a failed append of the last part
    await w.close();
    expect([...readFrames(dir)]).to.deep.equal([frame(1), ...parts(2, 3)]);
  });

  it("APartOutOfOrderIsRefused", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema });
    const [p0, p1, p2] = parts(2, 3);
    await w.append([frame(1), p0]);
    const size = fs.statSync(seg(dir)).size;
    expect((await rejects(w.append([p2]), "JOURNAL_GAP")).message).to.contain("expected seq 2 part 1");
    expect((await rejects(w.append([frame(3)]), "JOURNAL_GAP")).message).to.contain("expected seq 2 part 1");
    expect(fs.statSync(seg(dir)).size).to.equal(size);
    await w.append([p1, p2]);
    await w.close();
  });

  it("ARotationNeverSplitsATransaction", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema, segmentBytes: 100 });
    for (const f of [frame(1), ...parts(2, 5), frame(3)]) await w.append([f]);
    await w.close();
    expect(fs.readdirSync(journalDir(dir)).filter((n) => n.endsWith(".seg")).sort()).to.deep.equal([segmentFileName(1), segmentFileName(2), segmentFileName(3)]);
    expect(seqs(dir)).to.deep.equal([1, 2, 2, 2, 2, 2, 3]);
  });

  it("ARepeatedPartIsDamage", async () => {
    const dir = await store([frame(1), ...parts(2, 3)]);
    const file = seg(dir);
    const offsets = frameOffsets(file);
    const b = fs.readFileSync(file);
    const part1 = b.subarray(offsets[2], offsets[3]);
    fs.writeFileSync(file, Buffer.concat([b.subarray(0, offsets[3]), part1, b.subarray(offsets[3])]));
    const e = await rejects(() => [...readFrames(dir)], "JOURNAL_CORRUPT");
    expect(e.message).to.contain("part 1 where seq 2 part 2 belongs");
  });

  it("AnOlderSegmentEndingInsideATransactionIsDamage", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema });
    await w.append([frame(1), ...parts(2, 3).slice(0, 2)]);
    await w.close();
    // A later segment starting at seq 2 makes the first one "not the newest".
    const header = encodeSegmentHeader({ version: 2, firstSeq: 2, createdAt: Date.now(), schema, fingerprint: schemaFingerprint(schema) });
    fs.writeFileSync(seg(dir, 2), Buffer.concat([header, encodeFrame(frame(2))]));
    const e = await rejects(() => [...readFrames(dir)], "JOURNAL_CORRUPT");
    expect(e.message).to.contain("has no last part, in a segment that is not the newest");
  });
});

describe("journal: one writer", () => {
  it("SecondWriterIsRefused", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema });
    const e = await rejects(JournalWriter.open(dir, { schema }), "JOURNAL_LOCKED");
    expect(e.message).to.equal(`journal in ${dir} is locked by process ${process.pid}`);
    expect(e.hint).to.be.a("string");
    await w.close();
    expect(fs.existsSync(path.join(journalDir(dir), "LOCK")), "released on close").to.equal(false);
    const again = await JournalWriter.open(dir, { schema });
    await again.close();
  });

  it("StaleLockOfDeadProcessIsTakenOver", async () => {
    const dir = tmpStore();
    fs.mkdirSync(journalDir(dir));
    const lockModule = path.join(__dirname, "..", "src", "journal", "lock.js");
    const child = spawn(process.execPath, ["-e", `require(${JSON.stringify(lockModule)}).JournalLock.acquire(${JSON.stringify(dir)}); console.log("locked"); setInterval(() => {}, 1000);`], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
        child.on("exit", (code) => reject(new Error(`child exited with ${code}`)));
      });
      const e = await rejects(JournalWriter.open(dir, { schema }), "JOURNAL_LOCKED");
      expect(e.message).to.contain(`locked by process ${child.pid}`);
    } finally {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    expect(fs.readFileSync(path.join(journalDir(dir), "LOCK"), "utf8").trim(), "the dead process left its lock").to.equal(`${child.pid} ${os.hostname()}`);
    const w = await JournalWriter.open(dir, { schema });
    expect(fs.readFileSync(path.join(journalDir(dir), "LOCK"), "utf8").trim()).to.equal(`${process.pid} ${os.hostname()}`);
    await w.close();
  });

  it("ALockOfAnotherHostIsHeldUnlessTheTakerHoldsTheShippingLease", async () => {
    // A store on a shared file system: a pid of another host says nothing here, even if that pid lives here.
    const dir = tmpStore();
    fs.mkdirSync(journalDir(dir));
    const file = path.join(journalDir(dir), "LOCK");
    fs.writeFileSync(file, `${process.ppid} another-host.example\n`);
    expect(tryLockFile(file)).to.equal(process.ppid);
    const e = await rejects(JournalWriter.open(dir, { schema }), "JOURNAL_LOCKED");
    expect(e.message).to.contain(`locked by process ${process.ppid}`);
    // The shipping lease says no other process of the database ships: the lock is a dead host's.
    expect(tryLockFile(file, { otherHostsStale: true })).to.equal(null);
    expect(fs.readFileSync(file, "utf8")).to.equal(`${process.pid} ${os.hostname()}\n`);
    releaseLockFile(file);
    expect(fs.existsSync(file)).to.equal(false);
    // A lock of an older version (a pid alone) is judged as before: here, a live pid holds it.
    fs.writeFileSync(file, `${process.ppid}\n`);
    expect(tryLockFile(file, { otherHostsStale: true })).to.equal(process.ppid);
  });
});

describe("journal: appending", () => {
  it("DuplicateFramesAreSkipped", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema });
    expect(w.lastSeq).to.equal(0);
    expect(w.lastAt).to.equal(null);
    expect(await w.append(frames(1, 3))).to.equal(3);
    expect(await w.append(frames(2, 5))).to.equal(2);
    expect(await w.append(frames(1, 5))).to.equal(0);
    expect(w.lastSeq).to.equal(5);
    await w.close();
    // Shipping again after a crash and reopen is just as harmless.
    const again = await JournalWriter.open(dir, { schema });
    expect(await again.append(frames(4, 6))).to.equal(1);
    await again.close();
    expect(seqs(dir)).to.deep.equal([1, 2, 3, 4, 5, 6]);
  });

  it("GapIsRefused", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema });
    await w.append(frames(1, 2));
    const size = fs.statSync(seg(dir)).size;
    const e = await rejects(w.append([frame(4)]), "JOURNAL_GAP");
    expect(e.message).to.contain("frame seq 4").and.contain("expected seq 3");
    await rejects(w.append([frame(3), frame(5)]), "JOURNAL_GAP");
    await rejects(w.append([frame(3), frame(2)]), "JOURNAL_GAP");
    expect(fs.statSync(seg(dir)).size, "a refused batch writes nothing").to.equal(size);
    expect(await w.append([frame(3)])).to.equal(1);
    await w.close();
    await rejects(() => JournalWriter.open(tmpStore(), { schema }).then((x) => x.append([frame(2)]).finally(() => x.close())), "JOURNAL_GAP");
  });

  it("EmptyJournalCanStartAtAGivenSeq", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema, firstSeq: 100 });
    expect(w.lastSeq).to.equal(99);
    await w.append(frames(100, 101));
    await w.close();
    expect(fs.existsSync(seg(dir, 100))).to.equal(true);
    expect(seqs(dir)).to.deep.equal([100, 101]);
    await rejects(() => [...readFrames(dir, { fromSeq: 50 })], "JOURNAL_GAP");
  });

  it("RotationBySizeAndBySchema", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema, segmentBytes: 300 });
    for (let s = 1; s <= 10; s++) await w.append([frame(s)]);
    await w.setSchema(schema); // same fingerprint: no new segment
    await w.append([frame(11)]);
    const bySize = fs.readdirSync(journalDir(dir)).filter((n) => n.endsWith(".seg"));
    expect(bySize.length).to.be.greaterThan(2);
    await w.setSchema(schema2);
    await w.append(frames(12, 13));
    await w.close();

    const range = journalRange(dir)!;
    expect(range.firstSeq).to.equal(1);
    expect(range.lastSeq).to.equal(13);
    expect(range.firstAt).to.equal(frame(1).at);
    expect(range.lastAt).to.equal(frame(13).at);
    expect(range.segments.map((s) => path.basename(s.file))).to.deep.equal([...bySize, segmentFileName(12)]);
    for (const s of range.segments.slice(0, -1)) {
      expect(s.bytes, "a segment is closed once it has reached segmentBytes").to.be.at.least(300);
      expect(s.fingerprint).to.equal(schemaFingerprint(schema));
    }
    const last = range.segments[range.segments.length - 1];
    expect(last).to.include({ firstSeq: 12, lastSeq: 13, frames: 2, fingerprint: schemaFingerprint(schema2) });
    range.segments.forEach((s, i) => i > 0 && expect(s.firstSeq).to.equal(range.segments[i - 1].lastSeq + 1));

    const headers = segmentHeaders(dir);
    expect(headerForSeq(headers, 12)!.header.schema).to.deep.equal(schema2);
    expect(headerForSeq(headers, 11)!.header.schema).to.deep.equal(schema);
    expect(headerForSeq(headers, 0)).to.equal(null);

    // Reopening with yet another schema starts a new segment at the next append.
    const w2 = await JournalWriter.open(dir, { schema });
    await w2.append([frame(14)]);
    await w2.close();
    expect(segmentHeaders(dir).at(-1)!.header).to.include({ firstSeq: 14, fingerprint: schemaFingerprint(schema) });
    expect(seqs(dir)).to.deep.equal(frames(1, 14).map((f) => f.seq));
  });

  it("ClosedWriterRefusesWork", async () => {
    const w = await JournalWriter.open(tmpStore(), { schema });
    await w.close();
    await w.close();
    await rejects(w.append([frame(1)]), "INTERNAL");
  });
});

describe("journal: reading", () => {
  it("ReadFromSeqAndFromTime", async () => {
    const dir = await store(frames(1, 40), { segmentBytes: 400 });
    expect(fs.readdirSync(journalDir(dir)).filter((n) => n.endsWith(".seg")).length).to.be.greaterThan(4);
    const range = (a: number, b: number) => frames(a, b).map((f) => f.seq);
    expect(seqs(dir)).to.deep.equal(range(1, 40));
    expect(seqs(dir, { fromSeq: 17 })).to.deep.equal(range(17, 40));
    expect(seqs(dir, { fromSeq: 17, toSeq: 23 })).to.deep.equal(range(17, 23));
    expect(seqs(dir, { fromSeq: 41 })).to.deep.equal([]);
    // at = base + seq * 10
    const base = 1_700_000_000_000;
    expect(seqs(dir, { fromTime: base + 255 })).to.deep.equal(range(26, 40));
    expect(seqs(dir, { fromTime: base + 260 })).to.deep.equal(range(26, 40));
    expect(seqs(dir, { toTime: base + 35 })).to.deep.equal(range(1, 3));
    expect(seqs(dir, { fromTime: base + 100, toTime: base + 150, toSeq: 13 })).to.deep.equal(range(10, 13));
    expect(seqs(dir, { fromTime: 0 })).to.deep.equal(range(1, 40));
    expect(seqs(dir, { fromTime: base + 10_000 })).to.deep.equal([]);
    await rejects(() => [...readFrames(dir, { fromSeq: Number.NaN })], "BAD_INPUT");
  });

  it("ReadingStopsEarlyWithoutLeakingFiles", async () => {
    const dir = await store(frames(1, 10), { segmentBytes: 300 });
    const before = fs.readdirSync("/proc/self/fd").length;
    for (let i = 0; i < 50; i++) {
      for (const f of readFrames(dir)) if (f.seq === 5) break;
    }
    expect(fs.readdirSync("/proc/self/fd").length).to.be.at.most(before + 1);
  });

  it("MissingSegmentIsAGap", async () => {
    const dir = await store(frames(1, 12), { segmentBytes: 300 });
    const names = fs.readdirSync(journalDir(dir)).filter((n) => n.endsWith(".seg")).sort();
    expect(names.length).to.be.at.least(3);
    fs.rmSync(path.join(journalDir(dir), names[1]));
    const lost = `${Number(names[1].slice(0, 16))}..${Number(names[2].slice(0, 16)) - 1}`;
    const e = await rejects(() => [...readFrames(dir)], "JOURNAL_GAP");
    expect(e.message).to.contain(`missing seqs ${lost}`);
    const range = journalRange(dir)!;
    expect(range.problems.join("\n")).to.contain(`seqs ${lost} are missing`);
    expect(range.runs.map((r) => [r.firstSeq, r.lastSeq])).to.deep.equal([[1, Number(names[1].slice(0, 16)) - 1], [Number(names[2].slice(0, 16)), 12]]);
    // Reading only the part after the gap is fine.
    expect(seqs(dir, { fromSeq: Number(names[2].slice(0, 16)) })).to.deep.equal(frames(Number(names[2].slice(0, 16)), 12).map((f) => f.seq));
  });

  it("EmptyAndMissingStores", async () => {
    const dir = tmpStore();
    expect(journalRange(dir)).to.equal(null);
    expect(seqs(dir)).to.deep.equal([]);
    await rejects(() => [...readFrames(path.join(dir, "nope"))], "NOT_FOUND");
  });

  it("StreamingReadHoldsOneChunkNotTheJournal", async () => {
    const dir = tmpStore();
    const w = await JournalWriter.open(dir, { schema });
    const text = "x".repeat(20_000);
    for (let s = 1; s <= 1200; s += 100) await w.append(frames(s, s + 99).map((f) => ({ ...f, changes: [{ ...f.changes[0], after: { id: f.seq, name: text } }] })));
    await w.close();
    expect(fs.statSync(seg(dir)).size).to.be.greaterThan(20 * 1024 * 1024);
    const base = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let n = 0;
    for (const f of readFrames(dir)) {
      if (++n % 50 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
      expect(f.changes[0].after!.name).to.have.length(20_000);
    }
    expect(n).to.equal(1200);
    expect(peak).to.be.below(8 * 1024 * 1024);
  });
});
