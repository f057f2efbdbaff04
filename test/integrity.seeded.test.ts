/**
 * Seeded violations: a workload commits, at seqs it records, each kind of
 * violation the rules know (raw SQL where the schema would refuse it: an
 * orphan with foreign keys off, a duplicate username, a negative quantity,
 * a future date, a wrong order total), then fixes two of them. `audit`
 * reports each exactly once, with exactly the recorded first seq and, for
 * the fixed ones, the recorded fix seq; `validate data` at the end reports
 * exactly the unfixed ones. Both through the built CLI, on both engines.
 */
import { expect } from "chai";
import type { DataSource } from "typeorm";
import { attachChangelog, type Changelog } from "../src";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { mutateStocktake, seedStocktake } from "../src/stocktake/workload";
import { tempDir } from "./support/databases";
import { runCli as cli } from "./support/cli";
import { createScratchDatabase, type StocktakeEngine } from "./support/scratchDatabase";

const ENGINES: StocktakeEngine[] = ["sqlite", "postgres"];

interface Seeded { rule: string; table: string; key: Record<string, unknown>; first: number; fixed: number | null }

async function committed(changelog: Changelog, ds: DataSource, sql: string[]): Promise<number> {
  const before = changelog.lastSeq;
  for (const statement of sql) await ds.query(statement);
  await changelog.flush();
  expect(changelog.lastSeq, `a transaction of its own: ${sql.join("; ")}`).to.equal(before + 1);
  return changelog.lastSeq;
}

async function orphanSql(ds: DataSource, engine: StocktakeEngine, orderId: number, itemId: number): Promise<string[]> {
  const insert = `INSERT INTO "orderItem" ("orderId", "itemId", "quantity", "unitPrice", "lineTotal") VALUES (${orderId}, ${itemId}, 2, 1.50, 3.00)`;
  if (engine === "sqlite") return [insert];
  // PostgreSQL: the key is dropped and put back NOT VALID (which skips the rows there), in one transaction.
  const [fk] = await ds.query(`SELECT conname FROM pg_constraint WHERE conrelid = '"orderItem"'::regclass AND contype = 'f'
    AND confrelid = '"order"'::regclass`) as { conname: string }[];
  return [`BEGIN`, `ALTER TABLE "orderItem" DROP CONSTRAINT "${fk.conname}"`, insert,
    `ALTER TABLE "orderItem" ADD CONSTRAINT "${fk.conname}" FOREIGN KEY ("orderId") REFERENCES "order"("id") ON DELETE CASCADE NOT VALID`, `COMMIT`];
}

for (const engine of ENGINES) {
  describe(`integrity: seeded violations (${engine})`, function () {
    this.timeout(300_000);
    let url: string;
    let store: string;
    let dispose: () => Promise<void>;
    const seeded: Seeded[] = [];

    before(async () => {
      const db = await createScratchDatabase(engine);
      url = db.url;
      dispose = () => db.dispose();
      store = tempDir("integ-store-");
      const ds = await openStocktakeDataSource(db.url);
      try {
        await seedStocktake(ds, { scale: 1, seed: 21 });
        const changelog = await attachChangelog(ds, { dir: store, groupWindowMs: 5 });
        try {
          await changelog.snapshot({ name: "base" });
          await mutateStocktake(ds, { steps: 30, seed: 22 });
          await changelog.flush();
          const one = async (table: string) => ((await ds.query(`SELECT min("id") AS id FROM "${table}"`)) as { id: number }[])[0].id;
          const [user1, user2] = ((await ds.query(`SELECT "id", "username" FROM "user" ORDER BY "id" LIMIT 2`)) as { id: number; username: string }[]);
          const inventory = await one("storeInventory");
          const stocktake = await one("stocktake");
          const order = await one("order");
          const item = await one("item");
          const orphanKey = 900_000;

          if (engine === "sqlite") await ds.query(`PRAGMA foreign_keys = OFF`);
          const orphanSeq = await committed(changelog, ds, await orphanSql(ds, engine, orphanKey, item));
          if (engine === "sqlite") await ds.query(`PRAGMA foreign_keys = ON`);
          const [orphan] = (await ds.query(`SELECT "id" FROM "orderItem" WHERE "orderId" = ${orphanKey}`)) as { id: number }[];
          seeded.push({ rule: "foreign-key", table: "orderItem", key: { id: orphan.id }, first: orphanSeq, fixed: null });

          const dupSeq = await committed(changelog, ds, [`UPDATE "user" SET "username" = '  ${user1.username.toUpperCase()} ' WHERE "id" = ${user2.id}`]);
          seeded.push({ rule: "duplicate-username", table: "user", key: { username: user1.username }, first: dupSeq, fixed: null });
          const negSeq = await committed(changelog, ds, [`UPDATE "storeInventory" SET "quantity" = -5 WHERE "id" = ${inventory}`]);
          seeded.push({ rule: "negative-quantity", table: "storeInventory", key: { id: inventory }, first: negSeq, fixed: null });
          const futureSeq = await committed(changelog, ds, [`UPDATE "stocktake" SET "startedAt" = '2099-01-01 00:00:00' WHERE "id" = ${stocktake}`]);
          seeded.push({ rule: "future-date", table: "stocktake", key: { id: stocktake }, first: futureSeq, fixed: null });
          const totalSeq = await committed(changelog, ds, [`UPDATE "order" SET "total" = "total" + 1 WHERE "id" = ${order}`]);
          seeded.push({ rule: "order-total", table: "order", key: { id: order }, first: totalSeq, fixed: null });

          // Two are fixed later: the quantity set right, the second user renamed.
          seeded[2].fixed = await committed(changelog, ds, [`UPDATE "storeInventory" SET "quantity" = 5 WHERE "id" = ${inventory}`]);
          seeded[1].fixed = await committed(changelog, ds, [`UPDATE "user" SET "username" = 'renamed.${user2.id}' WHERE "id" = ${user2.id}`]);
        } finally {
          await changelog.close();
        }
      } finally {
        await ds.destroy();
      }
    });

    after(async () => { await dispose?.(); });

    it("AuditReportsEachSeededViolationOnceWithItsFirstAndFixSeq", () => {
      const run = cli(["audit", "--dir", store, "--json"]);
      expect(run.status, run.stderr).to.equal(1);
      const result = JSON.parse(run.stdout) as { findings: { rule: string; table: string; key: Record<string, unknown>; firstSeq: number; fixedSeq: number | null; changes: { table: string; op: string }[] }[] };
      const got = result.findings.map((f) => ({ rule: f.rule, table: f.table, key: f.key, first: f.firstSeq, fixed: f.fixedSeq }));
      const byFirst = (a: Seeded, b: Seeded) => a.first - b.first;
      expect(got.sort(byFirst)).to.deep.equal([...seeded].sort(byFirst));
      const orphan = result.findings.find((f) => f.rule === "foreign-key")!;
      expect(orphan.changes).to.deep.include({ table: "orderItem", op: "insert", key: seeded[0].key });
    });

    it("AuditFromAfterAFixLeavesThatFindingOut", () => {
      const fixedAt = seeded[2].fixed!;
      const run = cli(["audit", "--dir", store, "--from", String(fixedAt), "--json"]);
      const rules = (JSON.parse(run.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule).sort();
      expect(rules).to.deep.equal(["duplicate-username", "foreign-key", "future-date", "order-total"]);
    });

    it("ValidateDataReportsExactlyTheUnfixedOnes", () => {
      const run = cli(["validate", "data", "--db", url, "--json"]);
      expect(run.status, run.stderr).to.equal(1);
      const result = JSON.parse(run.stdout) as { status: string; issues: number; warnings: number; findings: { rule: string; table: string; key: Record<string, unknown> }[] };
      const got = result.findings.map((f) => ({ rule: f.rule, table: f.table, key: f.key })).sort((a, b) => a.rule.localeCompare(b.rule));
      const want = seeded.filter((s) => s.fixed === null).map(({ rule, table, key }) => ({ rule, table, key })).sort((a, b) => a.rule.localeCompare(b.rule));
      expect(got).to.deep.equal(want);
      expect(result.status).to.equal("critical");
      expect(result.warnings, "future-date is a warning").to.equal(1);
      expect(result.issues).to.equal(2);
    });

    it("ValidateReportWritesTheReportIntoTheStore", () => {
      const run = cli(["validate", "report", "--db", url, "--dir", store, "--json"]);
      expect(run.status, run.stderr).to.equal(1);
      const out = JSON.parse(run.stdout) as { report: string };
      expect(out.report).to.match(/integrity-report-\d+\.json$/);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const report = JSON.parse(require("node:fs").readFileSync(out.report, "utf8")) as { database: { status: string; seq: number }; issues: unknown[]; warnings: unknown[]; counts: { byRule: Record<string, number> } };
      expect(report.database.status).to.equal("critical");
      expect(report.issues).to.have.length(2);
      expect(report.warnings).to.have.length(1);
      expect(report.counts.byRule).to.deep.equal({ "foreign-key": 1, "future-date": 1, "order-total": 1 });
    });
  });
}
