import { expect } from "chai";
import { createReader, DatabaseReader } from "../src/reader";
import { DataSource } from "typeorm";
import { createDialect } from "../src/capture/createDialect";
import { CaptureDialect } from "../src/capture/dialect";
import { Row, DatabaseSchema } from "../src/db/types";
import { createTestDatabase, ENGINES, openDataSource, TestDatabase } from "./support/databases";

/**
 * readConsistent pages every table by its key. These tables are the cases
 * where paging by key goes wrong: a composite key, a key beyond 2^53, text
 * keys, and a table without a key whose rows repeat (paging by the whole row
 * would drop the repeats).
 */
function ddl(engine: string): string[] {
  const big = engine === "sqlite" ? "INTEGER" : "bigint";
  return [
    "CREATE TABLE pair (a integer NOT NULL, b varchar(20) NOT NULL, v text, PRIMARY KEY (a, b))",
    `CREATE TABLE big (id ${big} PRIMARY KEY, v text)`,
    "CREATE TABLE loose (x integer, y text)",
    "CREATE TABLE empty (id integer PRIMARY KEY)",
  ];
}

const toText = (rows: Row[]) => rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)));

for (const engine of ENGINES) {
  describe(`readConsistent pages by key (${engine})`, function () {
    this.timeout(60000);
    let db: TestDatabase;
    let ds: DataSource;
    let dialect: CaptureDialect;
    let reader: DatabaseReader;
    let schema: DatabaseSchema;

    before(async () => {
      db = await createTestDatabase(engine);
      ds = await openDataSource(db, []);
      for (const sql of ddl(engine)) await ds.query(sql);
      const p = (i: number) => (engine === "sqlite" ? "?" : `$${i}`);
      for (let i = 0; i < 300; i++) {
        await ds.query(`INSERT INTO pair (a, b, v) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, [i % 7, `k${(i * 37) % 300}`, `v${i}`]);
      }
      // Around 2^53, where a JavaScript number stops telling neighbours apart, and below zero.
      for (let k = -5; k <= 5; k++) await ds.query(`INSERT INTO big (id, v) VALUES (9007199254740992 + ${k}, 'x${k}')`);
      for (let k = 1; k <= 5; k++) await ds.query(`INSERT INTO big (id, v) VALUES (-${k}, 'neg${k}')`);
      for (let i = 0; i < 120; i++) await ds.query(`INSERT INTO loose (x, y) VALUES (${i % 4 === 0 ? "NULL" : i % 5}, 'same')`);
      dialect = await createDialect(ds);
      reader = createReader(ds);
      schema = await reader.readSchema(["pair", "big", "loose", "empty"]);
      await dialect.preparePluginTables(schema);
    });

    after(async () => {
      await dialect?.close();
      await ds?.destroy();
      await db?.drop();
    });

    async function pages(table: string, size: number): Promise<Row[][]> {
      return reader.readConsistent(async (view) => {
        const out: Row[][] = [];
        for await (const batch of view.batches(table, size)) out.push(batch);
        return out;
      }, schema);
    }

    for (const table of ["pair", "big", "empty"]) {
      it(`${table}: batches of at most the page size, concatenated equal to dumpTable (same rows, same order)`, async () => {
        const all = await reader.dumpTable(table);
        const got = await pages(table, 7);
        for (const page of got) expect(page.length).to.be.within(1, 7);
        expect(got.length).to.equal(Math.ceil(all.length / 7));
        expect(toText(got.flat())).to.deep.equal(toText(all));
      });
    }

    it("big: keys beyond 2^53 are exact and none is skipped", async () => {
      const rows = (await pages("big", 3)).flat();
      expect(rows).to.have.length(16);
      if (engine === "sqlite") expect(rows.map((r) => r.id)).to.include(9007199254740993n);
      else expect(rows.map((r) => r.id)).to.include("9007199254740993");
    });

    it("loose (no key, repeated rows): every row once, repeats included", async () => {
      const got = await pages("loose", 7);
      expect(toText(got.flat()).sort()).to.deep.equal(toText(await reader.dumpTable("loose")).sort());
      expect(got.flat()).to.have.length(120);
    });

    it("reads the head's seq and commit time in the same transaction", async () => {
      const seen = await reader.readConsistent(async (r) => ({ seq: r.seq, at: r.at }), schema);
      expect(seen).to.deep.equal({ seq: 0, at: 0 });
    });
  });
}
