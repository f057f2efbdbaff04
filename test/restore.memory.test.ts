import { expect } from "chai";
import { createReader } from "../src/reader";
import { spawnSync } from "child_process";
import path from "path";
import type { DataSourceOptions } from "typeorm";
import { createDialect } from "../src/capture/createDialect";
import { takeSnapshot } from "../src/snapshot/take";
import { createTestDatabase, ENGINES, type Engine, openDataSource, tempDir, type TestDatabase } from "./support/databases";

const SMALL = 100_000;
const LARGE = 400_000;
/** Old-space heap of the restoring process: far less than the large snapshot's rows take as JS values, so holding them fails. */
const HEAP_MB = 40;
/** What four times the rows may add to the restore's peak RSS: allocator and cache slack, not the data. */
const GROWTH_MB = 20;
/**
 * V8 grows its young generation (up to 2 x 16 MB) the longer a program
 * allocates fast, whatever it keeps: pinned small, the peak measures what
 * the restore holds rather than how long it ran.
 */
const SEMI_SPACE_MB = 2;

/**
 * Restores in a fresh process and prints its peak RSS (VmHWM: this program's
 * own, not the high-water mark inherited from the forking test process).
 */
const CHILD = `
  require("reflect-metadata");
  const fs = require("fs");
  const { restore } = require(${JSON.stringify(path.join(__dirname, "..", "src", "restore"))});
  (async () => {
    const result = await restore({ store: process.env.RESTORE_STORE, latest: true, target: process.env.RESTORE_TARGET });
    const peakKb = Number(/^VmHWM:\\s+(\\d+)/m.exec(fs.readFileSync("/proc/self/status", "utf8"))[1]);
    process.stdout.write(JSON.stringify({ rows: result.rows, peakMb: peakKb / 1024 }));
  })().catch((e) => { console.error(e); process.exit(1); });
`;

/** A store holding a snapshot of a table of `rows` narrow rows, like the app's line items. */
async function storeWithRows(engine: Engine, rows: number): Promise<string> {
  const db = await createTestDatabase(engine);
  const ds = await openDataSource(db, []);
  try {
    await ds.query("CREATE TABLE line (id integer PRIMARY KEY, \"orderId\" integer NOT NULL, quantity real NOT NULL, price real NOT NULL, note text)");
    await ds.query(engine === "sqlite"
      ? `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows}) INSERT INTO line SELECT i, i % 977, i * 0.5, (i % 1000) / 7.0, CASE WHEN i % 3 = 0 THEN 'note ' || i END FROM n`
      : `INSERT INTO line SELECT i, i % 977, i * 0.5, (i % 1000) / 7.0, CASE WHEN i % 3 = 0 THEN 'note ' || i END FROM generate_series(1, ${rows}) i`);
    const dialect = await createDialect(ds);
    const schema = await createReader(ds).readSchema(["line"]);
    await dialect.preparePluginTables(schema);
    const store = tempDir();
    await takeSnapshot(createReader(ds), schema, store);
    await dialect.close();
    return store;
  } finally {
    await ds.destroy();
    await db.drop();
  }
}

function urlOf(db: TestDatabase): string {
  const options = db.options([]) as DataSourceOptions & { url?: string; database?: string };
  return options.url ?? String(options.database);
}

async function restorePeakMb(engine: Engine, store: string, nodeFlags: string[]): Promise<{ rows: number; peakMb: number }> {
  const target = await createTestDatabase(engine);
  try {
    // A SQLite target must not exist yet; a PostgreSQL one is the fresh, empty database.
    const location = engine === "sqlite" ? path.join(tempDir(), "restored.db") : urlOf(target);
    const run = spawnSync(process.execPath, [...nodeFlags, "-e", CHILD], {
      cwd: path.join(__dirname, "..", ".."),
      encoding: "utf8",
      env: { ...process.env, RESTORE_STORE: store, RESTORE_TARGET: location },
    });
    expect(run.status, run.stderr.slice(-2000)).to.equal(0);
    return JSON.parse(run.stdout);
  } finally {
    await target.drop();
  }
}

/**
 * I6 for restore. The load once decoded a whole block (~40k rows) before
 * writing it, into a fresh buffer per block: both outlived V8's young
 * generation, so the peak grew with the snapshot (136 MB at 100k rows,
 * 253 MB at 1M, on the bench's database).
 */
for (const engine of ENGINES) {
  describe(`restore memory (${engine}) @slow`, function () {
    this.timeout(300_000);
    let small: string;
    let large: string;
    before(async () => {
      small = await storeWithRows(engine, SMALL);
      large = await storeWithRows(engine, LARGE);
    });

    // Holding the rows of a table, or of the snapshot, runs out of heap here (a crash, not a number to interpret).
    it(`restores ${LARGE / 1000}k rows in a ${HEAP_MB} MB heap`, async () => {
      const restored = await restorePeakMb(engine, large, [`--max-old-space-size=${HEAP_MB}`]);
      expect(restored.rows).to.equal(LARGE);
    });

    // The new-file path is synchronous (better-sqlite3): rows die young, so its whole footprint stays flat.
    if (engine === "sqlite") {
      it(`restoring ${LARGE / 1000}k rows peaks within ${GROWTH_MB} MB of restoring ${SMALL / 1000}k`, async () => {
        const flags = [`--max-semi-space-size=${SEMI_SPACE_MB}`];
        const a = await restorePeakMb(engine, small, flags);
        const b = await restorePeakMb(engine, large, flags);
        expect([a.rows, b.rows]).to.deep.equal([SMALL, LARGE]);
        const said = `${SMALL} rows: ${a.peakMb.toFixed(0)} MB, ${LARGE} rows: ${b.peakMb.toFixed(0)} MB`;
        expect(b.peakMb, said).to.be.lessThan(a.peakMb + GROWTH_MB);
      });
    }
  });
}
