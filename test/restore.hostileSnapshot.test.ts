/**
 * Files are data, never code (D2). A snapshot crafted with the package's own
 * writer carries SQL where the table description should be: a column type,
 * a default, a name that closes its quotes, a second statement after a `;`,
 * or the `statements` older files had. `restore`, `restore --dry-run` and
 * `verify`, run through the built CLI on both engines, refuse the hostile
 * description before touching any database, and never run the statements:
 * neither ATTACH DATABASE (a file written outside the store) nor COPY … TO
 * PROGRAM (a program run by the server) leaves its marker file.
 */
import { expect } from "chai";
import fs from "fs";
import path from "path";
import { createTableStatements } from "../src/schema";
import type { SnapshotHeader } from "../src/snapshot/format";
import { type CliRun, runCli } from "./support/cli";
import { craftSnapshot } from "./support/craft";
import { tempDir, ENGINES } from "./support/databases";
import { type App, dropTarget, freshTarget, openApp, targetState } from "./support/restoreSupport";

interface Case {
  name: string;
  /** The crafted header's ddl, from the real one. */
  ddl: (header: SnapshotHeader, payload: string, probe: string[]) => unknown;
  /** The header field the refusal must name; absent: the file restores, its SQL ignored. */
  field?: RegExp;
}

type Ddl = { tables: { name: string; columns: Record<string, unknown>[]; indexes: Record<string, unknown>[]; foreignKeys: Record<string, unknown>[] }[] };

/** A deep copy of the real description, for `edit` to spoil. */
function edited(header: SnapshotHeader, edit: (ddl: Ddl) => void): unknown {
  const ddl = JSON.parse(JSON.stringify(header.ddl)) as Ddl;
  edit(ddl);
  return ddl;
}

const table = (ddl: Ddl, name: string) => ddl.tables.find((t) => t.name === name)!;
const column = (ddl: Ddl, t: string, c: string) => table(ddl, t).columns.find((x) => x.name === c)!;

/** What a statement-running restore executed: the probe's statements, after the real ones so that they are reached. */
function legacyStatements(header: SnapshotHeader, probe: string[]): string[] {
  return [...createTableStatements(header.schema, header.ddl, header.engine).statements, ...probe];
}

const CASES: Case[] = [
  {
    name: "HostileColumnTypeIsRefused",
    ddl: (h, payload) => edited(h, (d) => { column(d, "category", "name").type = `integer); ${payload}; --`; }),
    field: /ddl\.tables\[\d+\]\.columns\[\d+\]\.type /,
  },
  {
    name: "HostileNumberDefaultIsRefused",
    ddl: (h, payload) => edited(h, (d) => { column(d, "category", "sortOrder").default = { kind: "number", value: `(SELECT 1) ; ${payload}` }; }),
    field: /ddl\.tables\[\d+\]\.columns\[\d+\]\.default\.value /,
  },
  {
    name: "DefaultAsAnExpressionIsRefused",
    ddl: (h, payload) => edited(h, (d) => { column(d, "category", "sortOrder").default = { kind: "expression", sql: `(SELECT 1) ; ${payload}` }; }),
    field: /ddl\.tables\[\d+\]\.columns\[\d+\]\.default\.kind /,
  },
  {
    name: "NameThatBreaksOutOfItsQuotesIsRefused",
    ddl: (h, payload) => edited(h, (d) => { table(d, "user").indexes[0].name = `x" ON "user" ("id"); ${payload}; --`; }),
    field: /ddl\.tables\[\d+\]\.indexes\[0\]\.name /,
  },
  {
    name: "SecondStatementAfterASemicolonIsRefused",
    ddl: (h, payload) => edited(h, (d) => { table(d, "orderItem").foreignKeys[0].onDelete = `CASCADE; ${payload}`; }),
    field: /ddl\.tables\[\d+\]\.foreignKeys\[0\]\.onDelete /,
  },
  {
    // D2 as the probe reproduced it: statements appended to the header's.
    name: "D2 LegacyStatementsAreNeverRun",
    ddl: (h, _payload, probe) => ({ ...(h.ddl as object), statements: legacyStatements(h, probe) }),
  },
  {
    name: "StatementsWithoutADescriptionAreNeverRun",
    ddl: (h, _payload, probe) => ({ engine: h.engine, statements: legacyStatements(h, probe) }),
  },
];

for (const engine of ENGINES) {
  describe(`a crafted snapshot runs no SQL (${engine})`, function () {
    this.timeout(300000);
    let app: App;
    let base: string;
    let work: string;
    const targets: string[] = [];

    // SQLite: the restore's own process would write the file; PostgreSQL: the server's, as the postgres OS user.
    const payload = (markers: string) => (engine === "sqlite"
      ? `ATTACH DATABASE '${path.join(markers, "outside.db")}' AS pw`
      : `COPY (SELECT 1) TO PROGRAM 'id > ${path.join(markers, "pwned.txt")}'`);
    const probe = (markers: string) => (engine === "sqlite"
      ? [payload(markers), "CREATE TABLE pw.t (x TEXT)", "INSERT INTO pw.t VALUES ('written by a snapshot')"]
      : [payload(markers)]);

    before(async () => {
      app = await openApp(engine, { seed: 83 });
      base = (await app.snapshot("base")).path;
      work = tempDir("stk-hostile-");
      // The PostgreSQL server (another OS user) must reach the marker directories to write a marker.
      fs.chmodSync(work, 0o711);
    });
    after(async () => {
      for (const t of targets) await dropTarget(engine, t);
      await app?.close();
      fs.rmSync(work, { recursive: true, force: true });
    });

    /** A store holding the app's journal and the crafted file as its only snapshot: what `verify` reads. */
    function storeWith(file: string): string {
      const store = fs.mkdtempSync(path.join(work, "store-"));
      fs.cpSync(path.join(app.store, "journal"), path.join(store, "journal"), { recursive: true, filter: (src) => path.basename(src) !== "LOCK" });
      fs.copyFileSync(file, path.join(store, "backup-9999-evil.snap"));
      return store;
    }

    const commands: { name: string; run: (file: string, target: string) => CliRun }[] = [
      { name: "restore", run: (file, target) => runCli(["restore", file, "--target", target, "--dir", app.store, "--json"]) },
      { name: "restore --dry-run", run: (file, target) => runCli(["restore", file, "--target", target, "--dry-run", "--dir", app.store, "--json"]) },
      { name: "verify", run: (file) => runCli(["verify", "--dir", storeWith(file), "--db", app.url, "--json"]) },
    ];

    for (const c of CASES) {
      for (const command of commands) {
        it(`${c.name} (${command.name})`, async () => {
          const markers = fs.mkdtempSync(path.join(work, "markers-"));
          fs.chmodSync(markers, 0o777);
          const file = path.join(work, `${c.name}-${command.name.replace(/\W+/g, "-")}.snap`);
          await craftSnapshot(base, file, (h) => c.ddl(h, payload(markers), probe(markers)));
          const target = freshTarget(engine, work);
          targets.push(target);
          const run = command.run(file, target);
          expect(fs.readdirSync(markers), "marker files: the SQL ran").to.deep.equal([]);
          if (c.field) {
            // A damaged (here: crafted) file is a problem found, status 1 (README, "Exit status").
            expect(run.status, run.stdout + run.stderr).to.equal(1);
            expect(run.stderr).to.match(/snapshot .* header field /);
            expect(run.stderr).to.match(c.field);
            expect(await targetState(engine, target)).to.deep.equal({ exists: false, leftover: false });
          } else {
            expect(run.status, run.stderr).to.equal(0);
            if (command.name === "verify") expect(JSON.parse(run.stdout).ok).to.equal(true);
            else expect(JSON.parse(run.stdout).success).to.equal(true);
          }
        });
      }
    }
  });
}
