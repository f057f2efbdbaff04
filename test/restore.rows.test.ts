import { expect } from "chai";
import { createReader } from "../src/reader";
import fc from "fast-check";
import { QueryRunner } from "typeorm";
import { createDialect } from "../src/capture/createDialect";
import { collectFrames } from "../src/capture/outbox";
import { Frame } from "../src/journal/types";
import { Row } from "../src/db/types";
import { loadWithForeignKeysOff } from "../src/restore/foreignKeys";
import { applyChange, applyFrame, insertRows } from "../src/restore/rowWriter";
import { ENGINES } from "./support/databases";
import {
  clearShop, dumpShop, expectBackupError, EXTREME_ORDERS, fillShop, ids, openShop, OrderSpec, orderSpec, ShopDb, table, TABLES, updateOrder, writeLine, writeOrder, writeUser,
} from "./support/shop";

async function withRunner<T>(shop: ShopDb, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = shop.ds.createQueryRunner();
  try {
    return await work(runner);
  } finally {
    await runner.release();
  }
}

async function load(shop: ShopDb, rows: Record<string, Row[]>): Promise<void> {
  await withRunner(shop, (runner) => loadWithForeignKeysOff(runner, shop.engine, async () => {
    for (const t of TABLES) await insertRows(runner, shop.engine, table(shop, t), rows[t]);
  }));
}

/** Changes made directly on a database, for the replay property. */
type Op =
  | { kind: "user"; name: string; manager: number | null }
  | { kind: "order"; spec: OrderSpec; user: number | null }
  | { kind: "line"; order: number; lineNo: number; qty: number }
  | { kind: "updateOrder"; pick: number; spec: OrderSpec; user: number | null }
  | { kind: "renumberOrder"; pick: number; id: number }
  | { kind: "moveLine"; pick: number; lineNo: number }
  | { kind: "manage"; pick: number; manager: number | null }
  | { kind: "deleteOrder"; pick: number }
  | { kind: "deleteUser"; pick: number }
  | { kind: "deleteLine"; pick: number };

const pick = fc.nat(50);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("user" as const), name: fc.string({ maxLength: 6 }).filter((s) => !s.includes("\u0000")), manager: fc.option(pick) }),
  fc.record({ kind: fc.constant("order" as const), spec: orderSpec(), user: fc.option(pick) }),
  fc.record({ kind: fc.constant("line" as const), order: pick, lineNo: fc.integer({ min: 1, max: 4 }), qty: fc.integer({ min: -5, max: 1000 }) }),
  fc.record({ kind: fc.constant("updateOrder" as const), pick, spec: orderSpec(), user: fc.option(pick) }),
  fc.record({ kind: fc.constant("renumberOrder" as const), pick, id: fc.integer({ min: 100, max: 110 }) }),
  fc.record({ kind: fc.constant("moveLine" as const), pick, lineNo: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant("manage" as const), pick, manager: fc.option(pick) }),
  fc.record({ kind: fc.constant("deleteOrder" as const), pick }),
  fc.record({ kind: fc.constant("deleteUser" as const), pick }),
  fc.record({ kind: fc.constant("deleteLine" as const), pick }),
);

async function runOp(shop: ShopDb, op: Op): Promise<void> {
  const sqlite = shop.engine === "sqlite";
  const $ = (i: number) => (sqlite ? "?" : `$${i}`);
  const users = await ids(shop, "user");
  const orders = await ids(shop, "order");
  const lines: { orderId: number; lineNo: number }[] = await shop.ds.query(`SELECT "orderId", "lineNo" FROM "order_line" ORDER BY 1, 2`);
  const of = <T>(list: T[], n: number | null): T | null => (n === null || !list.length ? null : list[n % list.length]);
  switch (op.kind) {
    case "user": return writeUser(shop, op.name, of(users, op.manager));
    case "order": return writeOrder(shop, op.spec, of(users, op.user));
    case "line": if (orders.length) await writeLine(shop, of(orders, op.order)!, op.lineNo, op.qty); return;
    case "updateOrder": if (orders.length) await updateOrder(shop, of(orders, op.pick)!, op.spec, of(users, op.user)); return;
    case "renumberOrder": if (orders.length) await shop.ds.query(`UPDATE "order" SET "id" = ${$(1)} WHERE "id" = ${$(2)}`, [op.id, of(orders, op.pick)]); return;
    case "moveLine": {
      const line = of(lines, op.pick);
      if (line) await shop.ds.query(`UPDATE "order_line" SET "lineNo" = ${$(1)} WHERE "orderId" = ${$(2)} AND "lineNo" = ${$(3)}`, [op.lineNo, line.orderId, line.lineNo]);
      return;
    }
    case "manage": if (users.length) await shop.ds.query(`UPDATE "user" SET "managerId" = ${$(1)} WHERE "id" = ${$(2)}`, [of(users, op.manager), of(users, op.pick)]); return;
    case "deleteOrder": if (orders.length) await shop.ds.query(`DELETE FROM "order" WHERE "id" = ${$(1)}`, [of(orders, op.pick)]); return;
    case "deleteUser": if (users.length) await shop.ds.query(`DELETE FROM "user" WHERE "id" = ${$(1)}`, [of(users, op.pick)]); return;
    case "deleteLine": {
      const line = of(lines, op.pick);
      if (line) await shop.ds.query(`DELETE FROM "order_line" WHERE "orderId" = ${$(1)} AND "lineNo" = ${$(2)}`, [line.orderId, line.lineNo]);
      return;
    }
  }
}

for (const engine of ENGINES) {
  describe(`restore: row writer (${engine})`, function () {
    this.timeout(300000);

    it("insertRows reproduces every awkward value exactly: the target's dump equals the source's", async () => {
      const source = await openShop(engine);
      const target = await openShop(engine);
      try {
        let runs = 0;
        await fc.assert(fc.asyncProperty(fc.array(orderSpec({ fraction: "micros" }), { minLength: 1, maxLength: 10 }), async (orders) => {
          await clearShop(source);
          await clearShop(target);
          await fillShop(source, orders);
          const rows = await dumpShop(source);
          expect(rows.order).to.have.length(orders.length);
          await load(target, rows);
          expect(await dumpShop(target)).to.deep.equal(rows);
          runs++;
        }), { numRuns: 25, examples: [[EXTREME_ORDERS]] });
        expect(runs).to.be.greaterThan(0);
      } finally {
        await source.close();
        await target.close();
      }
    });

    it("the extremes survive as their exact canonical values", async () => {
      const source = await openShop(engine);
      const target = await openShop(engine);
      try {
        await fillShop(source, EXTREME_ORDERS);
        await load(target, await dumpShop(source));
        const orders = (await dumpShop(target)).order;
        expect(orders.map((o) => o.big)).to.deep.equal(engine === "sqlite"
          ? [9223372036854775807n, -9223372036854775808n, 9007199254740992n, 9007199254740991, 4294967296, 0]
          : ["9223372036854775807", "-9223372036854775808", "9007199254740992", "9007199254740991", "4294967296", "0"]);
        expect(orders[0].weight).to.equal(0.30000000000000004);
        expect(orders[1].data).to.deep.equal(Buffer.alloc(0));
        expect([orders[0].note, orders[1].note]).to.deep.equal(["", null]);
        if (engine === "postgres") {
          expect(orders.map((o) => o.flag)).to.deep.equal([true, false, true, false, true, true]);
          expect(orders[0].price).to.equal("9999999999.9999");
          expect(Object.is(orders[4].weight, -0)).to.equal(true);
          expect(orders[5].weight).to.be.NaN;
          expect(orders[2].doc).to.equal(' { "ü" : 1.50 } ');
        } else {
          expect(orders.map((o) => o.flag)).to.deep.equal([1, 0, 1, 0, 1, 1]);
          expect(orders[0].price).to.equal(9999999999.9999);
        }
        // SQLite reports the storage class too: a 64-bit integer must not come back as REAL or NULL.
        if (engine === "sqlite") {
          const types: { t: string }[] = await target.ds.query(`SELECT typeof("big") AS t FROM "order" ORDER BY "id"`);
          expect(types.map((x) => x.t)).to.deep.equal(["integer", "integer", "integer", "integer", "integer", "integer"]);
        }
      } finally {
        await source.close();
        await target.close();
      }
    });

    it("splits a load into statements under the engine's parameter limit", async () => {
      const target = await openShop(engine);
      try {
        // 3 columns × 25 000 rows = 75 000 parameters: over both limits (32 766 and 65 535) in one statement.
        const lines: Row[] = Array.from({ length: 25000 }, (_v, i) => ({ orderId: 1 + (i % 2), lineNo: i, qty: i * 3 }));
        const orders = EXTREME_ORDERS.slice(0, 2);
        const source = await openShop(engine);
        try {
          await fillShop(source, orders);
          const rows = await dumpShop(source);
          await load(target, { ...rows, order_line: lines });
        } finally {
          await source.close();
        }
        const count: { n: number | string }[] = await target.ds.query(`SELECT count(*) AS n FROM "order_line"`);
        expect(Number(count[0].n)).to.equal(25000);
        expect((await dumpShop(target)).order_line).to.deep.equal([...lines].sort((a, b) => Number(a.orderId) - Number(b.orderId) || Number(a.lineNo) - Number(b.lineNo)));
      } finally {
        await target.close();
      }
    });

    it("replaying captured changes with applyChange equals making them directly", async () => {
      let replayed = 0;
      await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
        const direct = await openShop(engine);
        const replica = await openShop(engine);
        try {
          const capture = await createDialect(direct.ds);
          await capture.installTriggers(direct.schema);
          // A captured start, so that updates and deletes have rows to hit from the first op.
          await fillShop(direct, EXTREME_ORDERS.slice(0, 4));
          // Ops that break a constraint (a taken key, a parent with children) fail on the database and leave no change.
          for (const op of ops) await runOp(direct, op).catch(() => undefined);
          await capture.sealOrphans();
          const frames: Frame[] = await collectFrames(capture.committedFrames(0, { transactions: 1_000_000, changesPerFrame: 1_000_000 }));
          await capture.close();
          await withRunner(replica, (runner) => loadWithForeignKeysOff(runner, engine, async () => {
            for (const frame of frames) await applyFrame(runner, engine, replica.schema.tables, frame);
          }));
          expect(await dumpShop(replica)).to.deep.equal(await dumpShop(direct));
          replayed += frames.flatMap((f) => f.changes).filter((c) => c.op !== "insert").length;
        } finally {
          await direct.close();
          await replica.close();
        }
      }), { numRuns: engine === "sqlite" ? 20 : 10 });
      // The property is only worth something if updates and deletes were replayed, not just inserts.
      expect(replayed).to.be.greaterThan(20);
    });

    it("an update or delete that does not hit exactly one row stops the replay, naming table, key and seq", async () => {
      const shop = await openShop(engine);
      try {
        await fillShop(shop, EXTREME_ORDERS.slice(0, 2));
        const rows = await dumpShop(shop);
        const order = table(shop, "order");
        const before = rows.order[0];
        await withRunner(shop, async (runner) => {
          const missing = { ...before, id: 999 };
          const update = applyChange(runner, engine, order, { table: "order", op: "update", key: { id: 999 }, before: missing, after: missing }, 42);
          await expectBackupError(update, "SCHEMA_MISMATCH", /seq 42: update of "order" key \{"id":999\} matched 0 rows/);
          await applyChange(runner, engine, order, { table: "order", op: "delete", key: { id: before.id }, before, after: null }, 43);
          const again = applyChange(runner, engine, order, { table: "order", op: "delete", key: { id: before.id }, before, after: null }, 44);
          await expectBackupError(again, "SCHEMA_MISMATCH", /seq 44: delete of "order" key \{"id":1\} matched 0 rows/);
          const { note: _dropped, ...short } = rows.order[1];
          const insert = applyChange(runner, engine, order, { table: "order", op: "insert", key: { id: 7 }, before: null, after: { ...short, id: 7 } }, 45);
          await expectBackupError(insert, "SCHEMA_MISMATCH", /no column "note"/);
          const extra = applyChange(runner, engine, order, { table: "order", op: "insert", key: { id: 8 }, before: null, after: { ...rows.order[1], id: 8, colour: "red" } });
          await expectBackupError(extra, "SCHEMA_MISMATCH", /columns the table lacks: colour/);
        });
      } finally {
        await shop.close();
      }
    });

    it("a replay that fails halfway leaves the target as it was", async () => {
      const shop = await openShop(engine);
      try {
        await fillShop(shop, EXTREME_ORDERS.slice(0, 1));
        const before = await dumpShop(shop);
        const row = { ...before.order[0], id: 5 };
        const frames: Frame[] = [
          { seq: 1, at: 0, changes: [{ table: "order", op: "insert", key: { id: 5 }, before: null, after: row }] },
          { seq: 2, at: 0, changes: [{ table: "order", op: "delete", key: { id: 6 }, before: { ...row, id: 6 }, after: null }] },
        ];
        const replay = withRunner(shop, (runner) => loadWithForeignKeysOff(runner, engine, async () => {
          for (const frame of frames) await applyFrame(runner, engine, shop.schema.tables, frame);
        }));
        await expectBackupError(replay, "SCHEMA_MISMATCH", /seq 2: delete of "order" key \{"id":6\}/);
        expect(await dumpShop(shop)).to.deep.equal(before);
      } finally {
        await shop.close();
      }
    });

    if (process.env.RESTORE_BENCH) {
      it("bench: insertRows throughput (RESTORE_BENCH rows)", async () => {
        const count = Number(process.env.RESTORE_BENCH) || 100000;
        const source = await openShop(engine);
        const target = await openShop(engine);
        try {
          await fillShop(source, fc.sample(orderSpec(), { numRuns: 50, seed: 1 }));
          const sample = (await dumpShop(source)).order;
          const rows = Array.from({ length: count }, (_v, i) => ({ ...sample[i % sample.length], id: i + 1, userId: null }));
          const started = process.hrtime.bigint();
          await load(target, { user: [], order: rows, order_line: [] });
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const n: { n: number | string }[] = await target.ds.query(`SELECT count(*) AS n FROM "order"`);
          expect(Number(n[0].n)).to.equal(count);
          console.log(`      ${engine}: ${count} rows × 12 columns in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)} rows/s`);
        } finally {
          await source.close();
          await target.close();
        }
      });
    }
  });
}

for (const engine of ENGINES) {
  describe(`restore: row writer on a table without a primary key (${engine})`, () => {
    it("matches the whole row, NULLs and json included, and refuses to pick one of two identical rows", async () => {
      const shop = await openShop(engine);
      try {
        await shop.ds.query(`CREATE TABLE "log" ("name" text, "doc" ${engine === "sqlite" ? "text" : "json"}, "n" integer)`);
        const [log] = (await createReader(shop.ds).readSchema(["log"])).tables;
        expect(log.primaryKey).to.deep.equal(["name", "doc", "n"]);
        const a = { name: "a", doc: '{"x": 1}', n: null };
        const b = { name: null, doc: null, n: 2 };
        const c = { name: null, doc: '[]', n: 3 };
        const read = async (): Promise<Row[]> => shop.ds.query(`SELECT "name", ${engine === "sqlite" ? '"doc"' : '"doc"::text AS "doc"'}, "n" FROM "log" ORDER BY "n"`);
        await withRunner(shop, async (runner) => {
          await insertRows(runner, engine, log, [a, b, b, c]);
          await loadWithForeignKeysOff(runner, engine, async () => {
            await applyChange(runner, engine, log, { table: "log", op: "update", key: a, before: a, after: { ...a, n: 1 } }, 1);
            await applyChange(runner, engine, log, { table: "log", op: "delete", key: c, before: c, after: null }, 2);
          });
          expect(await read()).to.deep.equal([{ ...a, n: 1 }, b, b]);
          // Deleting one of two identical rows is not expressible by key: stop, and the transaction undoes the statement.
          const twice = loadWithForeignKeysOff(runner, engine, () =>
            applyChange(runner, engine, log, { table: "log", op: "delete", key: b, before: b, after: null }, 3));
          await expectBackupError(twice, "SCHEMA_MISMATCH", /seq 3: delete of "log" key \{"name":null,"doc":null,"n":2\} matched 2 rows/);
        });
        expect(await read()).to.deep.equal([{ ...a, n: 1 }, b, b]);
      } finally {
        await shop.close();
      }
    });
  });
}
