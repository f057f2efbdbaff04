/**
 * A backup taken on one engine restores into the other: the snapshot and
 * the journal's frames are converted value by value (convert.ts) into tables
 * generated from the snapshot's DDL. The round trip SQLite → PostgreSQL →
 * SQLite (and the reverse) gives back the source's canonical dump, up to the
 * losses convert.ts documents (a SQLite time ending in .000 comes back
 * without its fraction).
 */
import { createReader } from "../src/reader";
import { expect } from "chai";
import { DatabaseSchema } from "../src/db/types";
import { createDialect } from "../src/capture/createDialect";
import { restore } from "../src/restore";
import { mutateStocktake } from "../src/stocktake/workload";
import { tempDir, ENGINE_PAIRS } from "./support/databases";
import { captureDdl, dropTarget, Dump, dumpUrl, freshTarget, insertIntoEveryTable, openApp, openUrl, snapshotWithDdl } from "./support/restoreSupport";

/** The documented loss: PostgreSQL prints a time with a zero fraction without it. */
function withoutZeroMillis(dump: Dump): Dump {
  const out: Dump = {};
  for (const [table, rows] of Object.entries(dump)) {
    out[table] = rows.map((row) => Object.fromEntries(Object.entries(row).map(([c, v]) =>
      [c, typeof v === "string" && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.000$/.test(v) ? v.slice(0, -4) : v])));
  }
  return out;
}

/** A snapshot (with DDL) of a restored database, into a store of its own. */
async function snapshotOf(url: string, tables: string[], store: string): Promise<string> {
  const ds = await openUrl(url);
  const dialect = await createDialect(ds);
  try {
    const schema = await createReader(ds).readSchema(tables);
    await dialect.preparePluginTables(schema);
    return (await snapshotWithDdl(ds, schema, await captureDdl(ds, tables), store, "middle")).path;
  } finally {
    await dialect.close();
    await ds.destroy();
  }
}

async function schemaOf(url: string, tables: string[]): Promise<DatabaseSchema> {
  const ds = await openUrl(url);
  const dialect = await createDialect(ds);
  try {
    return await createReader(ds).readSchema(tables);
  } finally {
    await dialect.close();
    await ds.destroy();
  }
}

for (const [from, to] of ENGINE_PAIRS) {
  describe(`cross-engine restore: ${from} → ${to} → ${from}`, function () {
    this.timeout(300000);

    it("gives back the source's dump, snapshot and journal frames converted on the way", async () => {
      const app = await openApp(from, { seed: 41, scale: 2 });
      const dir = tempDir();
      const middle = freshTarget(to, dir);
      const back = freshTarget(from, dir);
      try {
        await app.snapshot("source");
        for (let i = 0; i < 5; i++) await mutateStocktake(app.ds, { steps: 10, seed: 4100 + i });
        await app.changelog.flush();
        const source = await app.dump();
        const tables = app.schema.tables.map((t) => t.name);

        const there = await restore({ store: app.store, target: middle });
        expect(there.framesReplayed, "frames converted and replayed").to.be.greaterThan(0);
        const store = tempDir();
        const file = await snapshotOf(middle, tables, store);
        await restore({ store, snapshot: file, target: back });

        const schema: DatabaseSchema = app.schema;
        expect(withoutZeroMillis(await dumpUrl(back, schema))).to.deep.equal(withoutZeroMillis(source));
        // The generated tables take the app's next rows: keys, defaults and counters came along.
        expect(await insertIntoEveryTable(middle, await schemaOf(middle, tables))).to.have.length(tables.length);
      } finally {
        await dropTarget(to, middle);
        await dropTarget(from, back);
        await app.close();
      }
    });
  });
}
