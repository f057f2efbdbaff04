import { ENGINES } from "./support/databases";
import { expect } from "chai";
import { spawnSync } from "child_process";
import { promises as fs } from "fs";
import path from "path";
import { BackupRestoreManager } from "../src";
import { mutateStocktake } from "../src/stocktake/workload";
import { dropTarget, dumpUrl, openApp, TestSnapshot } from "./support/restoreSupport";

const CLI = path.join(__dirname, "..", "src", "cli", "main.js");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cli(args: string[]) {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.BACKUP_DIR;
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const engine of ENGINES) {
  describe(`stocktake-backup restore (${engine})`, function () {
    this.timeout(300000);

    it("--to an instant: a new database by default, printed; --json; the old file restore with --dry-run and --clear-existing", async () => {
      const app = await openApp(engine, { seed: 51 });
      const created: string[] = [];
      try {
        const snapshot: TestSnapshot = await app.snapshot("before-lunch");
        await mutateStocktake(app.ds, { steps: 10, seed: 5100 });
        await app.changelog.flush();
        const at = Date.now();
        const instant = { seq: await app.head(), dump: await app.dump() };
        await sleep(3);
        await app.ds.query(`DELETE FROM "session"`);
        await app.changelog.flush();

        const pit = cli(["restore", "--to", new Date(at).toISOString(), "--dir", app.store, "--db", app.url, "--json"]);
        expect(pit.status, pit.stderr).to.equal(0);
        const result = JSON.parse(pit.stdout);
        created.push(result.target);
        expect(result).to.include({ success: true, dryRun: false, mode: "new", seqReached: instant.seq });
        expect(result.snapshot.file).to.equal(snapshot.file);
        if (engine === "sqlite") expect(result.target.startsWith(path.join(app.store, "restored"))).to.equal(true);
        else expect(result.target).to.match(/^postgres:\/\/.*_seq\d+_\d{8}t\d{6}$/);
        expect(await dumpUrl(engine === "sqlite" ? result.target : result.target.replace(/\*\*\*/, ""), app.schema)).to.deep.equal(instant.dump);

        const human = cli(["restore", "--to-seq", String(instant.seq), "--dir", app.store, "--db", app.url]);
        expect(human.status, human.stderr).to.equal(0);
        expect(human.stdout).to.match(new RegExp(`^restored seq ${instant.seq} `));
        const into = /into +(\S+)/.exec(human.stdout)![1];
        created.push(into);

        const live = await app.dump();
        const dry = cli(["restore", snapshot.file, "--dry-run", "--clear-existing", "--dir", app.store, "--db", app.url]);
        expect(dry.status, dry.stderr).to.equal(0);
        expect(dry.stdout).to.match(/^dry run: nothing was changed/);
        expect(await app.dump()).to.deep.equal(live);

        const refused = cli(["restore", snapshot.file, "--dir", app.store, "--db", app.url]);
        expect(refused.status).to.equal(2);
        expect(refused.stderr).to.match(/^error: .* is not empty/m);
        expect(refused.stderr).to.match(/^hint: add --clear-existing/m);

        const inPlace = cli(["restore", snapshot.file, "--clear-existing", "--dir", app.store, "--db", app.url, "--json"]);
        expect(inPlace.status, inPlace.stderr).to.equal(0);
        const r = JSON.parse(inPlace.stdout);
        expect(r.mode).to.equal("in-place");
        expect(r.seqReached).to.equal(snapshot.seq);
        expect(await fs.stat(r.safetySnapshot)).to.have.property("size").greaterThan(0);
      } finally {
        for (const target of created) if (engine === "postgres") await dropTarget(engine, target);
        await app.close();
      }
    });

    it("bad input exits 2 with the cause and a hint, and changes nothing", async () => {
      const app = await openApp(engine, { seed: 52 });
      try {
        const snapshot = await app.snapshot("only");
        const cases: [string[], RegExp, RegExp][] = [
          [["--to", "yesterday-ish"], /--to "yesterday-ish" is not an instant/, /give one of: .*now, -90s/],
          [["--to-seq", "12x"], /is not a sequence number/, /--to-seq 1234/],
          [["--to", new Date(snapshot.createdAt - 86_400_000).toISOString()], /before the oldest snapshot/, /restorable: .*\(seq \d+\) to/],
          [["--to-seq", "999999"], /after the end of the journal/, /restorable:/],
          [["no-such.snap"], /does not exist/, /list shows/],
        ];
        for (const [args, error, hint] of cases) {
          const r = cli(["restore", ...args, "--dir", app.store, "--db", app.url, "--target", path.join(app.store, "never.db")]);
          expect(r.status, `${args.join(" ")}: ${r.stderr}`).to.equal(2);
          expect(r.stderr).to.match(error);
          expect(r.stderr).to.match(hint);
          expect(r.stdout).to.equal("");
        }
        await fs.access(path.join(app.store, "never.db")).then(() => expect.fail("target created"), () => undefined);
      } finally {
        await app.close();
      }
    });

    it("BackupRestoreManager.restoreBackup(path, { dryRun, skipValidation, clearExisting }) resolves to { success, … }", async () => {
      const app = await openApp(engine, { seed: 53 });
      try {
        const snapshot = await app.snapshot("api");
        await mutateStocktake(app.ds, { steps: 8, seed: 5300 });
        await app.changelog.flush();
        const manager = new BackupRestoreManager({ dir: app.store, db: app.url });
        const refused = await manager.restoreBackup(snapshot.path);
        expect(refused).to.deep.include({ success: false, code: "TARGET_NOT_EMPTY" });
        const dry = await manager.restoreBackup(snapshot.path, { dryRun: true, clearExisting: true });
        expect(dry, JSON.stringify(dry)).to.include({ success: true, dryRun: true, seqReached: snapshot.seq });
        const done = await manager.restoreBackup(snapshot.file, { clearExisting: true, skipValidation: true });
        expect(done, JSON.stringify(done)).to.include({ success: true, mode: "in-place", seqReached: snapshot.seq });
        const back = await manager.restoreBackup(path.join(app.store, "missing.snap"));
        expect(back).to.deep.include({ success: false, code: "NOT_FOUND" });
      } finally {
        await app.close();
      }
    });
  });
}
