/**
 * A name found in the store never leads a read or a removal outside it
 * (issue 14, item 4). Someone who could write into the store plants, under
 * the names the package opens, symlinks to files outside it, FIFOs (which
 * block an open forever) and registrations whose paths climb out with `..`:
 * each is refused with a BackupError naming it, in time, and the file
 * outside is neither read nor changed.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { JournalWriter, journalDir, journalRange, readFrames } from "../src/journal";
import { tryLockFile } from "../src/journal/lock";
import { listSegments } from "../src/journal/segment";
import { HOST_ID } from "../src/leftovers/owner";
import { scratchRoot } from "../src/leftovers/scratch";
import { sweepLeftovers } from "../src/leftovers/sweep";
import { resolveSchedule } from "../src/schedule/config";
import { listSnapshots, readInfo, SnapshotWriter } from "../src/snapshot";
import { readStoreIdentity } from "../src/storeIdentity";
import { runCli } from "./support/cli";
import { decodeCase, expectError, fuzzDir } from "./support/fuzz";

const schema = { engine: "sqlite" as const, tables: [{ name: "item", primaryKey: ["id"], columns: [{ name: "id", type: "integer", nullable: false }] }] };

describe("security: names in the store never lead outside it", function () {
  this.timeout(60_000);
  let root: string;
  let store: string;
  let outside: string;

  beforeEach(async () => {
    root = fuzzDir("stk-paths-");
    store = path.join(root, "store");
    outside = path.join(root, "outside");
    fs.mkdirSync(outside);
    const w = await JournalWriter.open(store, { schema });
    await w.append([{ seq: 1, at: 1, changes: [{ table: "item", op: "insert", key: { id: 1 }, before: null, after: { id: 1 } }] }]);
    await w.close();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Moves the store's `name` outside and leaves a symlink to it in its place; returns the outside file. */
  function plantLink(file: string): string {
    const target = path.join(outside, path.basename(file));
    fs.renameSync(file, target);
    fs.symlinkSync(target, file);
    return target;
  }

  function plantFifo(file: string): void {
    fs.rmSync(file, { force: true });
    execFileSync("mkfifo", [file]);
  }

  it("ASegmentThatIsASymlinkIsRefusedNotFollowed", async () => {
    const [segment] = listSegments(journalDir(store));
    plantLink(segment.file);
    expectError(await decodeCase("symlinked segment", Infinity, () => [...readFrames(store)]), "BAD_INPUT", `${segment.file} is a symbolic link`);
    expect(journalRange(store)!.problems.join("\n")).to.contain(`${segment.file} is a symbolic link, not a regular file`);
    // As a user runs it: list names the file and why.
    const run = runCli(["list", "--dir", store]);
    expect(run.stdout + run.stderr).to.contain(`${segment.file} is a symbolic link`);
  });

  it("ASegmentThatIsAFifoIsRefusedWithoutWaitingOnIt", async () => {
    const [segment] = listSegments(journalDir(store));
    plantFifo(segment.file);
    expectError(await decodeCase("FIFO segment", Infinity, () => [...readFrames(store)]), "BAD_INPUT", `${segment.file} is a FIFO`);
  });

  it("ASnapshotThatIsASymlinkIsNotListedAndNotOpened", async () => {
    const file = path.join(store, "planted.snap");
    const w = await SnapshotWriter.create(file, { kind: "manual", name: "planted", createdAt: 1, seq: 0, schema });
    await w.beginTable("item");
    await w.endTable();
    await w.finish();
    plantLink(file);
    expect((await listSnapshots(store)).snapshots).to.deep.equal([]);
    expectError(await decodeCase("symlinked snapshot", Infinity, () => readInfo(file)), "BAD_INPUT", `${file} is a symbolic link`);
    plantFifo(file);
    expectError(await decodeCase("FIFO snapshot", Infinity, () => readInfo(file)), "BAD_INPUT", `${file} is a FIFO`);
  });

  it("ALockThatIsASymlinkOrAFifoIsRefused", async () => {
    const lock = path.join(journalDir(store), "LOCK");
    fs.writeFileSync(path.join(outside, "LOCK"), "1\n");
    fs.symlinkSync(path.join(outside, "LOCK"), lock);
    expectError(await decodeCase("symlinked LOCK", Infinity, () => tryLockFile(lock)), "BAD_INPUT", `${lock} is a symbolic link`);
    expect(fs.readFileSync(path.join(outside, "LOCK"), "utf8")).to.equal("1\n");
    fs.rmSync(lock);
    execFileSync("mkfifo", [lock]);
    expectError(await decodeCase("FIFO LOCK", Infinity, () => tryLockFile(lock)), "BAD_INPUT", `${lock} is a FIFO`);
  });

  it("StoreJsonAndScheduleJsonThatAreSymlinksAreRefused", async () => {
    for (const name of ["store.json", "schedule.json"]) {
      fs.writeFileSync(path.join(outside, name), "{}");
      fs.symlinkSync(path.join(outside, name), path.join(store, name));
    }
    expectError(await decodeCase("symlinked store.json", Infinity, () => readStoreIdentity(store)), "BAD_INPUT", "store.json is a symbolic link");
    const schedule = await decodeCase("symlinked schedule.json", Infinity, () => resolveSchedule(store, {}, {}));
    expect(expectError(schedule, "NOT_FOUND").message).to.contain("schedule.json is a symbolic link");
  });

  it("ARegistrationWhosePathClimbsOutOfItsFolderRemovesNothing", async () => {
    // A dead run's registration (pid beyond any pid_max), naming a file through `..`.
    const victim = path.join(outside, "victim.restoring");
    fs.writeFileSync(victim, "keep me");
    fs.mkdirSync(scratchRoot(store), { recursive: true });
    const tag = `${HOST_ID}-2147483000-${Math.floor(Date.now() / 1000) - 60}-deadbeef`;
    const climbing = path.join(store, "restored") + "/../../outside/victim.restoring";
    fs.writeFileSync(path.join(scratchRoot(store), `${tag}.json`), JSON.stringify({ kind: "sqlite-file", path: climbing }));
    await sweepLeftovers(store);
    expect(fs.readFileSync(victim, "utf8")).to.equal("keep me");
    // The same registration with the path as a restore writes it is acted on: the sweep itself works.
    fs.mkdirSync(scratchRoot(store), { recursive: true });
    fs.writeFileSync(path.join(scratchRoot(store), `${tag}.json`), JSON.stringify({ kind: "sqlite-file", path: victim }));
    await sweepLeftovers(store);
    expect(fs.existsSync(victim)).to.equal(false);
  });

  it("AManifestNamingFilesOutsideChangesNothing", async () => {
    fs.writeFileSync(path.join(outside, "elsewhere.snap"), "not read");
    fs.writeFileSync(path.join(store, "snapshots.json"), JSON.stringify([{ file: "../outside/elsewhere.snap" }, { file: path.join(outside, "elsewhere.snap") }]));
    expect(await listSnapshots(store)).to.deep.equal({ snapshots: [], broken: [] });
    const run = runCli(["cleanup", "--dir", store, "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0", "--keep-within", "1s"]);
    expect(run.status, run.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(outside, "elsewhere.snap"), "utf8")).to.equal("not read");
  });
});
