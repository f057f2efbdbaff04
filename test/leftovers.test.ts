/**
 * What the next command removes, and what it leaves (leftovers/sweep.ts),
 * planted by hand so that each case is certain: leftovers of a dead run go,
 * those of a live run or of another host stay, a registration cannot make it
 * remove anything but a target being built.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import { HOST_ID } from "../src/leftovers/owner";
import { databaseComment } from "../src/leftovers/scratch";
import { runCli } from "./support/cli";
import { PG_URL, tempDir, withPg } from "./support/databases";
import { writeBigJournal } from "./support/bigJournal";

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

const seconds = (ms = Date.now()) => Math.floor(ms / 1000);
const tag = (host: string, pid: number, since: number, sep = "-") => [host, pid, since, "0badcafe"].join(sep);


async function databaseExists(name: string): Promise<boolean> {
  return withPg(async (c) => (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1);
}

describe("leftovers of dead runs, removed by the next command", function () {
  this.timeout(120000);
  let store: string;

  beforeEach(async () => {
    store = tempDir("stk-left-");
    await writeBigJournal(store, 3, 1);
  });

  const list = () => expect(runCli(["list", "--dir", store]).status).to.equal(0);
  const exists = (...parts: string[]) => fs.existsSync(path.join(store, ...parts));

  it("TempFilesOfADeadPidAreRemoved", () => {
    const pid = deadPid();
    for (const name of [`backup-x.snap.tmp-${pid}-0123abcd`, `snapshots.json.tmp-${pid}`, `journal/LOCK.${pid}.k3j4h5`]) fs.writeFileSync(path.join(store, name), "x");
    list();
    expect(fs.readdirSync(store).filter((f) => f.includes(".tmp-"))).to.deep.equal([]);
    expect(fs.readdirSync(path.join(store, "journal")).filter((f) => f.startsWith("LOCK."))).to.deep.equal([]);
  });

  it("TempFilesOfALiveProcessAreKept", () => {
    fs.writeFileSync(path.join(store, `backup-x.snap.tmp-${process.pid}-0123abcd`), "x");
    list();
    expect(exists(`backup-x.snap.tmp-${process.pid}-0123abcd`)).to.equal(true);
  });

  it("AScratchFolderOfADeadRunIsRemovedAndTheEmptyScratchFolderToo", () => {
    const folder = path.join(store, "scratch", tag(HOST_ID, deadPid(), seconds()));
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, "scratch.db"), "rows");
    list();
    expect(exists("scratch")).to.equal(false);
  });

  it("AScratchFolderOfALiveRunIsKept", () => {
    const live = tag(HOST_ID, process.pid, seconds());
    fs.mkdirSync(path.join(store, "scratch", live), { recursive: true });
    list();
    expect(exists("scratch", live)).to.equal(true);
  });

  it("APidTakenOverByANewerProcessCountsAsGone", () => {
    // This process is alive, but it started after the tag was made: the tag's run is gone.
    const reused = tag(HOST_ID, process.pid, seconds(Date.now() - 3_600_000 - process.uptime() * 1000));
    fs.mkdirSync(path.join(store, "scratch", reused), { recursive: true });
    list();
    expect(exists("scratch", reused)).to.equal(false);
  });

  it("AScratchFolderOfAnotherHostStaysUntilItIsADayOld", () => {
    const young = tag("00000000", 1, seconds());
    const old = tag("00000000", 1, seconds(Date.now() - 2 * 86_400_000));
    for (const t of [young, old]) fs.mkdirSync(path.join(store, "scratch", t), { recursive: true });
    list();
    expect([exists("scratch", young), exists("scratch", old)]).to.deep.equal([true, false]);
  });

  it("ARegisteredRestoringFileOfADeadRunIsRemovedWithItsSidecars", () => {
    const targets = tempDir("stk-left-targets-");
    const restoring = path.join(targets, "new.db.restoring");
    for (const suffix of ["", "-journal"]) fs.writeFileSync(restoring + suffix, "half");
    const registration = path.join(store, "scratch", `${tag(HOST_ID, deadPid(), seconds())}.json`);
    fs.mkdirSync(path.dirname(registration));
    fs.writeFileSync(registration, JSON.stringify({ kind: "sqlite-file", path: restoring }));
    list();
    expect(fs.readdirSync(targets)).to.deep.equal([]);
    expect(exists("scratch")).to.equal(false);
  });

  it("ARegistrationCannotMakeItRemoveAFileThatIsNotATargetBeingBuilt", () => {
    const victim = path.join(tempDir("stk-left-victim-"), "precious.txt");
    fs.writeFileSync(victim, "keep me");
    const registration = path.join(store, "scratch", `${tag(HOST_ID, deadPid(), seconds())}.json`);
    fs.mkdirSync(path.dirname(registration));
    fs.writeFileSync(registration, JSON.stringify({ kind: "sqlite-file", path: victim }));
    list();
    expect(fs.readFileSync(victim, "utf8")).to.equal("keep me");
  });

  it("ARegisteredPostgresDatabaseOfADeadRunIsDroppedOnlyIfItsCommentIsTheRegistrations", async () => {
    const ours = `stk_left_${process.pid}_a__restoring`;
    const newer = `stk_left_${process.pid}_b__restoring`;
    const server = `${PG_URL}/postgres`;
    fs.mkdirSync(path.join(store, "scratch"));
    await withPg(async (c) => {
      for (const [name, owner] of [[ours, tag(HOST_ID, deadPid(), seconds())], [newer, tag(HOST_ID, deadPid(), seconds())]]) {
        await c.query(`CREATE DATABASE "${name}"`);
        // The second was made again by a newer run since: its comment is that run's.
        await c.query(`COMMENT ON DATABASE "${name}" IS '${databaseComment(name === ours ? owner : "someone-else")}'`);
        fs.writeFileSync(path.join(store, "scratch", `${owner}.json`), JSON.stringify({ kind: "postgres-database", server, database: name }));
      }
    });
    try {
      list();
      expect([await databaseExists(ours), await databaseExists(newer)]).to.deep.equal([false, true]);
    } finally {
      await withPg(async (c) => { for (const name of [ours, newer]) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`); });
    }
  });

  it("AScratchDatabaseOfADeadRunIsDroppedByACommandGivenItsServerAndOneOfALiveRunIsKept", async () => {
    const dead = `stk_scratch_${tag(HOST_ID, deadPid(), seconds(), "_")}`;
    const live = `stk_scratch_${tag(HOST_ID, process.pid, seconds(), "_")}`;
    await withPg(async (c) => { for (const name of [dead, live]) await c.query(`CREATE DATABASE "${name}"`); });
    try {
      // Any command given the server sweeps it (this one then finds no snapshot to verify against).
      const r = runCli(["verify", "--db", `${PG_URL}/postgres`, "--dir", store]);
      expect(r.status, r.stderr).to.equal(2);
      expect([await databaseExists(dead), await databaseExists(live)]).to.deep.equal([false, true]);
    } finally {
      await withPg(async (c) => { for (const name of [dead, live]) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`); });
    }
  });
});
