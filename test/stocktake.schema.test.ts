import { ENGINES } from "./support/databases";
import { expect } from "chai";
import { DataSource } from "typeorm";
import { createStocktakeDataSource, openStocktakeDataSource, stocktakeDataSourceOptions } from "../src/stocktake/datasource";
import { Category, Item, Session, Store, stocktakeEntities, User } from "../src/stocktake/entities";
import { createScratchDatabase, ScratchDatabase } from "./support/scratchDatabase";
import AppDataSource, { AppDataSource as NamedDataSource } from "../ormconfig";

describe("stocktake DataSource options from DATABASE_URL", () => {
  it("postgres:// and postgresql:// select PostgreSQL with the URL as given", () => {
    for (const url of ["postgres://u@h:5432/db", "postgresql://u@h/db"]) {
      const options = stocktakeDataSourceOptions(url);
      expect(options.type).to.equal("postgres");
      expect((options as { url?: string }).url).to.equal(url);
    }
  });

  it("file:, a plain path and nothing select a SQLite file with WAL and busy handling", () => {
    const cases: [string | undefined, string][] = [
      ["file:./dev.db", "./dev.db"], ["file:./dev.db?connection_limit=1", "./dev.db"],
      ["/var/data/s.db", "/var/data/s.db"], [undefined, "./stocktake.db"], ["", "./stocktake.db"],
    ];
    for (const [url, file] of cases) {
      const options = stocktakeDataSourceOptions(url) as { type: string; database: string; enableWAL: boolean; busyTimeout: number };
      expect(options.type, String(url)).to.equal("sqlite");
      expect(options.database, String(url)).to.equal(file);
      expect(options.enableWAL).to.equal(true);
      expect(options.busyTimeout).to.be.greaterThan(0);
    }
  });

  it("never synchronizes nor runs migrations by itself, and ormconfig exports one DataSource", () => {
    const options = stocktakeDataSourceOptions("file:./x.db");
    expect(options.synchronize).to.equal(false);
    expect(options.migrationsRun).to.equal(false);
    expect(AppDataSource).to.be.instanceOf(DataSource);
    expect(NamedDataSource).to.equal(AppDataSource);
    expect(AppDataSource.isInitialized).to.equal(false);
    expect(stocktakeEntities).to.have.length(23);
  });
});

for (const engine of ENGINES) {
  describe(`stocktake schema on ${engine}`, () => {
    let db: ScratchDatabase;
    let ds: DataSource;

    before(async () => {
      db = await createScratchDatabase(engine);
      ds = await openStocktakeDataSource(db.url);
    });
    after(async () => {
      if (ds?.isInitialized) await ds.destroy();
      await db?.dispose();
    });

    it("has the 23 tables (names exact) and the item_supplier junction", async () => {
      const names = ds.entityMetadatas.map((metadata) => metadata.tableName).sort();
      expect(names).to.deep.equal([
        "category", "customer", "deliveryItem", "deliveryPlan", "deliveryPlanCustomer", "item", "item_supplier",
        "order", "orderItem", "permission", "production", "productionIngredient", "recipe", "recipeIngredient",
        "role", "rolePermission", "session", "stocktake", "stocktakeItem", "store", "storeInventory", "supplier",
        "user", "userRole",
      ]);
      const runner = ds.createQueryRunner();
      try {
        for (const name of names) expect(await runner.hasTable(name), name).to.equal(true);
      } finally {
        await runner.release();
      }
    });

    it("leaves no difference between the migrated schema and the entities", async () => {
      const log = await ds.driver.createSchemaBuilder().log();
      expect(log.upQueries.map((query) => query.query)).to.deep.equal([]);
    });

    it("keeps every awkward type through the same entity classes", async () => {
      const category = await ds.getRepository(Category).save({ name: "Types", sortOrder: 1, description: null });
      const image = Buffer.from([0, 1, 2, 0xfe, 0xff]);
      const saved = await ds.getRepository(Item).save(ds.getRepository(Item).create({
        sku: "T-1", name: "Type probe", description: "", unit: "kg", unitPrice: "1234567890.12", unitCost: "0.10",
        gtin: "98765432109876", isActive: false, attributes: { origin: "ünïcode", allergens: ["milk"], organic: true },
        image, categoryId: category.id,
      }));
      const empty = await ds.getRepository(Item).save(ds.getRepository(Item).create({
        sku: "T-2", name: "Empty image", description: null, unit: "each", unitPrice: "0.00", unitCost: "0.00",
        gtin: null, isActive: true, attributes: null, image: Buffer.alloc(0), categoryId: category.id,
      }));
      const item = await ds.getRepository(Item).findOneByOrFail({ id: saved.id });
      expect(item.unitPrice).to.equal("1234567890.12");
      expect(item.unitCost).to.equal("0.10");
      expect(item.gtin).to.equal("98765432109876");
      expect(item.isActive).to.equal(false);
      expect(item.description).to.equal("");
      expect(item.attributes).to.deep.equal({ origin: "ünïcode", allergens: ["milk"], organic: true });
      expect(Buffer.isBuffer(item.image) && item.image.equals(image)).to.equal(true);
      expect(item.version).to.equal(1);
      expect(item.deletedAt).to.equal(null);
      const other = await ds.getRepository(Item).findOneByOrFail({ id: empty.id });
      expect(other.description).to.equal(null);
      expect(other.attributes).to.equal(null);
      expect(Buffer.isBuffer(other.image) ? other.image.length : other.image).to.equal(0);

      const store = await ds.getRepository(Store).save({ name: "S", code: "S1", address: null, timezone: "UTC", openedOn: "2024-02-29", isActive: true, createdAt: new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 123)) });
      const readStore = await ds.getRepository(Store).findOneByOrFail({ id: store.id });
      expect(readStore.openedOn).to.equal("2024-02-29");
      expect(readStore.createdAt.toISOString()).to.equal("2024-02-29T23:59:58.123Z");
    });

    it("generates a uuid session id when the app does not give one", async () => {
      const user = await ds.getRepository(User).save({ username: "u", email: "u@x", passwordHash: "h" });
      const session = await ds.getRepository(Session).save({ userId: user.id, token: "t", expiresAt: new Date() });
      expect(session.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it("reverts: the down migration removes every Stocktake table", async () => {
      await ds.undoLastMigration({ transaction: "each" });
      const runner = ds.createQueryRunner();
      try {
        for (const metadata of ds.entityMetadatas) {
          expect(await runner.hasTable(metadata.tableName), metadata.tableName).to.equal(false);
        }
      } finally {
        await runner.release();
      }
    });
  });
}

describe("stocktake DataSource factory", () => {
  it("creates an uninitialised DataSource with the migrations of migrations/", async () => {
    const ds = createStocktakeDataSource("file::memory:");
    expect(ds.isInitialized).to.equal(false);
    await ds.initialize();
    try {
      const pending = await ds.showMigrations();
      expect(pending).to.equal(true);
      expect(ds.migrations.map((migration) => migration.name)).to.include("StocktakeSchema1735689600000");
    } finally {
      await ds.destroy();
    }
  });
});
