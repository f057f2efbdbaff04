/**
 * The generic rules on a schema the project never saw, defined here with
 * EntitySchema: an orphan (foreign keys off while it was written) and a
 * NOT NULL breach (the entities say NOT NULL, the database was never
 * migrated to it) are found, and clean data gives nothing. Through the API
 * (entity metadata) and through the CLI (the catalog alone, --rules generic).
 */
import { expect } from "chai";
import { DataSource, EntitySchema } from "typeorm";
import { genericRules } from "../src/integrity/generic";
import { scanDatabase } from "../src/integrity/scan";
import { createTestDatabase, ENGINES, openDataSource, type TestDatabase } from "./support/databases";
import { runCli as cli } from "./support/cli";

function entities(noteRequired: boolean) {
  const Shelf = new EntitySchema<{ id: number; label: string }>({
    name: "Shelf", tableName: "shelf",
    columns: { id: { type: Number, primary: true, generated: true }, label: { type: String, length: 40, unique: true } },
  });
  const Box = new EntitySchema<{ id: number; shelfId: number; note: string | null; shelf?: unknown }>({
    name: "Box", tableName: "box",
    columns: {
      id: { type: Number, primary: true, generated: true },
      shelfId: { type: Number },
      note: { type: String, length: 80, nullable: !noteRequired },
    },
    relations: { shelf: { type: "many-to-one", target: "Shelf", joinColumn: { name: "shelfId" } } },
  });
  return [Shelf, Box];
}

function urlOf(db: TestDatabase): string {
  const o = db.options([]) as { url?: string; database?: string };
  return o.url ?? o.database!;
}

for (const engine of ENGINES) {
  describe(`generic integrity rules on a schema of the test's own (${engine})`, function () {
    this.timeout(120_000);
    let db: TestDatabase;
    let ds: DataSource;

    beforeEach(async () => {
      db = await createTestDatabase(engine);
      ds = await openDataSource(db, entities(false));
      await ds.query(`INSERT INTO "shelf" ("label") VALUES ('top'), ('bottom')`);
      await ds.query(`INSERT INTO "box" ("shelfId", "note") VALUES (1, 'a'), (2, 'b'), (2, 'c')`);
    });
    afterEach(async () => { await ds?.destroy(); await db.drop(); });

    it("CleanDataGivesNoFindings", async () => {
      const result = await scanDatabase(ds, { rules: genericRules });
      expect(result.rows).to.equal(5);
      expect(result.findings).to.deep.equal([]);
      const run = cli(["validate", "data", "--db", urlOf(db), "--rules", "generic", "--json"]);
      expect(run.status, run.stderr).to.equal(0);
    });

    it("AnOrphanAndANotNullBreachAreFound", async () => {
      if (engine === "sqlite") {
        await ds.query("PRAGMA foreign_keys = OFF");
        await ds.query(`INSERT INTO "box" ("shelfId", "note") VALUES (7, 'lost')`);
        await ds.query("PRAGMA foreign_keys = ON");
      } else {
        const runner = ds.createQueryRunner();
        await runner.query("SET session_replication_role = replica");
        await runner.query(`INSERT INTO "box" ("shelfId", "note") VALUES (7, 'lost')`);
        await runner.release();
      }
      await ds.query(`INSERT INTO "box" ("shelfId", "note") VALUES (1, NULL)`);
      await ds.destroy();
      // The app's entities now say note is NOT NULL; the database was not migrated.
      ds = await openDataSource(db, entities(true), { synchronize: false });
      const result = await scanDatabase(ds, { rules: genericRules });
      result.findings.sort((a, b) => a.rule.localeCompare(b.rule));
      const got = result.findings.map((f) => ({ rule: f.rule, table: f.table, key: f.key }));
      expect(got).to.deep.equal([
        { rule: "foreign-key", table: "box", key: { id: 4 } },
        { rule: "not-null", table: "box", key: { id: 5 } },
      ]);
      expect(result.findings[0].message).to.equal(`"box" {"id":4} references "shelf" {"id":7} (shelfId), which does not exist`);
      expect(result.findings[1].message).to.equal(`"box" {"id":5}: NULL in NOT NULL column note`);
      expect(result.status).to.equal("critical");
      // The CLI has no entities: the catalog knows the foreign key, not the NOT NULL the database never got.
      const run = cli(["validate", "data", "--db", urlOf(db), "--rules", "generic", "--json"]);
      expect(run.status, run.stderr).to.equal(1);
      expect((JSON.parse(run.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule)).to.deep.equal(["foreign-key"]);
    });

    // PostgreSQL refuses such a value; SQLite keeps it.
    if (engine === "sqlite") it("AValueOutsideItsTypeIsFound", async () => {
      await ds.query("PRAGMA foreign_keys = OFF");
      await ds.query(`UPDATE "box" SET "shelfId" = 'two' WHERE "id" = 3`);
      await ds.query("PRAGMA foreign_keys = ON");
      const result = await scanDatabase(ds, { rules: genericRules });
      result.findings.sort((a, b) => a.rule.localeCompare(b.rule));
      expect(result.findings.map((f) => [f.rule, f.message])).to.deep.equal([
        ["column-type", `"box" {"id":3}: shelfId (integer) holds "two": not an integer`],
        ["foreign-key", `"box" {"id":3} references "shelf" {"id":"two"} (shelfId), which does not exist`],
      ]);
    });
  });
}
