/**
 * What a PostgreSQL restore needs, and no more: a role that may create
 * databases (CREATEDB) and set session_replication_role (the load turns
 * foreign keys and triggers off with it; from PostgreSQL 15 GRANT SET ON
 * PARAMETER allows it without a superuser). The new database is the role's
 * own, so it may create the tables and the trusted uuid-ossp extension in it.
 */
import { expect } from "chai";
import { randomBytes } from "crypto";
import { Client } from "pg";
import { postgresAdminUrl } from "./support/scratchDatabase";
import { runCli } from "./support/cli";
import { type App, dropTarget, openApp, targetState } from "./support/restoreSupport";

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A URL of the admin's server for `role` and a database nobody has yet. */
function targetAs(role: string): string {
  const url = new URL(postgresAdminUrl());
  url.username = role;
  url.password = "";
  url.pathname = `/stk_restored_${randomBytes(5).toString("hex")}`;
  return url.toString();
}

describe("PostgreSQL restore as a role that is not a superuser", function () {
  this.timeout(300000);
  const role = `stk_restorer_${randomBytes(4).toString("hex")}`;
  const bare = `${role}_bare`;
  let app: App;
  let snapshot: string;
  const targets: string[] = [];

  before(async function () {
    const version = await admin(async (c) => Number((await c.query("SHOW server_version_num")).rows[0].server_version_num));
    if (version < 150000) this.skip(); // GRANT SET ON PARAMETER is new in PostgreSQL 15
    await admin(async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN CREATEDB NOSUPERUSER`);
      await c.query(`GRANT SET ON PARAMETER session_replication_role TO ${role}`);
      await c.query(`CREATE ROLE ${bare} LOGIN CREATEDB NOSUPERUSER`);
    });
    app = await openApp("postgres", { seed: 15 });
    snapshot = (await app.snapshot("base")).path;
  });
  after(async () => {
    for (const t of targets) await dropTarget("postgres", t);
    await app?.close();
    await admin(async (c) => {
      if ((await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount) {
        await c.query(`REVOKE SET ON PARAMETER session_replication_role FROM ${role}`);
      }
      await c.query(`DROP ROLE IF EXISTS ${role}`);
      await c.query(`DROP ROLE IF EXISTS ${bare}`);
    });
  });

  it("RestoresIntoANewDatabaseWithCreatedbAndSetOnSessionReplicationRole", async () => {
    const target = targetAs(role);
    targets.push(target);
    const run = runCli(["restore", snapshot, "--target", target, "--dir", app.store, "--json"]);
    expect(run.status, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout);
    expect(result.success).to.equal(true);
    expect(result.rows).to.be.greaterThan(0);
    const owner = await admin(async (c) => (await c.query("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1",
      [new URL(target).pathname.slice(1)])).rows[0]?.owner);
    expect(owner).to.equal(role);
  });

  it("WithoutSetOnSessionReplicationRoleTheRestoreIsRefusedAndLeavesNothing", async () => {
    const target = targetAs(bare);
    targets.push(target);
    const run = runCli(["restore", snapshot, "--target", target, "--dir", app.store, "--json"]);
    expect(run.status).to.not.equal(0);
    expect(run.stderr).to.match(/session_replication_role/);
    expect(await targetState("postgres", target)).to.deep.equal({ exists: false, leftover: false });
  });
});
