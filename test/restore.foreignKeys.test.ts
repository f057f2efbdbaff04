import { expect } from "chai";
import { QueryRunner } from "typeorm";
import { checkForeignKeys, loadWithForeignKeysOff } from "../src/restore/foreignKeys";
import { applyChange, insertRows } from "../src/restore/rowWriter";
import { ENGINES } from "./support/databases";
import { dumpShop, expectBackupError, fillShop, openShop, ShopDb, table } from "./support/shop";

const ORDER = { price: "1.5000", big: null, weight: null, flag: true, at: null, stamped: null, doc: null, data: null,
  ref: "12345678-1234-4234-8234-123456789abc", note: null };

async function withRunner<T>(shop: ShopDb, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = shop.ds.createQueryRunner();
  try {
    return await work(runner);
  } finally {
    await runner.release();
  }
}

for (const engine of ENGINES) {
  describe(`restore: foreign keys (${engine})`, function () {
    this.timeout(60000);
    let shop: ShopDb;
    beforeEach(async () => {
      shop = await openShop(engine);
      await fillShop(shop, [ORDER, ORDER, ORDER].map((o, i) => ({ ...o, note: `order ${i + 1}` })));
    });
    afterEach(async () => shop.close());

    it("finds nothing on clean data", async () => {
      const counts = await shop.ds.query(`SELECT count(*) AS n FROM "order_line"`);
      expect(Number(counts[0].n)).to.be.greaterThan(0);
      expect(await withRunner(shop, (r) => checkForeignKeys(r, engine))).to.deep.equal([]);
    });

    it("a load with orphans is rolled back and the violations named", async () => {
      const before = await dumpShop(shop);
      const load = withRunner(shop, (runner) => loadWithForeignKeysOff(runner, engine, async () => {
        await insertRows(runner, engine, table(shop, "order"), [{ ...ORDER, id: 50, userId: 999, flag: engine === "sqlite" ? 1 : true }]);
      }));
      await expectBackupError(load, "SCHEMA_MISMATCH", /violate 1 foreign key\(s\): "order"\(userId\) → "user", 1 row\(s\), e\.g\. key \{"id":50\}/);
      expect(await dumpShop(shop)).to.deep.equal(before);
    });

    it("with violations allowed, commits and reports every broken key: count, columns, a sample", async () => {
      const flag = engine === "sqlite" ? 1 : true;
      const { violations } = await withRunner(shop, (runner) => loadWithForeignKeysOff(runner, engine, async () => {
        await insertRows(runner, engine, table(shop, "user"), [{ id: 60, name: "orphaned", managerId: 998 }]);
        await insertRows(runner, engine, table(shop, "order"), [51, 52].map((id) => ({ ...ORDER, id, userId: 999, flag })));
        await insertRows(runner, engine, table(shop, "order_line"), [{ orderId: 77, lineNo: 3, qty: 1 }]);
      }, { allowViolations: true }));
      expect(violations.map(({ constraint: _c, sampleKey: _k, ...v }) => v)).to.have.deep.members([
        { table: "order", columns: ["userId"], referencedTable: "user", count: 2 },
        { table: "order_line", columns: ["orderId"], referencedTable: "order", count: 1 },
        { table: "user", columns: ["managerId"], referencedTable: "user", count: 1 },
      ]);
      // The sample is the child row's whole primary key, in canonical form.
      const sample = (t: string) => violations.find((v) => v.table === t)!.sampleKey;
      expect([{ id: 51 }, { id: 52 }]).to.deep.include(sample("order"));
      expect(sample("order_line")).to.deep.equal({ orderId: 77, lineNo: 3 });
      expect(sample("user")).to.deep.equal({ id: 60 });
      if (engine === "postgres") expect(violations.every((v) => typeof v.constraint === "string" && v.constraint.startsWith("FK_"))).to.equal(true);
      // Committed: a later check on a fresh runner sees the same.
      expect(await withRunner(shop, (r) => checkForeignKeys(r, engine))).to.deep.equal(violations);
    });

    it("referential actions are off during a load: a replayed parent delete cascades nothing", async () => {
      const before = await dumpShop(shop);
      const user = before.user.find((u) => u.id === 1)!;
      const { violations } = await withRunner(shop, (runner) => loadWithForeignKeysOff(runner, engine, async () => {
        await applyChange(runner, engine, table(shop, "user"), { table: "user", op: "delete", key: { id: 1 }, before: user, after: null }, 1);
      }, { allowViolations: true }));
      const after = await dumpShop(shop);
      // ON DELETE CASCADE (orders) and SET NULL (managed users) did not run: the journal carries those rows itself.
      expect(after.order).to.deep.equal(before.order);
      expect(after.user.map((u) => u.managerId)).to.deep.equal([1, 1]);
      expect(violations.map((v) => [v.table, v.count])).to.have.deep.members([["order", 1], ["user", 2]]);
    });

    it("checks and actions are back on after the load", async () => {
      await withRunner(shop, (runner) => loadWithForeignKeysOff(runner, engine, async () => undefined));
      const orphan = shop.ds.query(`INSERT INTO "order_line" ("orderId", "lineNo", "qty") VALUES (4242, 1, 1)`);
      const error = await orphan.then(() => null, (e: Error) => e);
      expect(String(error)).to.match(/FOREIGN KEY|foreign key/);
      await shop.ds.query(`DELETE FROM "user" WHERE "id" = 1`);
      const after = await dumpShop(shop);
      expect(after.order.map((o) => o.id)).to.deep.equal([2, 3]);
      expect(after.user.map((u) => u.managerId)).to.deep.equal([null, null]);
    });

    it("refuses to start inside a transaction, where SQLite would ignore the switch", async () => {
      await withRunner(shop, async (runner) => {
        await runner.startTransaction();
        try {
          await expectBackupError(loadWithForeignKeysOff(runner, engine, async () => undefined), "INTERNAL", /outside a transaction/);
        } finally {
          await runner.rollbackTransaction();
        }
      });
    });
  });
}
