/**
 * Property (a) of issue 7: whatever an app writes, `log --json` says it
 * exactly. An app (defined here, TypeORM EntitySchema) with a column of every
 * type TypeORM maps on the engine writes random values through its
 * repository (NULL, empty strings, unicode, quotes and backslashes,
 * extremes); `log --json` runs in a child process; its lines, parsed with
 * JSON.parse and decoded with nothing but the documented encoding and the
 * column types, are replayed by key into a second database that held the
 * same start state. The two databases must then be equal, value for value.
 */
import { expect } from "chai";
import fc from "fast-check";
import { DataSource } from "typeorm";
import { attachChangelog, Changelog } from "../src";
import { DatabaseSchema, TableSchema } from "../src/db/types";
import { quoteIdent as q } from "../src/db/sql";
import { columnsFor, floatColumns, NON_FINITE, param, runWorkload, sampleSchema, workload } from "./support/allTypes";
import { createTestDatabase, Engine, ENGINES, openDataSource, TestDatabase, tempDir } from "./support/databases";
import { decodeLogged, LoggedChange, LoggedRow, logJson } from "./support/loggedValues";
import { Dump, dumpDatabase } from "./support/restoreSupport";

/** One logged change applied by key, as a user replaying the log would. */
async function replay(ds: DataSource, engine: Engine, table: TableSchema, change: LoggedChange): Promise<void> {
  const params: unknown[] = [];
  const p = (name: string, value: LoggedRow[string]) => {
    params.push(param(engine, decodeLogged(value, table.columns.find((col) => col.name === name)!)));
    return engine === "sqlite" ? "?" : `$${params.length}`;
  };
  const where = () => Object.entries(change.key).map(([k, v]) => `${q(k)} = ${p(k, v)}`).join(" AND ");
  if (change.op === "insert") {
    const cols = Object.keys(change.after!);
    const values = cols.map((k) => p(k, change.after![k]));
    await ds.query(`INSERT INTO ${q(table.name)} (${cols.map(q).join(", ")}) VALUES (${values.join(", ")})`, params);
  } else if (change.op === "update") {
    const sets = Object.entries(change.after!).map(([k, v]) => `${q(k)} = ${p(k, v)}`).join(", ");
    await ds.query(`UPDATE ${q(table.name)} SET ${sets} WHERE ${where()}`, params);
  } else {
    await ds.query(`DELETE FROM ${q(table.name)} WHERE ${where()}`, params);
  }
}

for (const engine of ENGINES) {
  describe(`log --json replayed by a user reproduces the database (${engine})`, function () {
    this.timeout(300000);
    const columns = columnsFor(engine);
    const entities = [sampleSchema(columns)];
    let liveDb: TestDatabase;
    let copyDb: TestDatabase;
    let live: DataSource;
    let copy: DataSource;
    let changelog: Changelog;
    let dir: string;
    let schema: DatabaseSchema;

    before(async () => {
      liveDb = await createTestDatabase(engine);
      copyDb = await createTestDatabase(engine);
      live = await openDataSource(liveDb, entities);
      copy = await openDataSource(copyDb, entities);
      dir = tempDir();
      changelog = await attachChangelog(live, { dir, groupWindowMs: 2 });
      schema = changelog.schema;
    });
    after(async () => {
      await changelog.close();
      await live.destroy();
      await copy.destroy();
      await liveDb.drop();
      await copyDb.drop();
    });

    it("EveryValueOfEveryTypeSurvivesLogJson", async () => {
      const table = schema.tables[0];
      // Each property run is a batch of workloads from the same (empty) start state, logged by one
      // CLI run: the child process costs more than everything else, so it is paid once per batch.
      await fc.assert(fc.asyncProperty(fc.array(workload(columns), { minLength: 1, maxLength: 10 }), async (workloads) => {
        const runs: { from: number; to: number; dump: Dump }[] = [];
        for (const ops of workloads) {
          await live.getRepository("Sample").clear();
          await changelog.flush();
          const from = changelog.lastSeq + 1;
          await runWorkload(live, ops, floatColumns(columns));
          await changelog.flush();
          runs.push({ from, to: changelog.lastSeq, dump: await dumpDatabase(live, schema) });
        }
        const logged = runs.some((r) => r.to >= r.from) ? logJson(dir, ["--from", String(runs[0].from)]) : [];
        for (const run of runs) {
          await copy.query(`DELETE FROM ${q(table.name)}`);
          for (const change of logged.filter((c) => c.seq >= run.from && c.seq <= run.to)) await replay(copy, engine, table, change);
          expect(await dumpDatabase(copy, schema)).to.deep.equal(run.dump);
        }
      }), { numRuns: 4, examples: [[[NON_FINITE]]] });
    });
  });
}
