/**
 * D12 (reliability-probe.md): `log` printed a date-only value `2022-09-16`
 * as `2022-09-16:00`, in the terminal form and in --json, on both engines.
 * One row holding each kind of value a reformatting breaks (a date, a
 * timestamp, a timestamptz, a decimal, an integer beyond 2^53, bytes, a JSON
 * text with its own spacing), written by an app; `log` through the built CLI
 * must print each as the database holds it.
 */
import { expect } from "chai";
import { DataSource, EntitySchema } from "typeorm";
import { attachChangelog, Changelog } from "../src";
import { createTestDatabase, ENGINES, openDataSource, TestDatabase, tempDir } from "./support/databases";
import { LoggedRow, logJson, runCli } from "./support/loggedValues";

const HASH = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";
const MEMO = "counted twice; ".repeat(20);
const DOC = '{"qty": 1.10,  "tags": [ ], "note": "a\\\\b \\"q\\""}';

function shipmentSchema(engine: string) {
  const sqlite = engine === "sqlite";
  return new EntitySchema<Record<string, unknown>>({
    name: "Shipment", tableName: "shipment",
    columns: {
      id: { type: Number, primary: true, generated: true },
      openedOn: { type: "date" },
      shippedAt: { type: sqlite ? "datetime" : "timestamp" },
      ...(sqlite ? {} : { stampedAt: { type: "timestamptz" } }),
      price: { type: "decimal", precision: 20, scale: 4 },
      big: { type: "bigint" },
      seal: { type: sqlite ? "blob" : "bytea" },
      doc: { type: "json", nullable: true },
      hash: { type: "varchar", length: 60 },
      memo: { type: "text" },
    },
  });
}

/** What the database holds, read back as text by the database itself. */
async function heldText(ds: DataSource, column: string): Promise<string> {
  const rows: { v: string }[] = await ds.query(ds.options.type === "postgres"
    ? `SELECT "${column}"::text AS v FROM shipment` : `SELECT CAST("${column}" AS TEXT) AS v FROM shipment`);
  return rows[0].v;
}

for (const engine of ENGINES) {
  describe(`log prints values exactly as the database holds them (${engine})`, function () {
    this.timeout(60000);
    let db: TestDatabase;
    let ds: DataSource;
    let changelog: Changelog;
    let dir: string;
    let logged: LoggedRow;
    let human: string;

    before(async () => {
      db = await createTestDatabase(engine);
      ds = await openDataSource(db, [shipmentSchema(engine)]);
      dir = tempDir();
      changelog = await attachChangelog(ds, { dir });
      const shippedAt = new Date("2026-11-26T14:05:00.123Z");
      await ds.getRepository("Shipment").save({
        openedOn: "2022-09-16", shippedAt, stampedAt: shippedAt, price: engine === "sqlite" ? "1234567.8912" : "12345678901234.5678",
        big: "9007199254740993", seal: Buffer.from([0, 1, 2, 255]), hash: HASH, memo: MEMO,
      });
      await ds.query(engine === "sqlite" ? "UPDATE shipment SET doc = ?" : "UPDATE shipment SET doc = $1", [DOC]);
      await changelog.flush();
      const lines = logJson(dir);
      logged = lines[lines.length - 1].after!;
      human = runCli(["log", "--dir", dir]).stdout;
    });
    after(async () => {
      await changelog.close();
      await ds.destroy();
      await db.drop();
    });

    it("ADateOnlyValueIsPrintedAsHeld (D12): 2022-09-16, not 2022-09-16:00", () => {
      expect(logged.openedOn).to.equal("2022-09-16");
      expect(human).to.contain('openedOn="2022-09-16"');
      expect(human).not.to.contain("2022-09-16:00");
    });

    it("ATimestampIsPrintedAsHeld: no T, no Z added", async () => {
      expect(logged.shippedAt).to.equal(await heldText(ds, "shippedAt"));
      expect(logged.shippedAt).to.equal("2026-11-26 14:05:00.123");
      expect(human).to.contain(`shippedAt=${JSON.stringify(logged.shippedAt)}`);
    });

    if (engine === "postgres") {
      it("ATimestamptzIsPrintedAsHeld: the server's text with its offset", async () => {
        expect(logged.stampedAt).to.equal(await heldText(ds, "stampedAt"));
      });
    }

    it("ADecimalIsPrintedAsHeld", async () => {
      // SQLite keeps a decimal as REAL: a JSON number; PostgreSQL's numeric is text, every digit.
      if (engine === "sqlite") expect(logged.price).to.equal(Number(await heldText(ds, "price")));
      else expect(logged.price).to.equal("12345678901234.5678");
    });

    it("AnIntegerBeyond2To53IsPrintedAsItsDigits", () => {
      expect(logged.big).to.equal("9007199254740993");
      expect(human).to.match(/big="?9007199254740993"?(\s|$)/m);
    });

    it("BytesArePrintedAsBase64 (--json) and hex (terminal)", () => {
      expect(logged.seal).to.equal(Buffer.from([0, 1, 2, 255]).toString("base64"));
      expect(human).to.contain("seal=x'000102ff'");
    });

    it("AJsonTextIsPrintedAsHeld: spacing and escapes kept", async () => {
      expect(logged.doc).to.equal(await heldText(ds, "doc"));
      if (engine === "sqlite") expect(logged.doc).to.equal(DOC);
    });

    it("AHashOfSixtyCharsIsPrintedWhole; only long text is cut, with a marker", () => {
      expect(human).to.contain(`hash=${JSON.stringify(HASH)}`);
      expect(human).to.match(/memo="(counted twice; )+[^"]*"…\(\+\d+ chars\)/);
      expect(logged.memo, "--json is never cut").to.equal(MEMO);
    });

    it("VerifyJsonPrintsDriftSamplesInTheSameEncoding", async () => {
      await changelog.snapshot({ name: "base" });
      await outsideCapture(ds, `UPDATE shipment SET "openedOn" = '2022-09-17', big = 9007199254740995`);
      const url = engine === "sqlite" ? String((ds.options as { database: string }).database) : String((ds.options as { url: string }).url);
      const r = runCli(["verify", "--dir", dir, "--db", url, "--json"]);
      expect(r.status, r.stderr).to.equal(1);
      const sample = (JSON.parse(r.stdout) as { tables: { samples: { live: LoggedRow; replayed: LoggedRow }[] }[] }).tables[0].samples[0];
      expect([sample.live.openedOn, sample.replayed.openedOn]).to.deep.equal(["2022-09-17", "2022-09-16"]);
      expect([sample.live.big, sample.replayed.big]).to.deep.equal(["9007199254740995", "9007199254740993"]);
      expect(sample.live.seal).to.equal(Buffer.from([0, 1, 2, 255]).toString("base64"));
    });
  });
}

/** A write the journal does not see: PostgreSQL with triggers silenced, SQLite with its triggers dropped for the statement. */
async function outsideCapture(ds: DataSource, sql: string): Promise<void> {
  if (ds.options.type === "postgres") {
    await ds.transaction(async (m) => {
      await m.query("SET LOCAL session_replication_role = replica");
      await m.query(sql);
    });
    return;
  }
  const triggers: { name: string; sql: string }[] = await ds.query(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '\\_changelog\\_%' ESCAPE '\\'`);
  for (const t of triggers) await ds.query(`DROP TRIGGER "${t.name}"`);
  await ds.query(sql);
  for (const t of triggers) await ds.query(t.sql);
}
