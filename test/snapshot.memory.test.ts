/**
 * I6 for snapshots: writing and reading stream, so the memory in use while
 * 300k rows pass through is about what 30k rows need, not ten times more.
 *
 * Memory is measured as live memory after a forced GC (heapUsed plus Buffer
 * memory, which lives outside the V8 heap), sampled while the rows flow: a
 * peak of the raw heapUsed would mostly measure when the collector ran.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ColumnValue, DatabaseSchema } from "../src/db/types";
import { SnapshotReader, SnapshotWriter } from "../src/snapshot";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** The pause lets V8 release the backing stores of dead Buffers, which it does off the main thread. */
async function liveBytes(): Promise<number> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 5));
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const COLUMNS = ["id", "name", "sku", "qty", "price", "cost", "active", "note", "created", "blob"];
const schema: DatabaseSchema = {
  engine: "sqlite",
  tables: [{ name: "item", primaryKey: ["id"], columns: COLUMNS.map((name) => ({ name, type: "any", nullable: true })) }],
};

function row(i: number): ColumnValue[] {
  return [i, `Item number ${i}`, `SKU-${(i * 7919) % 100000}`, i % 500, (i % 1000) / 7, String((i % 1000) * 1.25),
    i % 2, i % 3 ? null : `a note about item ${i}`, `2024-01-0${1 + (i % 9)} 10:00:00`, i % 5 ? null : Buffer.from([i & 255, 1, 2, 3])];
}

const SAMPLE_EVERY = 10; // batches of 1000 rows

async function writePeak(file: string, rows: number): Promise<number> {
  const base = await liveBytes();
  let peak = 0;
  const w = await SnapshotWriter.create(file, { kind: "manual", name: "mem", createdAt: 0, seq: 0, schema });
  await w.beginTable("item");
  for (let start = 0, n = 0; start < rows; start += 1000, n++) {
    await w.writeRows(Array.from({ length: Math.min(1000, rows - start) }, (_, i) => row(start + i)));
    if (n % SAMPLE_EVERY === SAMPLE_EVERY - 1) peak = Math.max(peak, (await liveBytes()) - base);
  }
  await w.endTable();
  await w.finish();
  return peak;
}

/** `keep`: the control, a consumer that holds every row, which the measure must flag. */
async function readPeak(file: string, keep = false): Promise<number> {
  const base = await liveBytes();
  let peak = 0;
  let n = 0;
  let seen = 0;
  const kept: unknown[] = [];
  const r = await SnapshotReader.open(file);
  for await (const b of r.batches()) {
    seen += b.rows.length;
    if (keep) kept.push(b.rows);
    if (n++ % SAMPLE_EVERY === SAMPLE_EVERY - 1) peak = Math.max(peak, (await liveBytes()) - base);
  }
  await r.close();
  expect(seen).to.equal(r.trailer.rows);
  return peak;
}

const MiB = 1 << 20;
/** Growth under this much is noise, whatever the ratio says. */
const FLOOR = 2 * MiB;

describe("snapshot memory (I6)", function () {
  this.timeout(300_000);
  let dir: string;
  const small = () => path.join(dir, "30k.snap");
  const large = () => path.join(dir, "300k.snap");
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "stk-snapmem-")); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("WritingTenTimesTheRowsDoesNotTakeTenTimesTheMemory", async () => {
    const p30 = await writePeak(small(), 30_000);
    const p300 = await writePeak(large(), 300_000);
    expect(p300, `30k rows: ${(p30 / MiB).toFixed(1)} MiB, 300k rows: ${(p300 / MiB).toFixed(1)} MiB`).to.be.lessThan(3 * Math.max(p30, FLOOR));
  });

  it("ReadingTenTimesTheRowsDoesNotTakeTenTimesTheMemory", async () => {
    const p30 = await readPeak(small());
    const p300 = await readPeak(large());
    expect(p300, `30k rows: ${(p30 / MiB).toFixed(1)} MiB, 300k rows: ${(p300 / MiB).toFixed(1)} MiB`).to.be.lessThan(3 * Math.max(p30, FLOOR));
    // The measure itself can fail: a consumer that keeps the rows is caught.
    const kept = await readPeak(large(), true);
    expect(kept).to.be.greaterThan(3 * Math.max(p30, FLOOR));
  });
});
