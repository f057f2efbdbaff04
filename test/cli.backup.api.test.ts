import { expect } from "chai";
import fs from "fs";
import path from "path";
import { attachChangelog, BackupRestoreManager } from "../src";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { createScratchDatabase, ScratchDatabase } from "./support/scratchDatabase";
import { seedStocktake } from "../src/stocktake/workload";
import { tempDir } from "./support/databases";

/** The old scripts' API: results are `{ success, … }`, errors included, never a throw. */
describe("BackupRestoreManager (createBackup, listBackups)", function () {
  this.timeout(60000);
  let db: ScratchDatabase;

  before(async () => {
    db = await createScratchDatabase("sqlite");
    const ds = await openStocktakeDataSource(db.url);
    await seedStocktake(ds, { scale: 1, seed: 2 });
    await ds.destroy();
  });
  after(() => db.dispose());

  it("createBackup(name) from a database URL, then listBackups shows it", async () => {
    const dir = tempDir();
    const manager = new BackupRestoreManager({ db: db.url, dir });
    const created = await manager.createBackup("api-backup");
    if (!created.success) throw new Error(created.error);
    expect(created.file).to.equal("api-backup.snap");
    expect(fs.statSync(created.path).size).to.equal(created.bytes);
    expect(created.rows).to.be.greaterThan(100);
    const listed = await manager.listBackups();
    if (!listed.success) throw new Error(listed.error);
    expect(listed.backups.map((b) => [b.file, b.seq, b.rows])).to.deep.equal([[created.file, created.seq, created.rows]]);
  });

  it("createBackup with the app's own DataSource while its changelog is attached: the snapshot is taken, the DataSource stays open", async () => {
    const ds = await openStocktakeDataSource(db.url);
    const dir = tempDir();
    const changelog = await attachChangelog(ds, { dir });
    try {
      await ds.query("UPDATE item SET name = name || '!' WHERE id = 1");
      const created = await new BackupRestoreManager({ dataSource: ds, dir }).createBackup();
      if (!created.success) throw new Error(created.error);
      expect(created.file).to.match(/^backup-\d{4}-\d\d-\d\dT.*\.snap$/);
      expect(created.seq).to.equal(1);
      expect(ds.isInitialized).to.equal(true);
      await ds.query("UPDATE item SET name = name || '!' WHERE id = 1"); // the app goes on
      await changelog.flush();
      expect(changelog.lastSeq).to.equal(2);
    } finally {
      await changelog.close();
      await ds.destroy();
    }
  });

  it("failures resolve to { success: false, error, code }", async () => {
    const missing = path.join(tempDir(), "nope");
    const manager = new BackupRestoreManager({ db: db.url, dir: missing });
    expect(await manager.createBackup()).to.deep.include({ success: false, code: "NOT_FOUND" });
    const listed = await manager.listBackups();
    expect(listed).to.deep.include({ success: false, code: "NOT_FOUND" });
    if (!listed.success) expect(listed.error).to.match(/does not exist/);

    const dir = tempDir();
    const twice = new BackupRestoreManager({ db: db.url, dir });
    expect((await twice.createBackup("same")).success).to.equal(true);
    expect(await twice.createBackup("same")).to.deep.include({ success: false, code: "BAD_INPUT" });
  });
});
