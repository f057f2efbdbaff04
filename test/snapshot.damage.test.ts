/**
 * The damage a snapshot file survives: every test names one failure, and the
 * reader must report it loudly (SNAPSHOT_CORRUPT, naming the file), never
 * read past it (I5). Byte flips and truncations are tried at random offsets
 * of each region with fast-check.
 */
import { expect } from "chai";
import { fork } from "node:child_process";
import * as fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BackupError } from "../src/errors";
import type { DatabaseSchema } from "../src/db/types";
import { listSnapshots, SnapshotReader, SnapshotWriter, verify, type NewSnapshotHeader } from "../src/snapshot";

const schema: DatabaseSchema = {
  engine: "postgres",
  tables: [
    { name: "item", primaryKey: ["id"], columns: ["id", "name", "qty"].map((name) => ({ name, type: "text", nullable: false })) },
    { name: "store", primaryKey: ["id"], columns: ["id", "city"].map((name) => ({ name, type: "text", nullable: true })) },
  ],
};
const header: NewSnapshotHeader = { kind: "daily", name: "daily", createdAt: 1_700_000_000_000, seq: 7, schema };

interface Layout {
  bytes: Buffer;
  /** [start, end) of each region */
  header: [number, number];
  rowBlock: [number, number];
  trailer: [number, number];
  footer: [number, number];
}

/** A small two-table file and where its regions are, found by walking the block lengths of FORMAT.md. */
async function goodFile(dir: string): Promise<Layout> {
  const file = path.join(dir, "good.snap");
  const w = await SnapshotWriter.create(file, header, { batchRows: 10 });
  await w.beginTable("item");
  await w.writeRows(Array.from({ length: 35 }, (_, i) => [i, `item ${i}`, i * 2]));
  await w.endTable();
  await w.beginTable("store");
  await w.writeRows([[1, "Oslo"], [2, null]]);
  await w.endTable();
  await w.finish();
  const bytes = fs.readFileSync(file);
  const dataStart = 16 + bytes.readUInt32LE(8);
  const trailerAt = Number(bytes.readBigUInt64LE(bytes.length - 16));
  let rowBlock: [number, number] | null = null;
  for (let at = dataStart; at < trailerAt; at += 9 + bytes.readUInt32LE(at)) {
    // the second rows block of "item": a block in the middle of a table
    if (bytes[at + 8] === 2 && rowBlock === null && at > dataStart + 40) rowBlock = [at, at + 9 + bytes.readUInt32LE(at)];
  }
  return { bytes, header: [0, dataStart], rowBlock: rowBlock!, trailer: [trailerAt, bytes.length - 16], footer: [bytes.length - 16, bytes.length] };
}

/** open() or a full read must fail with SNAPSHOT_CORRUPT naming the file. */
async function expectCorrupt(file: string): Promise<BackupError> {
  let err: unknown = null;
  try {
    await verify(file);
  } catch (e) {
    err = e;
  }
  expect(err, "damage went unnoticed").to.be.instanceOf(BackupError);
  const e = err as BackupError;
  expect(e.code, e.message).to.equal("SNAPSHOT_CORRUPT");
  expect(e.message).to.contain(file);
  expect(e.message).to.match(/at byte \d+/);
  return e;
}

function flipProperty(dir: string, layout: () => Layout, region: (l: Layout) => [number, number]) {
  let n = 0;
  return fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (pick, mask) => {
    const l = layout();
    const [start, end] = region(l);
    const at = start + (pick % (end - start));
    const damaged = Buffer.from(l.bytes);
    damaged[at] ^= mask;
    const file = path.join(dir, `flipped-${n++}.snap`);
    fs.writeFileSync(file, damaged);
    await expectCorrupt(file);
    fs.rmSync(file);
  });
}

describe("snapshot damage", () => {
  let dir: string;
  let layout: Layout;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stk-snapdmg-"));
    layout = await goodFile(dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("GoodFileVerifies", async () => {
    // The control for every test below: the undamaged bytes read back fine.
    const file = path.join(dir, "copy.snap");
    fs.writeFileSync(file, layout.bytes);
    expect((await verify(file)).rows).to.equal(37);
    expect(layout.rowBlock[0]).to.be.greaterThan(layout.header[1]);
  });

  it("ByteFlippedInHeaderIsDetected", async () => {
    await fc.assert(flipProperty(dir, () => layout, (l) => l.header), { numRuns: 200 });
  });

  it("ByteFlippedInARowBlockIsDetected", async () => {
    await fc.assert(flipProperty(dir, () => layout, (l) => l.rowBlock), { numRuns: 200 });
  });

  it("ByteFlippedInARowBlockPassesOpenButFailsTheRead", async () => {
    // open() is cheap on purpose (no row block is read); the damage must surface while streaming.
    const damaged = Buffer.from(layout.bytes);
    damaged[layout.rowBlock[0] + 20] ^= 0x40;
    const file = path.join(dir, "rowflip.snap");
    fs.writeFileSync(file, damaged);
    const r = await SnapshotReader.open(file);
    const seen: number[] = [];
    const err = await (async () => {
      for await (const b of r.batches()) seen.push(b.rows.length);
    })().then(() => null, (e: unknown) => e);
    await r.close();
    expect((err as BackupError).code).to.equal("SNAPSHOT_CORRUPT");
    expect((err as Error).message).to.contain(`at byte ${layout.rowBlock[0]}`);
    expect(seen).to.deep.equal([10]); // the first block only: nothing past the damage
  });

  it("ByteFlippedInTrailerIsDetected", async () => {
    await fc.assert(flipProperty(dir, () => layout, (l) => l.trailer), { numRuns: 200 });
  });

  it("ByteFlippedInFooterIsDetected", async () => {
    await fc.assert(flipProperty(dir, () => layout, (l) => l.footer), { numRuns: 200 });
  });

  it("ByteFlippedAnywhereIsDetected", async () => {
    await fc.assert(flipProperty(dir, () => layout, (l) => [0, l.bytes.length]), { numRuns: 300 });
  });

  it("TruncatedFileIsDetected", async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: layout.bytes.length - 1 }), async (length) => {
      const file = path.join(dir, `truncated-${n++}.snap`);
      fs.writeFileSync(file, layout.bytes.subarray(0, length));
      await expectCorrupt(file);
      fs.rmSync(file);
    }), { numRuns: 200 });
  });

  it("DuplicatedRowBlockIsDetected", async () => {
    // Every checksum is right, the footer points at the moved trailer: only the
    // table's row count and digest can tell.
    const { bytes, rowBlock, trailer } = layout;
    const block = bytes.subarray(rowBlock[0], rowBlock[1]);
    const copy = Buffer.concat([bytes.subarray(0, rowBlock[1]), block, bytes.subarray(rowBlock[1])]);
    copy.writeBigUInt64LE(BigInt(trailer[0] + block.length), copy.length - 16);
    const file = path.join(dir, "duplicated.snap");
    fs.writeFileSync(file, copy);
    const e = await expectCorrupt(file);
    expect(e.message).to.match(/holds 45 rows where 35 were written/);
  });

  it("InterruptedWriteLeavesNoFile", async () => {
    const store = fs.mkdtempSync(path.join(dir, "store-"));
    const w = await SnapshotWriter.create(path.join(store, "abandoned.snap"), header);
    await w.beginTable("item");
    await w.writeRows(Array.from({ length: 5000 }, (_, i) => [i, "x", i]));
    expect(fs.readdirSync(store)).to.have.length(1);
    expect(fs.readdirSync(store)[0]).to.match(new RegExp(`^abandoned\\.snap\\.tmp-${process.pid}-[0-9a-f]{8}$`));
    await w.abort();
    expect(fs.readdirSync(store)).to.deep.equal([]);
    await w.abort(); // twice is harmless
  });

  it("KilledWriterLeavesNoSnapshot", async () => {
    const store = fs.mkdtempSync(path.join(dir, "killed-"));
    const child = path.join(dir, "writer-child.js");
    fs.writeFileSync(child, `
      const { SnapshotWriter } = require(${JSON.stringify(path.resolve(__dirname, "../src/snapshot"))});
      const fs = require("fs");
      const { basename, dirname, join } = require("path");
      (async () => {
        const w = await SnapshotWriter.create(process.argv[2], JSON.parse(process.argv[3]), { batchRows: 100 });
        await w.beginTable("item");
        for (let i = 0; ; i++) {
          await w.writeRows([[i, "row " + i, i]]);
          // killed once blocks have reached the disk, in the middle of a table
          const dir = dirname(process.argv[2]);
          const temp = fs.readdirSync(dir).find((f) => f.startsWith(basename(process.argv[2]) + ".tmp-" + process.pid + "-"));
          if (i % 1000 === 0 && fs.statSync(join(dir, temp)).size > 0) process.send("writing");
        }
      })();
    `);
    const proc = fork(child, [path.join(store, "killed.snap"), JSON.stringify(header)], { stdio: "ignore" });
    await new Promise<void>((resolve, reject) => {
      proc.once("message", () => { proc.kill("SIGKILL"); });
      proc.on("exit", (_code, signal) => (signal === "SIGKILL" ? resolve() : reject(new Error(`child exited without the kill (${signal})`))));
    });
    const left = fs.readdirSync(store);
    expect(left.filter((f) => f.endsWith(".snap"))).to.deep.equal([]);
    expect(left).to.have.length(1); // the temp file, with blocks in it
    expect(left[0]).to.match(/^killed\.snap\.tmp-\d+-[0-9a-f]{8}$/);
    expect(fs.statSync(path.join(store, left[0])).size).to.be.greaterThan(1000);
    expect(await listSnapshots(store)).to.deep.equal({ snapshots: [], broken: [] });
  });
});
