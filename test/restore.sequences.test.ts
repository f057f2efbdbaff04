import { expect } from "chai";
import { resetSequences } from "../src/restore/sequences";
import { loadWithForeignKeysOff } from "../src/restore/foreignKeys";
import { insertRows } from "../src/restore/rowWriter";
import { ENGINES } from "./support/databases";
import { dumpShop, fillShop, openShop, ShopDb, table } from "./support/shop";

/** Moves the counters of user and order past every id the test loads, as a used database has them. */
async function wearCounters(shop: ShopDb): Promise<void> {
  for (let i = 0; i < 30; i++) await shop.ds.getRepository("User").save({ name: `old ${i}` });
  for (let i = 0; i < 5; i++) {
    await shop.ds.getRepository("Order").save({ price: "1", flag: false, ref: "12345678-1234-4234-8234-123456789abc" });
  }
  await shop.ds.query(`DELETE FROM "order"`);
  await shop.ds.query(`DELETE FROM "user"`);
}

for (const engine of ENGINES) {
  describe(`restore: sequences (${engine})`, function () {
    this.timeout(60000);

    it("after a load TypeORM's next insert gets max + 1, and an empty table starts over", async () => {
      const shop = await openShop(engine);
      try {
        await wearCounters(shop);
        const users = [4, 17, 12].map((id) => ({ id, name: `restored ${id}`, managerId: null }));
        const runner = shop.ds.createQueryRunner();
        try {
          await loadWithForeignKeysOff(runner, engine, () => insertRows(runner, engine, table(shop, "user"), users));
          const resets = await resetSequences(runner, engine);
          // order_line has a composite key and no counter; a plain INTEGER PRIMARY KEY would have none either.
          expect(resets).to.deep.equal([
            { table: "order", column: "id", value: null },
            { table: "user", column: "id", value: "17" },
          ]);
        } finally {
          await runner.release();
        }
        const user = await shop.ds.getRepository("User").save({ name: "next" });
        expect(user.id).to.equal(18);
        const order = await shop.ds.getRepository("Order").save({ price: "1", flag: false, ref: "12345678-1234-4234-8234-123456789abc" });
        expect(order.id).to.equal(1);
      } finally {
        await shop.close();
      }
    });

    it("is idempotent and leaves the data alone", async () => {
      const shop = await openShop(engine);
      try {
        await fillShop(shop, []);
        const before = await dumpShop(shop);
        const runner = shop.ds.createQueryRunner();
        try {
          const first = await resetSequences(runner, engine);
          expect(await resetSequences(runner, engine)).to.deep.equal(first);
        } finally {
          await runner.release();
        }
        expect(await dumpShop(shop)).to.deep.equal(before);
        expect((await shop.ds.getRepository("User").save({ name: "fourth" })).id).to.equal(4);
      } finally {
        await shop.close();
      }
    });
  });
}
