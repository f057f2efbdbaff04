/**
 * The store's access log (issue 14, item 5): each command that reads rows
 * out of the store appends one JSON line naming itself, who ran it and what
 * it read; the file is 0600 whatever the umask; commands that read headers
 * only append nothing; a store that cannot be written still restores, with
 * a warning.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ACCESS_LOG, type AccessEntry } from "../src/accessLog";
import { ACCESS_WARNING, runCli, runCliUnderUmask, startCli } from "./support/cli";
import { writeBigJournal } from "./support/bigJournal";
import { tempDir } from "./support/databases";
import { openUrl } from "./support/restoreSupport";
import { stocktakeStore, type StocktakeStore } from "./support/stocktakeStore";
import { mountTmpfs } from "./support/tmpfs";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function entries(store: string): AccessEntry[] {
  const file = path.join(store, ACCESS_LOG);
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, "utf8");
  expect(text === "" || text.endsWith("\n"), "whole lines").to.equal(true);
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as AccessEntry);
}

async function userRows(file: string): Promise<number> {
  const ds = await openUrl(file);
  try {
    return Number(((await ds.query(`SELECT count(*) AS n FROM "user"`)) as { n: number }[])[0].n);
  } finally {
    await ds.destroy();
  }
}

describe("the store's access log (sqlite)", function () {
  this.timeout(300000);
  let app: StocktakeStore;
  let work: string;

  before(async () => {
    app = await stocktakeStore("sqlite");
    work = tempDir("stk-access-");
  });

  after(async () => {
    await app?.dispose();
  });

  it("EachCommandThatReadsRowsAppendsOneLineNamingItUnderUmask000AndTheFileIs0600", () => {
    expect(fs.existsSync(path.join(app.store, ACCESS_LOG)), "no log before the first read").to.equal(false);
    const me = os.userInfo();
    const reads: [string, string[], Record<string, unknown>][] = [
      ["log", ["log", "--from", "1", "--table", "item", "--json"], { from: "1", table: "item" }],
      ["restore", ["restore", "--to-seq", String(app.lastSeq), "--target", path.join(work, "restored.db"), "--json"], { toSeq: String(app.lastSeq) }],
      ["export-sql", ["export-sql", app.snapshot, path.join(work, "out.sql"), "--json"], { arguments: [app.snapshot, path.join(work, "out.sql")] }],
      ["validate backup", ["validate", "backup", "latest", "--json"], { arguments: ["latest"] }],
      ["audit", ["audit", "--to", String(app.lastSeq), "--json", "--show-secrets"], { to: String(app.lastSeq), showSecrets: true }],
      ["verify", ["verify", "--db", app.url, "--json"], {}],
    ];
    for (const [command, args, read] of reads) {
      const before = entries(app.store).length;
      const started = Date.now();
      const run = runCliUnderUmask("000", [...args, "--dir", app.store]);
      expect(run.status, `${command}: ${run.stderr}`).to.be.oneOf([0, 1]); // 1: findings of audit or validate
      expect(run.stderr, command).not.to.match(ACCESS_WARNING);
      const after = entries(app.store);
      expect(after.length - before, `${command}: lines appended`).to.equal(1);
      const line = after[after.length - 1];
      expect(line.command).to.equal(command);
      expect(line).to.include({ user: me.username, uid: me.uid });
      expect(Date.parse(line.time), `${command}: time`).to.be.within(started - 1000, Date.now() + 1000);
      expect(line.time, "ISO 8601 UTC").to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(line.read, command).to.deep.include({ store: app.store, ...read });
      expect(JSON.stringify(line.read), "never a database URL").not.to.include(app.url);
      expect(fs.statSync(path.join(app.store, ACCESS_LOG)).mode & 0o777, `${command}: mode`).to.equal(0o600);
    }
  });

  it("ListHealthValidateDataAndBackupAppendNothingAndHealthFindsTheLogFine", () => {
    runCli(["log", "--dir", app.store]); // the log exists
    const before = fs.readFileSync(path.join(app.store, ACCESS_LOG), "utf8");
    for (const args of [["list"], ["health", "--json"], ["validate", "data", "--db", app.url], ["backup", "--db", app.url]]) {
      const run = runCli([...args, "--dir", app.store]);
      // health: a warning (status 1) for the lag it cannot ask of a database it was not given; list: nothing to complain of.
      expect(run.status, `${args[0]}: ${run.stderr}`).to.be.oneOf(args[0] === "list" ? [0] : [0, 1]);
      expect(fs.readFileSync(path.join(app.store, ACCESS_LOG), "utf8"), args.join(" ")).to.equal(before);
      if (args[0] === "health") {
        const modes = (JSON.parse(run.stdout) as { checks: { name: string; state: string }[] }).checks.find((c) => c.name === "file modes");
        expect(modes?.state, "health's file modes").to.equal("ok");
      }
    }
  });

  it("ValidateBackupOfAFileLogsInTheStoreTheFileLiesInAndNowhereForACopyOutsideEveryStore", () => {
    const count = () => entries(app.store).length;
    const before = count();
    const elsewhere = tempDir("stk-access-other-");
    fs.chmodSync(elsewhere, 0o700);
    const inStore = runCli(["validate", "backup", path.join(app.store, app.snapshot), "--dir", elsewhere]);
    expect(inStore.status, inStore.stderr).to.be.oneOf([0, 1]);
    expect(count(), "the store the file lies in").to.equal(before + 1);
    expect(fs.existsSync(path.join(elsewhere, ACCESS_LOG)), "not --dir's").to.equal(false);
    const plain = tempDir("stk-access-plain-");
    fs.copyFileSync(path.join(app.store, app.snapshot), path.join(plain, app.snapshot));
    const copy = runCli(["validate", "backup", path.join(plain, app.snapshot), "--dir", app.store]);
    expect(copy.status, copy.stderr).to.be.oneOf([0, 1]);
    expect(count(), "a copy outside the store is not read out of it").to.equal(before + 1);
    expect(fs.existsSync(path.join(plain, ACCESS_LOG)), "a folder that is no store gets no log").to.equal(false);
  });

  it("ACommandKilledWhileReadingIsLoggedAlready", async () => {
    const store = tempDir("stk-access-big-");
    fs.chmodSync(store, 0o700);
    await writeBigJournal(store, 200_000, 100);
    const { child, done } = startCli(["log", "--json", "--dir", store]);
    const deadline = Date.now() + 60_000;
    while (entries(store).length === 0 && Date.now() < deadline) await sleep(10);
    child.kill("SIGKILL");
    const run = await done;
    expect(run.signal, "still reading when killed").to.equal("SIGKILL");
    expect(entries(store).map((e) => e.command)).to.deep.equal(["log"]);
  });

  it("AReadOnlyStoreStillRestoresWithAWarningThatTheReadIsNotRecorded", async function () {
    const disk = mountTmpfs(this, 8192);
    try {
      fs.cpSync(app.store, disk.dir, { recursive: true });
      disk.readOnly(true);
      const target = path.join(work, "from-read-only.db");
      const run = runCli(["restore", "--to-seq", String(app.lastSeq), "--target", target, "--dir", disk.dir, "--json"]);
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stderr).to.match(ACCESS_WARNING);
      expect(await userRows(target)).to.be.greaterThan(0);
    } finally {
      disk.unmount();
    }
  });
});
