/**
 * In place (--clear-existing): the live database gets the restored rows in
 * one transaction, after a safety snapshot of what they replace; the capture
 * records the restore like any other transaction, so the journal goes on
 * matching the database; a dry run reports the same outcome and changes
 * neither the database nor the store (I8).
 */
import { expect } from "chai";
import { promises as fs } from "fs";
import path from "path";
import { restore } from "../src/restore";
import { mutateStocktake } from "../src/stocktake/workload";
import { tempDir, ENGINES } from "./support/databases";
import { dropTarget, dumpUrl, freshTarget, openApp } from "./support/restoreSupport";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every file of a directory tree with its size and modification time. */
async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const stat = await fs.stat(file);
    out.push(`${path.relative(dir, file)} ${stat.size} ${stat.mtimeMs}`);
  }
  return out.sort();
}

for (const engine of ENGINES) {
  describe(`restore in place (${engine})`, function () {
    this.timeout(300000);

    it("undoes a mistaken bulk delete: dry run first (nothing changes), then in place after a safety snapshot; the journal still matches", async () => {
      const app = await openApp(engine, { seed: 31, scale: 2 });
      const dir = tempDir();
      try {
        await app.snapshot("morning");
        await mutateStocktake(app.ds, { steps: 15, seed: 3100 });
        await app.changelog.flush();
        const good = { seq: await app.head(), at: Date.now(), dump: await app.dump() };
        await sleep(3);
        // The mistake: every session and every order line gone, outside the ORM.
        await app.ds.query(`DELETE FROM "session"`);
        await app.ds.query(`DELETE FROM "orderItem"`);
        await app.changelog.flush();
        const damaged = await app.dump();
        expect(damaged.session).to.have.length(0);

        const storeBefore = await listing(app.store);
        const dry = await restore({ store: app.store, to: new Date(good.at), source: app.url, clearExisting: true, dryRun: true });
        expect(dry.dryRun).to.equal(true);
        expect(dry.mode).to.equal("in-place");
        expect(dry.seqReached).to.equal(good.seq);
        expect(dry.rowsPerTable).to.deep.equal(Object.fromEntries(Object.entries(good.dump).map(([t, rows]) => [t, rows.length])));
        expect(await app.dump(), "live database after the dry run").to.deep.equal(damaged);
        expect(await listing(app.store), "store after the dry run").to.deep.equal(storeBefore);

        const result = await restore({ store: app.store, to: new Date(good.at), source: app.url, clearExisting: true });
        expect(result.mode).to.equal("in-place");
        expect(result.seqReached).to.equal(good.seq);
        expect(await app.dump(), "live database after the restore").to.deep.equal(good.dump);
        expect(result.safetySnapshot).to.match(/safety-.*\.snap$/);

        // The safety snapshot holds what was replaced.
        const undo = freshTarget(engine, dir);
        try {
          await restore({ store: app.store, snapshot: result.safetySnapshot!, target: undo });
          expect(await dumpUrl(undo, app.schema)).to.deep.equal(damaged);
        } finally {
          await dropTarget(engine, undo);
        }

        // The restore is in the journal: replaying it gives the live database, and so does the app's next work.
        await app.changelog.flush();
        for (const round of [0, 1]) {
          if (round === 1) {
            await mutateStocktake(app.ds, { steps: 10, seed: 3200 });
            await app.changelog.flush();
          }
          const replayed = freshTarget(engine, dir);
          try {
            const r = await restore({ store: app.store, target: replayed });
            expect(r.seqReached).to.equal(await app.head());
            expect(await dumpUrl(replayed, app.schema), `journal replay, round ${round}`).to.deep.equal(await app.dump());
          } finally {
            await dropTarget(engine, replayed);
          }
        }
      } finally {
        await app.close();
      }
    });
  });
}
