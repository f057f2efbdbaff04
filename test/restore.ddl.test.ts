import { ENGINES, ENGINE_PAIRS } from "./support/databases";
import { expect } from "chai";
import { DataSource, DataSourceOptions } from "typeorm";
import { entityTables } from "../src/db/catalog";
import { captureDdl, createTableStatements } from "../src/schema";
import { readSchema } from "../src/db/catalog";
import { DatabaseSchema } from "../src/db/types";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { createScratchDatabase, ScratchDatabase } from "./support/scratchDatabase";

/** A database opened without entities: what a restore target is. */
async function openBare(db: ScratchDatabase): Promise<DataSource> {
  const options = db.engine === "sqlite" ? { type: "sqlite", database: db.url } : { type: "postgres", url: db.url };
  return new DataSource({ ...options, entities: [], logging: false } as DataSourceOptions).initialize();
}

async function schemaOf(ds: DataSource, tables: string[]): Promise<DatabaseSchema> {
  const runner = ds.createQueryRunner();
  try {
    return await readSchema(runner, ds.options.type === "postgres" ? "postgres" : "sqlite", tables);
  } finally {
    await runner.release();
  }
}

async function run(ds: DataSource, statements: string[]): Promise<void> {
  for (const sql of statements) await ds.query(sql);
}

describe("schema DDL without entity classes", function () {
  this.timeout(120000);

  for (const engine of ENGINES) {
    it(`recreates the Stocktake tables on an empty ${engine} database from their description: same schema, same description captured again`, async () => {
      const source = await createScratchDatabase(engine);
      const target = await createScratchDatabase(engine);
      const app = await openStocktakeDataSource(source.url);
      const tables = entityTables(app);
      const bare = await openBare(target);
      try {
        const ddl = await captureDdl(app, tables);
        expect(ddl.engine).to.equal(engine);
        const schema = await schemaOf(app, tables);
        const { statements, notRecreated } = createTableStatements(schema, ddl, engine);
        expect(statements.join("\n")).not.to.match(/_changelog_|migrations/);
        expect(notRecreated).to.deep.equal([]);
        if (engine === "postgres") expect(statements[0]).to.equal('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"');
        await run(bare, statements);
        expect(await schemaOf(bare, tables)).to.deep.equal(schema);
        expect(await captureDdl(bare, tables)).to.deep.equal(ddl);
        const order = ddl.tables.find((t) => t.name === "order")!;
        expect(order.primaryKey).to.deep.equal(["id"]);
        expect(order.columns.find((c) => c.name === "id")!.autoIncrement).to.equal(true);
        expect(order.columns.find((c) => c.name === "status")!.default).to.deep.equal({ kind: "text", value: "pending" });
        expect(order.columns.find((c) => c.name === "createdAt")!.default).to.deep.equal({ kind: "now" });
        expect(order.foreignKeys.map((f) => f.table).sort()).to.deep.equal(["customer", "store"]);
        expect(ddl.tables.find((t) => t.name === "storeInventory")!.uniques.map((u) => u.columns)).to.deep.equal([["storeId", "itemId"]]);
        expect(ddl.tables.find((t) => t.name === "item_supplier")!.indexes.map((i) => i.columns)).to.deep.equal([["supplierId"], ["itemId"]]);
      } finally {
        await bare.destroy();
        await app.destroy();
        await target.dispose();
        await source.dispose();
      }
    });
  }

  for (const [from, to] of ENGINE_PAIRS) {
    it(`generates ${to} tables from a ${from} schema, and back to the same ${from} schema`, async () => {
      const source = await createScratchDatabase(from);
      const middle = await createScratchDatabase(to);
      const back = await createScratchDatabase(from);
      const app = await openStocktakeDataSource(source.url);
      const tables = entityTables(app);
      const middleDs = await openBare(middle);
      const backDs = await openBare(back);
      try {
        const original = await schemaOf(app, tables);
        await run(middleDs, createTableStatements(original, await captureDdl(app, tables), to).statements);
        const converted = await schemaOf(middleDs, tables);
        expect(converted.tables.map((t) => t.columns.map((c) => c.name))).to.deep.equal(original.tables.map((t) => t.columns.map((c) => c.name)));
        await run(backDs, createTableStatements(converted, await captureDdl(middleDs, tables), from).statements);
        const again = await schemaOf(backDs, tables);
        // Types and nullability survive the trip, except what has no twin (uuid is varchar on SQLite, so character varying after).
        const uuidAsText = (s: DatabaseSchema) => s.tables.map((t) => ({ ...t, columns: t.columns.map((c) => ({ ...c, type: c.type === "uuid" ? "character varying" : c.type })) }));
        expect(uuidAsText(again)).to.deep.equal(uuidAsText(original));
        const fks = (await captureDdl(backDs, tables)).tables.map((t) => [t.name, t.foreignKeys.length]);
        expect(fks).to.deep.equal((await captureDdl(app, tables)).tables.map((t) => [t.name, t.foreignKeys.length]));
      } finally {
        await backDs.destroy();
        await middleDs.destroy();
        await app.destroy();
        for (const db of [back, middle, source]) await db.dispose();
      }
    });
  }
});
