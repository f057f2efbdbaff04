/**
 * Temp files follow no symlink (D9). Someone who can write the store plants
 * symlinks to a file outside it at the temp names a `backup` would use: the
 * old predictable `<file>.tmp-<pid>` and guesses at the new
 * `<file>.tmp-<pid>-<8 hex>`. The backup writes through none of them, and
 * snapshots.json and the snapshot stay regular files.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import { createScratchDatabase, type ScratchDatabase } from "./support/scratchDatabase";
import { openStocktakeDataSource } from "../src/stocktake/datasource";
import { tempDir } from "./support/databases";

const PLANTED_CLI = path.join(__dirname, "support", "plantedCli.js");
const GUESSES = ["", "-00000000", "-ffffffff", "-deadbeef"];

describe("temp files and planted symlinks (D9)", function () {
  this.timeout(120000);
  // A SQLite snapshot is written by a child process of its own, whose pid the planted names cannot know: the snapshot case runs on PostgreSQL.
  let sqlite: ScratchDatabase;
  let postgres: ScratchDatabase;
  let dir: string;

  before(async () => {
    sqlite = await createScratchDatabase("sqlite");
    postgres = await createScratchDatabase("postgres");
    for (const db of [sqlite, postgres]) await (await openStocktakeDataSource(db.url)).destroy();
  });
  after(async () => {
    await sqlite?.dispose();
    await postgres?.dispose();
  });
  beforeEach(() => {
    dir = tempDir("stk-d9-");
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** `backup planted` into a new store, with a victim outside it linked from each guessed name of `file`'s temp. */
  function backupWithLinksAt(db: ScratchDatabase, file: string): { status: number | null; stderr: string; store: string; victim: string } {
    const store = path.join(dir, "store");
    fs.mkdirSync(store);
    const victim = path.join(dir, "victim.txt");
    fs.writeFileSync(victim, "original\n");
    const links = GUESSES.map((guess) => [path.join(store, `${file}.tmp-{pid}${guess}`), victim]);
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const r = spawnSync(process.execPath, [PLANTED_CLI, JSON.stringify(links), "backup", "planted", "--db", db.url, "--dir", store, "--json"], { encoding: "utf8", env });
    return { status: r.status, stderr: r.stderr, store, victim };
  }

  it("D9 SymlinkAtTheManifestTempNameIsNotFollowed", () => {
    const run = backupWithLinksAt(sqlite, "snapshots.json");
    expect(run.status, run.stderr).to.equal(0);
    expect(fs.readFileSync(run.victim, "utf8"), "the file outside the store").to.equal("original\n");
    const manifest = fs.lstatSync(path.join(run.store, "snapshots.json"));
    expect(manifest.isFile() && !manifest.isSymbolicLink(), "snapshots.json is a regular file").to.equal(true);
  });

  it("SymlinkAtTheSnapshotTempNameIsNotFollowed", () => {
    const run = backupWithLinksAt(postgres, "planted.snap");
    expect(run.status, run.stderr).to.equal(0);
    expect(fs.readFileSync(run.victim, "utf8"), "the file outside the store").to.equal("original\n");
    const snapshot = fs.lstatSync(path.join(run.store, "planted.snap"));
    expect(snapshot.isFile() && !snapshot.isSymbolicLink(), "the snapshot is a regular file").to.equal(true);
  });
});
