/**
 * Secrets stay out of what commands print (issue 14, item 3): users'
 * passwordHash and sessions' token show as <redacted> in log (text and
 * --json), verify's drift samples, and the findings of validate and audit,
 * on both engines; --show-secrets shows them; the store itself keeps them,
 * so a restore gives every hash and token back exactly.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import type { DatabaseSchema } from "../src/db/types";
import type { SchemaDdl } from "../src/schema";
import { REDACTED } from "../src/secrets";
import { SnapshotReader, SnapshotWriter } from "../src/snapshot";
import { newSession } from "../src/stocktake/factories";
import { Rng } from "../src/stocktake/rng";
import { CLI, cliEnv, runCli, type CliRun } from "./support/cli";
import { copySnapshotRows } from "./support/craft";
import { ENGINES, tempDir } from "./support/databases";
import { outsideCapture } from "./support/outsideCapture";
import { type App, dropTarget, freshTarget, openApp, openUrl } from "./support/restoreSupport";

interface Secrets { hashes: Map<number, string>; tokens: Map<string, string> }

/** Every user's passwordHash and every session's token in the database at `url` (or `app`'s). */
async function secretsIn(url: string): Promise<Secrets> {
  const ds = await openUrl(url);
  try {
    const users: { id: number; passwordHash: string }[] = await ds.query(`SELECT "id", "passwordHash" FROM "user" ORDER BY "id"`);
    const sessions: { id: string; token: string }[] = await ds.query(`SELECT "id", "token" FROM "session" ORDER BY "id"`);
    return { hashes: new Map(users.map((u) => [Number(u.id), u.passwordHash])), tokens: new Map(sessions.map((s) => [s.id, s.token])) };
  } finally {
    await ds.destroy();
  }
}

const valuesOf = (s: Secrets) => [...s.hashes.values(), ...s.tokens.values()];

/** A piece of a secret that only it holds (hashes share their "$2b$10$" prefix), short enough to survive a cut message. */
const pieceOf = (secret: string) => secret.slice(8, 32);

/** The secrets whose pieces `output` holds. */
function shown(output: string, secrets: string[]): string[] {
  return secrets.filter((s) => output.includes(pieceOf(s)));
}

function ran(run: CliRun, status: number, what: string): string {
  expect(run.status, `${what}: ${run.stderr}`).to.equal(status);
  return run.stdout;
}

/**
 * A copy of the store whose base snapshot declares passwordHash and token
 * as varchar(10): every value is then a column-type finding, whose message
 * quotes the value. Rows, checksums and identity as they were.
 */
async function storeWithNarrowSecrets(store: string, snapshotFile: string): Promise<string> {
  const copy = tempDir("stk-secrets-copy-");
  fs.cpSync(store, copy, { recursive: true, filter: (f) => path.basename(f) !== "LOCK" });
  fs.chmodSync(copy, 0o700);
  const narrow = (table: string, column: string, type: string) =>
    (table === "user" && column === "passwordHash") || (table === "session" && column === "token") ? type.replace(/\(\s*\d+\s*\)/, "(10)") : type;
  const reader = await SnapshotReader.open(path.join(store, snapshotFile));
  try {
    const h = reader.header;
    const schema: DatabaseSchema = { ...h.schema, tables: h.schema.tables.map((t) => ({ ...t, columns: t.columns.map((c) => ({ ...c, type: narrow(t.name, c.name, c.type) })) })) };
    const ddl: SchemaDdl = { ...h.ddl!, tables: h.ddl!.tables.map((t) => ({ ...t, columns: t.columns.map((c) => ({ ...c, type: c.type === undefined ? c.type : narrow(t.name, c.name, c.type) })) })) };
    const writer = await SnapshotWriter.create(path.join(copy, snapshotFile),
      { kind: h.kind, name: h.name, createdAt: h.createdAt, seq: h.seq, schema, ddl, databaseId: h.databaseId, storeId: h.storeId }, { replace: true });
    await copySnapshotRows(reader, writer, h.schema.tables.map((t) => t.name));
  } finally {
    await reader.close();
  }
  return copy;
}

for (const engine of ENGINES) {
  describe(`secrets are kept out of output (${engine})`, function () {
    this.timeout(300000);
    let app: App;
    let narrowStore: string;
    /** The state the journal ends at (what a restore gives), and what the live database holds after a change outside capture. */
    let journalState: Secrets;
    let all: string[];
    let journalEnd: number;
    const rng = new Rng(1401);

    before(async () => {
      app = await openApp(engine, { seed: 71 }); // seeded with the changelog attached: every user and session is in the journal
      const base = await app.snapshot("base");
      const [user] = await app.ds.query(`SELECT "id" FROM "user" ORDER BY "id" LIMIT 1`) as { id: number }[];
      await app.ds.query(`UPDATE "user" SET "passwordHash" = '$2b$10$${randomBytes(26).toString("hex")}x' WHERE "id" = ${user.id}`);
      await app.ds.getRepository("Session").save(newSession(rng, user.id));
      if (engine === "sqlite") {
        // SQLite keeps a value longer than varchar(100): a column-type finding of the live database, quoting it.
        await app.ds.query(`UPDATE "user" SET "passwordHash" = '$2b$10$${randomBytes(60).toString("hex")}' WHERE "id" = (SELECT max("id") FROM "user")`);
      }
      await app.changelog.flush();
      journalState = await secretsIn(app.url);
      journalEnd = await app.head();
      narrowStore = await storeWithNarrowSecrets(app.store, base.file);
      // Drift for verify: a hash and a token changed by hand.
      const [session] = await app.ds.query(`SELECT "id" FROM "session" ORDER BY "id" LIMIT 1`) as { id: string }[];
      await outsideCapture(app.ds, [
        `UPDATE "user" SET "passwordHash" = '$2b$10$${randomBytes(26).toString("hex")}y' WHERE "id" = ${user.id}`,
        `UPDATE "session" SET "token" = '${randomBytes(32).toString("hex")}' WHERE "id" = '${session.id}'`,
      ]);
      all = [...new Set([...valuesOf(journalState), ...valuesOf(await secretsIn(app.url))])];
      expect(journalState.hashes.size, "users").to.be.greaterThan(0);
      expect(journalState.tokens.size, "sessions").to.be.greaterThan(0);
    });

    after(async () => {
      await app?.close();
    });

    it("LogShowsPasswordHashesAndTokensAsRedactedInTextAndJson", () => {
      for (const format of [[], ["--json"]]) {
        const out = ran(runCli(["log", "--dir", app.store, ...format]), 0, `log ${format}`);
        expect(shown(out, all), `log ${format.join(" ")}`).to.deep.equal([]);
        expect(out).to.include(REDACTED);
      }
      const lines = ran(runCli(["log", "--dir", app.store, "--json", "--table", "user"]), 0, "log --json").trim().split("\n").map((l) => JSON.parse(l));
      const images = lines.flatMap((l) => [l.before, l.after]).filter((r) => r !== null);
      expect(images.length).to.be.greaterThan(0);
      for (const row of images) {
        expect(row.passwordHash).to.equal(REDACTED);
        expect(row.username, "other columns as they are").not.to.equal(REDACTED);
      }
    });

    it("LogWithShowSecretsPrintsEveryHashAndTokenTheJournalHolds", () => {
      const secrets = valuesOf(journalState);
      for (const format of [[], ["--json"]]) {
        const out = ran(runCli(["log", "--dir", app.store, "--show-secrets", ...format]), 0, `log --show-secrets ${format}`);
        expect(shown(out, secrets), `log --show-secrets ${format.join(" ")}`).to.have.members(secrets);
      }
    });

    it("VerifyShowsTheDriftOfAHashAndATokenWithoutTheirValues", () => {
      const json = ran(runCli(["verify", "--dir", app.store, "--db", app.url, "--json"]), 1, "verify --json");
      expect(shown(json, all)).to.deep.equal([]);
      const result = JSON.parse(json) as { tables: { table: string; different: number; samples: { live: Record<string, unknown>; replayed: Record<string, unknown> }[] }[] };
      const users = result.tables.find((t) => t.table === "user")!;
      const sessions = result.tables.find((t) => t.table === "session")!;
      expect([users.different, sessions.different]).to.deep.equal([1, 1]);
      expect([users.samples[0].live.passwordHash, users.samples[0].replayed.passwordHash, sessions.samples[0].live.token]).to.deep.equal([REDACTED, REDACTED, REDACTED]);
      const text = ran(runCli(["verify", "--dir", app.store, "--db", app.url]), 1, "verify");
      expect(text).to.match(/user: 0 missing, 0 extra, 1 different/);
      expect(shown(text, all)).to.deep.equal([]);
      const open = ran(runCli(["verify", "--dir", app.store, "--db", app.url, "--json", "--show-secrets"]), 1, "verify --show-secrets");
      expect(shown(open, all), "the hand-made hash and token, and the journal's").to.have.length(4);
    });

    it("ValidateAndAuditFindingsNameTheRowNotTheSecret", () => {
      // PostgreSQL holds no value longer than its varchar: the live database has no finding that quotes a secret.
      const runs: [string, string[], boolean][] = [
        ["validate backup", ["validate", "backup", "latest", "--dir", narrowStore], true],
        ["audit", ["audit", "--dir", narrowStore], true],
        ["validate data", ["validate", "data", "--db", app.url], engine === "sqlite"],
      ];
      for (const [what, args, quotesSecrets] of runs) {
        for (const format of [[], ["--json"]]) {
          const run = runCli([...args, ...format]);
          expect(run.status, `${what}: ${run.stderr}`).to.be.oneOf(quotesSecrets ? [1] : [0, 1]);
          expect(shown(run.stdout, all), `${what} ${format.join(" ")}`).to.deep.equal([]);
          if (!quotesSecrets) continue;
          expect(run.stdout, what).to.match(/column-type/).and.to.include(REDACTED);
          const open = ran(runCli([...args, ...format, "--show-secrets"]), 1, `${what} --show-secrets`);
          expect(shown(open, all), `${what} --show-secrets ${format.join(" ")}`).not.to.deep.equal([]);
        }
      }
      const backup = JSON.parse(ran(runCli(["validate", "backup", "latest", "--dir", narrowStore, "--json"]), 1, "validate backup")) as { findings: { rule: string; table: string; message: string }[] };
      const tables = new Set(backup.findings.filter((f) => f.rule === "column-type").map((f) => f.table));
      expect([...tables].sort(), "a finding on each secret column").to.deep.equal(["session", "user"]);
    });

    it("ExportSqlIsAFullExportThatKeepsEveryHashAndTokenAndSaysSoOnATerminal", function () {
      const out = path.join(tempDir("stk-secrets-export-"), "all.sql");
      const args = ["export-sql", "--to-seq", String(journalEnd), out, "--dir", app.store];
      ran(runCli(args), 0, "export-sql");
      const secrets = valuesOf(journalState);
      expect(shown(fs.readFileSync(out, "utf8"), secrets)).to.have.members(secrets);
      expect(runCli([...args, "--force"]).stderr, "no terminal, no warning").not.to.match(/password hashes/);
      // A terminal: util-linux script(1) gives the command a pty.
      const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
      const tty = spawnSync("script", ["-qec", [process.execPath, CLI, ...args, "--force"].map(quote).join(" "), "/dev/null"], { encoding: "utf8", env: cliEnv() });
      if (tty.error) this.skip(); // no script(1) here: nothing to learn
      expect(tty.stdout).to.match(/warning: the export holds every column, password hashes and API keys included/);
    });

    it("ARestoreOfTheStoreGivesEveryHashAndTokenBackExactly", async () => {
      const dir = tempDir("stk-secrets-restore-");
      const target = freshTarget(engine, dir);
      try {
        ran(runCli(["restore", "--to-seq", String(journalEnd), "--dir", app.store, "--target", target, "--json"]), 0, "restore");
        const restored = await secretsIn(target);
        expect(restored).to.deep.equal(journalState);
      } finally {
        await dropTarget(engine, target);
      }
    });
  });
}
