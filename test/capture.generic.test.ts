import { expect } from "chai";
import { DataSource, EntitySchema } from "typeorm";
import { attachChangelog, Changelog } from "../src";
import { createDialect } from "../src/capture/createDialect";
import { readFrames } from "../src/journal/reader";
import { Frame } from "../src/journal/types";
import { createTestDatabase, Engine, ENGINES, openDataSource, TestDatabase, tempDir } from "./support/databases";
import { applyFrames, cloneState, dumpState, expectSameState, TableState } from "./support/replay";

/** A schema the plugin has never seen, built per engine (column types differ). */
function gadgetSchemas(engine: Engine) {
  const binary = engine === "sqlite" ? "blob" : "bytea";
  const time = engine === "sqlite" ? "datetime" : "timestamp";
  const Shelf = new EntitySchema<{ code: string; label: string }>({
    name: "Shelf", tableName: "shelf",
    columns: { code: { type: String, primary: true }, label: { type: String } },
  });
  const Gadget = new EntitySchema<Record<string, unknown>>({
    name: "Gadget", tableName: "gadget",
    columns: {
      id: { type: Number, primary: true, generated: true },
      name: { type: String },
      price: { type: "decimal", precision: 14, scale: 4 },
      weight: { type: "float", nullable: true },
      big: { type: "bigint", nullable: true },
      blob: { type: binary, nullable: true },
      flag: { type: Boolean, default: false },
      seen: { type: time, nullable: true },
      doc: { type: "simple-json", nullable: true },
      note: { type: "text", nullable: true },
    },
    relations: { shelf: { type: "many-to-one", target: "Shelf", onDelete: "CASCADE", nullable: true, joinColumn: { name: "shelfCode" } } },
  });
  return [Shelf, Gadget];
}

async function framesAfter(dir: string, seq: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of readFrames(dir, { fromSeq: seq + 1 })) frames.push(frame);
  return frames;
}

for (const engine of ENGINES) {
  describe(`capture of an unknown schema (${engine})`, function () {
    this.timeout(60000);
    let db: TestDatabase;
    let ds: DataSource;
    let changelog: Changelog;
    let dir: string;

    beforeEach(async () => {
      db = await createTestDatabase(engine);
      ds = await openDataSource(db, gadgetSchemas(engine));
      dir = tempDir();
      changelog = await attachChangelog(ds, { dir });
    });
    afterEach(async () => {
      await changelog.close();
      await ds.destroy();
      await db.drop();
    });

    async function checkReplay(before: TableState, fromSeq: number): Promise<Frame[]> {
      await changelog.flush();
      const frames = await framesAfter(dir, fromSeq);
      const dialect = await createDialect(ds);
      await dialect.preparePluginTables(changelog.schema);
      const replayed = cloneState(before);
      applyFrames(replayed, frames, changelog.schema);
      expectSameState(replayed, await dumpState(ds, changelog.schema));
      await dialect.close();
      return frames;
    }

    it("records every value type exactly, including the ones naive backups break", async () => {
      const empty = new Map([["shelf", new Map()], ["gadget", new Map()]]) as TableState;
      await ds.getRepository("Shelf").save({ code: "A", label: "first" });
      await ds.getRepository("Gadget").save([
        { name: "exact", price: "12345678.1234", weight: 0.1 + 0.2, big: engine === "sqlite" ? 9007199254740991 : "9223372036854775807",
          blob: Buffer.from([0, 1, 2, 255]), flag: true, seen: new Date("2026-01-02T03:04:05.678Z"), doc: { a: [1, "x"], b: null }, note: "", shelf: { code: "A" } },
        { name: "nulls", price: "0", weight: null, big: null, blob: Buffer.alloc(0), flag: false, seen: null, doc: null, note: null },
      ]);
      // Beyond 2^53 only raw SQL can write on SQLite (the driver reads numbers).
      if (engine === "sqlite") await ds.query("UPDATE gadget SET big = 9223372036854775807, weight = 1e308 * 10 WHERE name = 'nulls'");
      const frames = await checkReplay(empty, 0);
      expect(frames.map((f) => f.seq)).to.deep.equal(frames.map((_f, i) => i + 1));
      const inserted = frames.flatMap((f) => f.changes).find((c) => c.op === "insert" && c.after?.name === "exact");
      expect(inserted?.after?.blob).to.deep.equal(Buffer.from([0, 1, 2, 255]));
      if (engine === "sqlite") {
        const update = frames.at(-1)!.changes[0];
        expect(update.after?.big).to.equal(9223372036854775807n);
        expect(update.after?.weight).to.equal(Infinity);
      } else {
        expect(inserted?.after?.big).to.equal("9223372036854775807");
        expect(inserted?.after?.price).to.equal("12345678.1234");
      }
    });

    it("captures bulk statements, database cascades, clear() and raw SQL, and nothing rolled back", async () => {
      await ds.getRepository("Shelf").save([{ code: "A", label: "a" }, { code: "B", label: "b" }]);
      await ds.getRepository("Gadget").save([1, 2, 3, 4].map((i) => ({ name: `g${i}`, price: `${i}.5`, shelf: { code: i % 2 ? "A" : "B" } })));
      await changelog.flush();
      const dialect = await createDialect(ds);
      await dialect.preparePluginTables(changelog.schema);
      const before = await dumpState(ds, changelog.schema);
      const start = changelog.lastSeq;

      await ds.getRepository("Gadget").update({ shelf: { code: "A" } }, { flag: true });
      await ds.createQueryBuilder().update("gadget").set({ note: "qb" }).where("id > :id", { id: 2 }).execute();
      await ds.getRepository("Gadget").increment({ name: "g1" }, "weight", 2);
      await ds.query(engine === "sqlite" ? "UPDATE gadget SET note = ? WHERE name = ?" : "UPDATE gadget SET note = $1 WHERE name = $2", ["raw", "g2"]);
      await ds.transaction(async (m) => {
        await m.getRepository("Gadget").insert({ name: "rolled", price: "1" });
        throw new Error("roll back");
      }).catch(() => undefined);
      const runner = ds.createQueryRunner();
      await runner.startTransaction();
      await runner.manager.getRepository("Gadget").delete({ name: "g3" });
      await runner.rollbackTransaction();
      await runner.release();
      await ds.getRepository("Shelf").delete({ code: "B" }); // ON DELETE CASCADE removes g2, g4
      await ds.getRepository("Gadget").clear();

      const frames = await checkReplay(before, start);
      const all = frames.flatMap((f) => f.changes);
      expect(all.some((c) => c.after?.name === "rolled")).to.equal(false);
      expect(all.filter((c) => c.table === "gadget" && c.op === "delete")).to.have.length(4);
      expect(frames.length).to.equal(6);
      await dialect.close();
    });
  });
}
