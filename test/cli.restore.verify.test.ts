import { ENGINES } from "./support/databases";
/**
 * verify: the journal replayed from the newest snapshot equals the live
 * database (exit 0); changes made outside capture show as drift, table by
 * table, with missing, extra and different rows (exit 1).
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import path from "path";
import { verifyJournal } from "../src/verify";
import { mutateStocktake } from "../src/stocktake/workload";
import { openApp } from "./support/restoreSupport";
import { outsideCapture } from "./support/outsideCapture";

const CLI = path.join(__dirname, "..", "src", "cli", "main.js");

function cli(args: string[]) {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const engine of ENGINES) {
  describe(`stocktake-backup verify (${engine})`, function () {
    this.timeout(300000);

    it("reports no drift while every change went through capture, and each row changed outside it", async () => {
      const app = await openApp(engine, { seed: 61, scale: 2 });
      try {
        await app.snapshot("base");
        await mutateStocktake(app.ds, { steps: 25, seed: 6100 });
        await app.changelog.flush();

        const clean = cli(["verify", "--dir", app.store, "--db", app.url, "--json"]);
        expect(clean.status, clean.stderr).to.equal(0);
        const ok = JSON.parse(clean.stdout);
        expect(ok.ok).to.equal(true);
        expect(ok.seq).to.equal(await app.head());
        expect(ok.tables).to.have.length(app.schema.tables.length);

        const [item] = await app.ds.query(`SELECT "id" FROM "item" ORDER BY "id" LIMIT 1`) as { id: number }[];
        const [category] = await app.ds.query(`SELECT "id" FROM "category" ORDER BY "id" DESC LIMIT 1`) as { id: number }[];
        const sql = [
          `UPDATE "item" SET "name" = 'renamed by hand' WHERE "id" = ${item.id}`,
          `INSERT INTO "permission" ("code", "description") VALUES ('by.hand', 'not captured')`,
          `DELETE FROM "orderItem" WHERE "id" = (SELECT "id" FROM "orderItem" ORDER BY "id" LIMIT 1)`,
          `UPDATE "category" SET "sortOrder" = 99 WHERE "id" = ${category.id}`,
        ];
        await outsideCapture(app.ds, sql);

        const drift = cli(["verify", "--dir", app.store, "--db", app.url]);
        expect(drift.status, drift.stderr).to.equal(1);
        expect(drift.stdout).to.match(/^DRIFT/);
        expect(drift.stdout).to.match(/item: 0 missing, 0 extra, 1 different/);
        expect(drift.stdout).to.match(/permission: 0 missing, 1 extra, 0 different/);
        expect(drift.stdout).to.match(/orderItem: 1 missing, 0 extra, 0 different/);
        expect(drift.stdout).to.match(/category: 0 missing, 0 extra, 1 different/);
        const result = await verifyJournal({ store: app.store, source: app.url });
        const item1 = result.tables.find((t) => t.table === "item")!;
        expect(item1.samples[0]).to.deep.include({ kind: "different", key: { id: item.id } });
        expect(item1.samples[0].live!.name).to.equal("renamed by hand");
      } finally {
        await app.close();
      }
    });

    if (engine === "postgres") {
      it("reads commits the app has not shipped yet from the outbox, without shipping them", async () => {
        const app = await openApp(engine, { seed: 62 });
        try {
          await app.snapshot("base");
          await mutateStocktake(app.ds, { steps: 10, seed: 6200 });
          await app.changelog.close();
          // The app is gone; the database seals these itself, and they wait in the outbox.
          await app.ds.query(`UPDATE "item" SET "name" = "name" || ' (new label)' WHERE "id" IN (SELECT "id" FROM "item" ORDER BY "id" LIMIT 3)`);
          await app.ds.query(`INSERT INTO "permission" ("code", "description") VALUES ('after.close', 'in the outbox')`);
          const result = await verifyJournal({ store: app.store, source: app.url, waitMs: 100 });
          expect(result.ok).to.equal(true);
          expect(result.fromOutbox).to.equal(2);
          const outbox: { n: string }[] = await app.ds.query(`SELECT count(*) AS n FROM _changelog_tx`);
          expect(Number(outbox[0].n), "still in the outbox").to.equal(2);
        } finally {
          await app.close();
        }
      });
    }
  });
}
