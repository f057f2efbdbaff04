/**
 * Every command with bad arguments, as a script would run it (issue 8, D15):
 * a missing or malformed value, the wrong kind of file, a directory, an
 * unreachable server, a store that is a file, a read-only store, a full
 * store on a small tmpfs. Each ends with status 1 or 2, at most two lines on
 * stderr (cause, hint), no stack trace, and changes nothing: not the store,
 * not the database's rows, no file beside them.
 */
import Database from "better-sqlite3";
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import { createHash } from "crypto";
import fs from "fs";
import path from "path";
import { ACCESS_LOG } from "../src/accessLog";
import { cliEnv, expectOneError, runCli, withoutAccessWarning } from "./support/cli";
import { PG_URL, tempDir } from "./support/databases";
import { StocktakeStore, stocktakeStore } from "./support/stocktakeStore";

const UNREACHABLE = "postgres://postgres@127.0.0.1:1/stocktake";
const MISSING_PG = `${PG_URL}/stk_no_such_database`;

/**
 * Every file under dir with its size and modification time; but the access
 * log, which records every command that set out to read rows, a refused one
 * too (README, "Security"): cli.accessLog.test.ts holds it to one line each.
 */
function listing(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => !d.isDirectory() && d.name !== ACCESS_LOG)
    .map((d) => path.join(d.parentPath, d.name))
    .map((p) => { const s = fs.lstatSync(p); return `${path.relative(dir, p)} ${s.size} ${s.mtimeMs}`; })
    .sort();
}

/**
 * The rows of the app's tables: what "the database did not change" means.
 * Not the file's bytes: reading it (here too) touches its -shm and -wal, and
 * backup's bookkeeping in the plugin's own _changelog tables is not the app's data.
 */
function rowsDigest(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const hash = createHash("sha256");
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_changelog%' ESCAPE '\\' ORDER BY name").all() as { name: string }[];
    for (const { name } of tables) {
      hash.update(name);
      for (const row of db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()) hash.update(JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? String(v) : v)));
    }
    return hash.digest("hex");
  } finally {
    db.close();
  }
}

/** A tmpfs of `size` at a new folder holding a copy of `store`; null where this process may not mount (not root). */
function mountCopy(store: string, size: string): { dir: string; unmount(): void } | null {
  const dir = tempDir("stk-mnt-");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir], { stdio: "ignore" });
  } catch {
    return null;
  }
  fs.cpSync(store, dir, { recursive: true });
  return { dir, unmount: () => execFileSync("umount", [dir], { stdio: "ignore" }) };
}

/** Fills a disk but for `leave` bytes: the lock file fits, a snapshot does not. */
function fill(dir: string, leave: number): void {
  const free = fs.statfsSync(dir);
  const bytes = Number(free.bavail) * Number(free.bsize) - leave;
  if (bytes > 0) fs.writeFileSync(path.join(dir, "filler"), Buffer.alloc(bytes));
}

interface Case { what: string; args: () => string[]; status: 1 | 2; code?: string }

describe("stocktake-backup with bad arguments: one error, status 1 or 2, nothing changed", function () {
  this.timeout(300000);
  let app: StocktakeStore;
  let work: string;
  let notJson: string;
  let randomBytesFile: string;
  let aDirectory: string;
  let storeFile: string;
  let readOnly: { dir: string; unmount(): void } | null = null;
  let full: { dir: string; unmount(): void } | null = null;

  before(async () => {
    app = await stocktakeStore("sqlite");
    work = tempDir("stk-bad-");
    notJson = path.join(work, "x.json");
    fs.writeFileSync(notJson, "{\"not\": \"a database\"}\n");
    randomBytesFile = path.join(work, "random.db");
    fs.writeFileSync(randomBytesFile, Buffer.from(Array.from({ length: 4096 }, (_v, i) => (i * 7919) % 251)));
    aDirectory = path.join(work, "a-directory");
    fs.mkdirSync(aDirectory);
    storeFile = path.join(work, "store-file");
    fs.writeFileSync(storeFile, "not a store\n");
    readOnly = mountCopy(app.store, "8m");
    if (readOnly) execFileSync("mount", ["-o", "remount,ro", readOnly.dir]);
    full = mountCopy(app.store, "1m");
    if (full) fill(full.dir, 16 << 10);
  });

  after(async () => {
    readOnly?.unmount();
    full?.unmount();
    await app.dispose();
  });

  const store = () => ["--dir", app.store];
  const db = () => ["--db", app.url];
  const newTarget = () => path.join(work, "never.db");

  const cases: Case[] = [
    { what: "an unknown command", args: () => ["bakup"], status: 2, code: "BAD_USAGE" },
    { what: "an unknown option", args: () => ["list", "--frobnicate", ...store()], status: 2, code: "BAD_USAGE" },
    { what: "an option without its value", args: () => ["restore", ...store(), "--to-seq"], status: 2, code: "BAD_USAGE" },
    { what: "too many arguments", args: () => ["backup", "a", "b", ...store(), ...db()], status: 2, code: "BAD_USAGE" },

    { what: "backup: a store that does not exist", args: () => ["backup", ...db(), "--dir", path.join(work, "no-store")], status: 2, code: "NOT_FOUND" },
    { what: "backup: a store that is a file", args: () => ["backup", ...db(), "--dir", storeFile], status: 2, code: "BAD_INPUT" },
    { what: "backup: a malformed --kind", args: () => ["backup", "--kind", "hourly", ...db(), ...store()], status: 2, code: "BAD_USAGE" },
    { what: "backup: a database that does not exist", args: () => ["backup", "--db", path.join(work, "typo.db"), ...store()], status: 2, code: "NOT_FOUND" },
    { what: "backup: a JSON file as the database", args: () => ["backup", "--db", notJson, ...store()], status: 2, code: "BAD_INPUT" },
    { what: "backup: random bytes as the database", args: () => ["backup", "--db", randomBytesFile, ...store()], status: 2, code: "BAD_INPUT" },
    { what: "backup: a directory as the database", args: () => ["backup", "--db", aDirectory, ...store()], status: 2, code: "BAD_INPUT" },
    { what: "backup: an unreachable server", args: () => ["backup", "--db", UNREACHABLE, ...store()], status: 1, code: "UNREACHABLE" },
    { what: "backup: a PostgreSQL database that does not exist", args: () => ["backup", "--db", MISSING_PG, ...store()], status: 2, code: "NOT_FOUND" },

    { what: "list: a store that is a file", args: () => ["list", "--dir", storeFile], status: 2, code: "BAD_INPUT" },
    { what: "list: an option it does not take (--db)", args: () => ["list", ...db(), ...store()], status: 2, code: "BAD_USAGE" },

    { what: "log: a store that is a file", args: () => ["log", "--dir", storeFile], status: 2, code: "BAD_INPUT" },
    { what: "log: -5 as --from", args: () => ["log", ...store(), "--from", "-5"], status: 2, code: "BAD_INPUT" },
    { what: "log: Dec 2 as --to", args: () => ["log", ...store(), "--to", "Dec 2"], status: 2, code: "BAD_INPUT" },
    { what: "log: a time without a zone", args: () => ["log", ...store(), "--from", "2026-12-02T12:59:59"], status: 2, code: "BAD_INPUT" },
    { what: "log: an unknown --tz", args: () => ["log", ...store(), "--from", "yesterday 14:05", "--tz", "Mars/Olympus"], status: 2, code: "BAD_INPUT" },

    { what: "restore: a store that is a file", args: () => ["restore", "latest", "--dir", storeFile, "--target", newTarget()], status: 2, code: "BAD_INPUT" },
    { what: "restore: a directory as the snapshot", args: () => ["restore", aDirectory, ...store(), "--target", newTarget()], status: 2, code: "BAD_INPUT" },
    { what: "restore: the journal folder as the snapshot", args: () => ["restore", "journal", ...store(), "--target", newTarget()], status: 2, code: "BAD_INPUT" },
    { what: "restore: a snapshot that does not exist", args: () => ["restore", "nope.snap", ...store(), "--target", newTarget()], status: 2, code: "NOT_FOUND" },
    { what: "restore: a JSON file as the snapshot", args: () => ["restore", notJson, ...store(), "--target", newTarget()], status: 1, code: "SNAPSHOT_CORRUPT" },
    { what: "restore: a JSON file as --target", args: () => ["restore", "latest", ...store(), "--target", notJson], status: 2, code: "BAD_INPUT" },
    { what: "restore: a directory as --target", args: () => ["restore", "latest", ...store(), "--target", aDirectory], status: 2, code: "BAD_INPUT" },
    { what: "restore: an unreachable server as --target", args: () => ["restore", "latest", ...store(), "--target", UNREACHABLE], status: 1, code: "UNREACHABLE" },
    { what: "restore: in place into a JSON file", args: () => ["restore", "latest", "--clear-existing", ...store(), "--db", notJson], status: 2, code: "BAD_INPUT" },
    { what: "restore: in place into an unreachable server", args: () => ["restore", "latest", "--clear-existing", ...store(), "--db", UNREACHABLE], status: 1, code: "UNREACHABLE" },
    { what: "restore: a malformed --to", args: () => ["restore", "--to", "5/12/2026", ...store(), "--target", newTarget()], status: 2, code: "BAD_INPUT" },
    { what: "restore: a --to in the future", args: () => ["restore", "--to", "2999-01-01T00:00:00Z", ...store(), "--target", newTarget()], status: 2, code: "BAD_INPUT" },
    { what: "restore: a --to before every snapshot", args: () => ["restore", "--to", "2001-01-01T00:00:00Z", ...store(), "--target", newTarget()], status: 2, code: "OUT_OF_RANGE" },
    { what: "restore: a --to-seq after the journal", args: () => ["restore", "--to-seq", "99999999", ...store(), "--target", newTarget()], status: 2, code: "OUT_OF_RANGE" },
    { what: "restore: a malformed --to-seq", args: () => ["restore", "--to-seq", "1e99", ...store(), "--target", newTarget()], status: 2, code: "BAD_INPUT" },

    { what: "verify: a store that is a file", args: () => ["verify", ...db(), "--dir", storeFile], status: 2, code: "BAD_INPUT" },
    { what: "verify: a JSON file as the database", args: () => ["verify", "--db", notJson, ...store()], status: 2, code: "BAD_INPUT" },
    { what: "verify: a directory as the database", args: () => ["verify", "--db", aDirectory, ...store()], status: 2, code: "BAD_INPUT" },
    { what: "verify: an unreachable server", args: () => ["verify", "--db", UNREACHABLE, ...store()], status: 1, code: "UNREACHABLE" },
    { what: "verify: a store without snapshots", args: () => ["verify", ...db(), "--dir", aDirectory], status: 2, code: "NOT_FOUND" },
  ];

  /** The disks' cases: only where this process could mount a tmpfs. */
  const diskCases: (Case & { disk: () => string | undefined })[] = [
    { what: "backup: a read-only store", disk: () => readOnly?.dir, args: () => ["backup", ...db(), "--dir", readOnly!.dir], status: 1, code: "READ_ONLY" },
    { what: "restore in place: a read-only store (no room for the safety snapshot)", disk: () => readOnly?.dir, args: () => ["restore", "latest", "--clear-existing", ...db(), "--dir", readOnly!.dir], status: 1, code: "READ_ONLY" },
    { what: "restore: a read-only store, default target in it", disk: () => readOnly?.dir, args: () => ["restore", "--to-seq", String(app.lastSeq), ...db(), "--dir", readOnly!.dir], status: 1, code: "READ_ONLY" },
    { what: "backup: a full store", disk: () => full?.dir, args: () => ["backup", ...db(), "--dir", full!.dir], status: 1, code: "DISK_FULL" },
    { what: "restore in place: a full store (no room for the safety snapshot)", disk: () => full?.dir, args: () => ["restore", "latest", "--clear-existing", ...db(), "--dir", full!.dir], status: 1, code: "DISK_FULL" },
  ];

  /** (The cases that reach PostgreSQL reach no server, or no database on it: nothing to create there.) */
  async function expectNothingChanged(run: () => void, dirs: string[]): Promise<void> {
    const before = { files: dirs.map(listing), rows: rowsDigest(app.url) };
    run();
    expect(dirs.map(listing), "files of the store and beside it").to.deep.equal(before.files);
    expect(rowsDigest(app.url), "the database's rows").to.equal(before.rows);
  }

  for (const c of cases) {
    it(`${c.what}: status ${c.status}, one error, nothing changed`, async () => {
      await expectNothingChanged(() => {
        const r = runCli(c.args());
        expectOneError(r, c.status, c.what);
        expect(r.stdout, `${c.what}: stdout`).to.equal("");
      }, [app.store, work]);
    });
  }

  for (const c of diskCases) {
    it(`${c.what}: status ${c.status}, one error, nothing changed`, async function () {
      const disk = c.disk();
      if (disk === undefined) this.skip(); // mounting a tmpfs needs root
      // A store that cannot be written cannot take the access log's line either: a warning before the one error.
      await expectNothingChanged(() => expectOneError(withoutAccessWarning(runCli(c.args())), c.status, c.what), [disk!, app.store]);
    });
  }

  it("--json: the error is also one JSON object on stdout, with the code", () => {
    for (const c of cases.filter((x) => /unknown option|backup: an unreachable|log: -5|restore: a directory as the snapshot|verify: a JSON/.test(x.what))) {
      const r = runCli([...c.args(), "--json"]);
      expectOneError(r, c.status, c.what);
      const printed = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } };
      expect(printed.error.code, c.what).to.equal(c.code);
      expect(`error: ${printed.error.message}\nhint: ${printed.error.hint}\n`, c.what).to.equal(r.stderr);
    }
  });

  it("an unknown option names the nearest one and the command's help, in one line each", () => {
    const r = runCli(["log", "--form", "42", ...store()]);
    expect(r.stderr).to.equal("error: unknown option '--form' (did you mean --from?)\nhint: see stocktake-backup log --help\n");
  });

  it("an unknown command names the nearest command", () => {
    expect(runCli(["lst"]).stderr).to.match(/^error: unknown command 'lst' \(did you mean list\?\)\nhint: see stocktake-backup --help\n$/);
  });

  it("an unexpected error (a bug) is one line and a hint to rerun with STOCKTAKE_BACKUP_DEBUG=1, which adds its stack", () => {
    // The CLI's reporter given what no table knows, in a process of its own as in the CLI.
    const script = `require(${JSON.stringify(path.join(__dirname, "..", "src", "cli", "failure.js"))})` +
      `.reportFailure(new TypeError("x.y is not a function"), { command: "list" })`;
    const plain = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: cliEnv() });
    expect(plain.status).to.equal(1);
    expect(plain.stderr).to.equal("error: unexpected error: x.y is not a function\n" +
      "hint: this is a bug: run again with STOCKTAKE_BACKUP_DEBUG=1 to see where it happened, and report it\n");
    const debug = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: cliEnv({ STOCKTAKE_BACKUP_DEBUG: "1" }) });
    expect(debug.stderr).to.match(/^TypeError: x\.y is not a function\n\s+at /m);
  });
});

describe("stocktake-backup restore in place on a busy SQLite database", function () {
  this.timeout(120000);

  it("DatabaseLockedByTheAppIsStatus1WithAHintAndLeavesNoSafetySnapshot", async () => {
    const app = await stocktakeStore("sqlite");
    const holder = new Database(app.url);
    try {
      const before = { files: listing(app.store), rows: rowsDigest(app.url) };
      holder.exec("BEGIN IMMEDIATE"); // the app mid-transaction, holding SQLite's write lock
      const r = runCli(["restore", app.snapshot, "--clear-existing", "--dir", app.store, "--db", app.url, "--json"]);
      holder.exec("ROLLBACK");
      expectOneError(r, 1, "busy");
      expect(JSON.parse(r.stdout).error.code).to.equal("DATABASE_BUSY");
      expect(r.stderr).to.match(/^hint: .*stop the app/m);
      expect(listing(app.store), "no safety snapshot left in the store").to.deep.equal(before.files);
      expect(rowsDigest(app.url)).to.equal(before.rows);
    } finally {
      holder.close();
      await app.dispose();
    }
  });
});
