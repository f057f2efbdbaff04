/**
 * A store and a database know each other (issue 7, item 1; probe D1, D4, D17):
 * no command ever ships one database's changes into a store that is not its
 * own, mixes a snapshot of one with the journal of another, or installs
 * anything in a database that did not ask for it.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { BackupError } from "../src/errors";
import { readFrames } from "../src/journal/reader";
import { tempDir, ENGINES } from "./support/databases";
import { jsonOf, runCli } from "./support/cli";
import { namesIn, tinyApp, type TinyApp } from "./support/tinyApp";

function storeFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<BackupError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(BackupError);
    expect((e as BackupError).code, (e as Error).message).to.equal(code);
    return e as BackupError;
  }
  throw new Error(`expected ${code}`);
}

const databaseIdOf = async (app: TinyApp) => ((await app.ds.query("SELECT database_id FROM _changelog_identity")) as { database_id: string }[])[0].database_id;

for (const engine of ENGINES) {
  describe(`store identity (${engine})`, function () {
    this.timeout(120_000);
    const apps: TinyApp[] = [];
    const open = async (tag: string) => {
      const app = await tinyApp(engine, tag);
      apps.push(app);
      return app;
    };
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.close();
    });

    it("AnotherStoreTakesASnapshotButNeverTheDatabasesChanges (D1)", async () => {
      const app = await open("a");
      const home = tempDir("stk-home-");
      const changelog = await app.attach({ dir: home });
      await app.write(3);
      await changelog.flush();
      await changelog.close();
      const unshipped = await app.rawWrite();

      const other = tempDir("stk-other-");
      const run = runCli(["backup", "--db", app.url, "--dir", other, "--json"]);
      const taken = jsonOf<{ file: string; seq: number }>(run);
      expect(run.stderr).to.contain("ships its changes to");
      expect(fs.existsSync(path.join(other, "journal")), "no second journal").to.equal(false);
      expect(storeFiles(other)).to.include(taken.file);

      // The home store gets the change the other store left in the outbox, and its journal goes on.
      jsonOf(runCli(["backup", "--db", app.url, "--dir", home, "--json"]));
      const shipped = [...readFrames(home)].flatMap((f) => f.changes).map((c) => c.after?.name);
      expect(shipped).to.include(unshipped);
      const again = await app.attach({ dir: home });
      await app.write(2);
      await again.flush();
      await again.close();
      const verify = runCli(["verify", "--db", app.url, "--dir", home]);
      expect(verify.status, verify.stdout + verify.stderr).to.equal(0);
    });

    it("ABackupIntoAnotherStoreWhileTheAppRunsLeavesItsJournalGoing (D1)", async () => {
      const app = await open("a");
      const home = tempDir("stk-home-");
      const changelog = await app.attach({ dir: home });
      try {
        await app.write(2);
        const other = tempDir("stk-other-");
        jsonOf(runCli(["backup", "--db", app.url, "--dir", other, "--json"]));
        await app.write(2);
        await changelog.flush();
        expect((await changelog.status()).trouble).to.equal(null);
        const seqs = [...readFrames(home)].map((f) => f.seq);
        expect(seqs).to.deep.equal(Array.from({ length: seqs.length }, (_, i) => i + 1));
        expect(seqs[seqs.length - 1]).to.equal(await app.headSeq());
      } finally {
        await changelog.close();
      }
    });

    it("AStoreOfAnotherDatabaseIsRefused (D4)", async () => {
      const a = await open("a");
      const b = await open("b");
      const storeA = tempDir("stk-a-");
      const ca = await a.attach({ dir: storeA });
      await a.write(2);
      await ca.close();
      const cb = await b.attach({ dir: tempDir("stk-b-") });
      await b.write(1);
      await cb.close();
      const plain = await open("plain");
      const before = storeFiles(storeA);
      for (const other of [b, plain]) {
        const run = runCli(["backup", "--db", other.url, "--dir", storeA]);
        expect(run.status, run.stderr).to.equal(2);
        expect(run.stderr).to.contain((await databaseIdOf(a)).slice(0, 8));
        if (other === b) expect(run.stderr).to.contain((await databaseIdOf(b)).slice(0, 8));
        expect(storeFiles(storeA), "nothing written").to.deep.equal(before);
      }
      await rejectsWith(b.attach({ dir: storeA }), "STORE_MISMATCH");
      expect(storeFiles(storeA)).to.deep.equal(before);
    });

    it("ASnapshotOfAnotherDatabaseIsNotReplayedOnThisJournal (D4)", async () => {
      const a = await open("a");
      const b = await open("b");
      const storeA = tempDir("stk-a-");
      const storeB = tempDir("stk-b-");
      const ca = await a.attach({ dir: storeA });
      await a.write(2);
      await ca.snapshot();
      await a.write(3);
      await ca.close();
      const cb = await b.attach({ dir: storeB });
      await b.write(1);
      const foreign = await cb.snapshot();
      await cb.close();
      const target = path.join(tempDir("stk-t-"), "mixed.db");
      const run = runCli(["restore", foreign.path, "--to-seq", "4", "--dir", storeA, "--target", target]);
      expect(run.status, run.stdout + run.stderr).to.equal(2);
      expect(run.stderr).to.contain((await databaseIdOf(b)).slice(0, 8));
      expect(run.stderr).to.contain((await databaseIdOf(a)).slice(0, 8));
      expect(fs.existsSync(target), "no target made").to.equal(false);
    });

    it("ADatabaseShippingToOneStoreIsRefusedByAnotherUntilMoved", async () => {
      const app = await open("a");
      const first = tempDir("stk-first-");
      const c1 = await app.attach({ dir: first });
      await app.write(2);
      await c1.close();
      await app.rawWrite();
      const second = tempDir("stk-second-");
      const refused = await rejectsWith(app.attach({ dir: second }), "STORE_MISMATCH");
      expect(refused.hint).to.contain("--move-store");
      expect(storeFiles(second)).to.deep.equal([]);

      const moved = runCli(["backup", "--move-store", "--db", app.url, "--dir", second, "--json"]);
      jsonOf(moved);
      await rejectsWith(app.attach({ dir: first }), "STORE_MISMATCH");
      const c2 = await app.attach({ dir: second });
      const names = await app.write(1);
      await c2.close();
      const target = path.join(tempDir("stk-t-"), "moved.db");
      jsonOf(runCli(["restore", "latest", "--dir", second, "--target", target, "--json"]));
      expect((await namesIn(target)).slice(-1)).to.deep.equal(names);
    });

    it("VerifyOfAnotherDatabaseIsRefused", async () => {
      const a = await open("a");
      const b = await open("b");
      const storeA = tempDir("stk-a-");
      const ca = await a.attach({ dir: storeA });
      await a.write(1);
      await ca.snapshot();
      await ca.close();
      const cb = await b.attach({ dir: tempDir("stk-b-") });
      await cb.close();
      const run = runCli(["verify", "--db", b.url, "--dir", storeA]);
      expect(run.status, run.stdout + run.stderr).to.equal(2);
      expect(run.stderr).to.contain((await databaseIdOf(b)).slice(0, 8));
    });

    it("BackupOfADatabaseNeverAttachedInstallsNothing (D17)", async () => {
      const app = await open("plain");
      await app.write(3);
      const objects = async () => engine === "sqlite"
        ? ((await app.ds.query("SELECT type, name, sql FROM sqlite_master ORDER BY name")) as unknown[])
        : ((await app.ds.query("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY relname")) as unknown[]);
      const mode = async () => engine === "sqlite" ? ((await app.ds.query("PRAGMA journal_mode")) as { journal_mode: string }[])[0].journal_mode : "";
      const before = { objects: await objects(), mode: await mode() };
      const store = tempDir("stk-plain-");
      const run = runCli(["backup", "--db", app.url, "--dir", store, "--json"]);
      const taken = jsonOf<{ seq: number; file: string }>(run);
      expect(run.stderr).to.contain("never attached");
      expect(taken.seq).to.equal(0);
      expect({ objects: await objects(), mode: await mode() }).to.deep.equal(before);
      const target = path.join(tempDir("stk-t-"), "plain.db");
      jsonOf(runCli(["restore", taken.file, "--dir", store, "--target", target, "--json"]));
      expect(await namesIn(target)).to.deep.equal(await app.names());

      const installed = runCli(["backup", "--install", "--db", app.url, "--dir", store, "--json"]);
      jsonOf(installed);
      expect(((await objects()) as unknown[]).length).to.be.greaterThan(before.objects.length);
    });
  });
}
