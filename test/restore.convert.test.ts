import { expect } from "chai";
import fc from "fast-check";
import { Row } from "../src/db/types";
import { columnKind } from "../src/db/columnKind";
import { rowConverter } from "../src/restore/convert";
import { loadWithForeignKeysOff } from "../src/restore/foreignKeys";
import { insertRows } from "../src/restore/rowWriter";
import { clearShop, dumpShop, fillShop, openShop, orderSpec, ShopDb, table, TABLES } from "./support/shop";

/** Converts every table of a dump from `from`'s schema to `to`'s and loads it into `to`. */
async function copy(from: ShopDb, rows: Record<string, Row[]>, to: ShopDb): Promise<void> {
  const runner = to.ds.createQueryRunner();
  try {
    await loadWithForeignKeysOff(runner, to.engine, async () => {
      for (const t of TABLES) {
        const convert = rowConverter(from.engine, table(from, t), to.engine, table(to, t));
        await insertRows(runner, to.engine, table(to, t), rows[t].map(convert));
      }
    });
  } finally {
    await runner.release();
  }
}

describe("restore: cross-engine conversion", function () {
  this.timeout(300000);

  it("reads the kind of each declared type of both engines", () => {
    const kinds = (engine: "sqlite" | "postgres", types: string[]) => types.map((t) => columnKind(engine, t));
    expect(kinds("postgres", ["boolean", "integer", "bigint", "double precision", "numeric(14,4)", "bytea", "json", "jsonb",
      "timestamp without time zone", "timestamp(3) with time zone", "uuid", "character varying(255)", "date"]))
      .to.deep.equal(["bool", "int", "int8", "float", "decimal", "binary", "json", "json", "timestamp", "timestamptz", "text", "text", "text"]);
    expect(kinds("sqlite", ["boolean", "integer", "bigint", "float", "double precision", "decimal(14,4)", "blob", "", "datetime",
      "date", "varchar", "text", "simple-json", "json", "numeric"]))
      .to.deep.equal(["bool", "int8", "int8", "float", "float", "decimal", "binary", "binary", "timestamp",
        "text", "text", "text", "json", "json", "decimal"]);
  });

  it("converts values by the column types of both sides", () => {
    const pg = { name: "t", primaryKey: ["id"], columns: [
      { name: "id", type: "integer" }, { name: "flag", type: "boolean" }, { name: "price", type: "numeric(14,4)" },
      { name: "big", type: "bigint" }, { name: "at", type: "timestamp without time zone" }, { name: "stamped", type: "timestamp with time zone" },
      { name: "data", type: "bytea" }, { name: "doc", type: "json" }, { name: "ref", type: "uuid" },
    ].map((c) => ({ ...c, nullable: true })) };
    const lite = { ...pg, columns: [
      { name: "id", type: "integer" }, { name: "flag", type: "boolean" }, { name: "price", type: "decimal(14,4)" },
      { name: "big", type: "bigint" }, { name: "at", type: "datetime" }, { name: "stamped", type: "datetime" },
      { name: "data", type: "blob" }, { name: "doc", type: "text" }, { name: "ref", type: "varchar" },
    ].map((c) => ({ ...c, nullable: true })) };
    const toLite = rowConverter("postgres", pg, "sqlite", lite);
    const toPg = rowConverter("sqlite", lite, "postgres", pg);
    const data = Buffer.from([0, 255]);
    expect(toLite({ id: 1, flag: true, price: "12.5000", big: "9223372036854775807", at: "2026-01-02 03:04:05.6",
      stamped: "2026-01-02 05:04:05.6+02", data, doc: '{"a":1}', ref: "0b7c7c1e-8f3a-4d55-9a51-0c1f3c9b2f10" }))
      .to.deep.equal({ id: 1, flag: 1, price: 12.5, big: 9223372036854775807n, at: "2026-01-02 03:04:05.600",
        stamped: "2026-01-02 03:04:05.600", data, doc: '{"a":1}', ref: "0b7c7c1e-8f3a-4d55-9a51-0c1f3c9b2f10" });
    expect(toLite({ id: 2, flag: false, price: "-7.0000", big: "-12", at: "2026-01-02 03:04:05", stamped: "2026-01-02 00:30:00-03:30",
      data: null, doc: null, ref: null })).to.deep.include({ flag: 0, price: -7, big: -12, at: "2026-01-02 03:04:05", stamped: "2026-01-02 04:00:00" });
    expect(toPg({ id: 1, flag: 1, price: 0.30000000000000004, big: 9007199254740993n, at: "2026-01-02 03:04:05.678",
      stamped: "2026-01-02 03:04:05.678", data, doc: "[]", ref: "x" }))
      .to.deep.equal({ id: 1, flag: true, price: "0.30000000000000004", big: "9007199254740993", at: "2026-01-02 03:04:05.678",
        stamped: "2026-01-02 03:04:05.678+00", data, doc: "[]", ref: "x" });
    expect(() => rowConverter("postgres", pg, "sqlite", { ...lite, columns: lite.columns.slice(1) })).to.throw(/id \(only in the source\)/);
  });

  it("round trip SQLite → PostgreSQL → SQLite reproduces the SQLite dump exactly", async () => {
    const source = await openShop("sqlite");
    // Not UTC, so that a timestamptz read without its offset would show.
    const middle = await openShop("postgres", "Asia/Kolkata");
    const back = await openShop("sqlite");
    try {
      await fc.assert(fc.asyncProperty(fc.array(orderSpec({ portable: true, fraction: "millis" }), { minLength: 1, maxLength: 10 }), async (orders) => {
        for (const shop of [source, middle, back]) await clearShop(shop);
        await fillShop(source, orders);
        const original = await dumpShop(source);
        await copy(source, original, middle);
        const inPostgres = await dumpShop(middle);
        // The middle really holds PostgreSQL's types, not SQLite's values passed through.
        expect(inPostgres.order.every((o) => typeof o.flag === "boolean" && typeof o.price === "string")).to.equal(true);
        await copy(middle, inPostgres, back);
        expect(await dumpShop(back)).to.deep.equal(original);
      }), { numRuns: 20 });
    } finally {
      for (const shop of [source, middle, back]) await shop.close();
    }
  });

  it("round trip PostgreSQL → SQLite → PostgreSQL reproduces the PostgreSQL dump exactly", async () => {
    // Sessions not in UTC (St John's is -03:30, -02:30 in summer, -01:30 in the summer of 1988): a timestamptz read without its offset would show.
    const source = await openShop("postgres", "America/St_Johns");
    const middle = await openShop("sqlite");
    const back = await openShop("postgres", "America/St_Johns");
    try {
      await fc.assert(fc.asyncProperty(fc.array(orderSpec({ portable: true, fraction: "micros" }), { minLength: 1, maxLength: 10 }), async (orders) => {
        for (const shop of [source, middle, back]) await clearShop(shop);
        await fillShop(source, orders);
        const original = await dumpShop(source);
        expect(original.order.every((o) => o.stamped === null || /[+-]\d\d:30$/.test(String(o.stamped)))).to.equal(true);
        await copy(source, original, middle);
        await copy(middle, await dumpShop(middle), back);
        expect(await dumpShop(back)).to.deep.equal(original);
      }), { numRuns: 20 });
    } finally {
      for (const shop of [source, middle, back]) await shop.close();
    }
  });

  it("documented loss: a SQLite time with .000 comes back from PostgreSQL without its fraction", () => {
    const lite = { name: "t", primaryKey: ["at"], columns: [{ name: "at", type: "datetime", nullable: false }] };
    const pg = { ...lite, columns: [{ name: "at", type: "timestamp without time zone", nullable: false }] };
    // PostgreSQL prints '2026-01-02 03:04:05.000' as '2026-01-02 03:04:05', which is all the way back has to go on.
    expect(rowConverter("postgres", pg, "sqlite", lite)({ at: "2026-01-02 03:04:05" })).to.deep.equal({ at: "2026-01-02 03:04:05" });
  });
});
