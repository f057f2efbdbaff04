import { expect } from "chai";
import { DataSource } from "typeorm";
import { attachChangelog, Changelog } from "../src";
import { CaptureDialect } from "../src/capture/dialect";
import { createDialect } from "../src/capture/createDialect";
import { readFrames } from "../src/journal/reader";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { Rng, seedStocktake, writePaths } from "../src/stocktake/workload";
import { createTestDatabase, ENGINES, tempDir, TestDatabase } from "./support/databases";
import { applyFrames, cloneState, dumpState, expectSameState } from "./support/replay";

/**
 * Completeness (I1), one case per write path of the capture matrix: from a
 * known state, run the path, apply the journal's new frames to a copy of the
 * known state, and compare the copy with the live database value by value.
 */
for (const engine of ENGINES) {
  describe(`every write path reaches the journal exactly (${engine})`, function () {
    this.timeout(120000);
    let db: TestDatabase;
    let ds: DataSource;
    let changelog: Changelog;
    let dialect: CaptureDialect;
    let dir: string;
    const rng = new Rng(2026);

    before(async () => {
      db = await createTestDatabase(engine);
      const options = db.options([]) as { url?: string; database?: string };
      ds = await openStocktakeDataSource(options.url ?? options.database);
      dir = tempDir();
      changelog = await attachChangelog(ds, { dir });
      await seedStocktake(ds, { scale: 1, seed: 3 });
      dialect = await createDialect(ds);
      await dialect.preparePluginTables(changelog.schema);
    });
    after(async () => {
      await dialect.close();
      await changelog.close();
      await ds.destroy();
      await db.drop();
    });

    it("has the 43 paths of the matrix", () => {
      expect(writePaths.map((p) => p.row)).to.deep.equal(Array.from({ length: 43 }, (_v, i) => i + 1));
    });

    for (const path of writePaths) {
      it(`#${path.row} ${path.name}`, async () => {
        await changelog.flush();
        const known = await dumpState(ds, changelog.schema);
        const from = changelog.lastSeq;
        await path.run(ds, rng);
        await changelog.flush();
        const frames = [...readFrames(dir, { fromSeq: from + 1 })];
        const replayed = cloneState(known);
        applyFrames(replayed, frames, changelog.schema);
        const live = await dumpState(ds, changelog.schema);
        expectSameState(replayed, live);
        if (path.rolledBack) expect(frames, "a rolled-back path leaves no frame").to.have.length(0);
        else expect(frames.length, "a committed path leaves at least one frame").to.be.greaterThan(0);
      });
    }
  });
}
