import { expect } from "chai";
import fc from "fast-check";
import { DataSource, EntitySchema } from "typeorm";
import { attachChangelog } from "../src";
import { createDialect } from "../src/capture/createDialect";
import { readFrames } from "../src/journal/reader";
import { createTestDatabase, openDataSource, tempDir } from "./support/databases";
import { applyFrames, dumpState, expectSameState, TableState } from "./support/replay";

const Counter = new EntitySchema<{ id: number; value: number; touchedBy: string }>({
  name: "Counter", tableName: "counter",
  columns: { id: { type: Number, primary: true }, value: { type: Number }, touchedBy: { type: String } },
});
const Event = new EntitySchema<{ id: number; writer: number; counterId: number }>({
  name: "Event", tableName: "event",
  columns: { id: { type: Number, primary: true, generated: true }, writer: { type: Number }, counterId: { type: Number } },
});

/**
 * Four connections commit conflicting transactions at once. Updates that
 * read-modify-write the same rows only replay to the live state when they are
 * applied in commit order, so this fails if sequence order is not commit order.
 */
describe("sequence order is commit order (postgres, 4 concurrent writer connections)", function () {
  this.timeout(120000);

  it("replay in sequence order equals the live database; seqs are gapless", async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })), { minLength: 20, maxLength: 40 }), { minLength: 4, maxLength: 4 }),
      async (plans) => {
        const db = await createTestDatabase("postgres");
        const ds: DataSource = await openDataSource(db, [Counter, Event], { extra: { max: 6 } } as never);
        const dir = tempDir();
        const changelog = await attachChangelog(ds, { dir });
        try {
          const empty: TableState = new Map([["counter", new Map()], ["event", new Map()]]);
          await ds.getRepository("Counter").insert([1, 2, 3, 4, 5].map((id) => ({ id, value: 0, touchedBy: "" })));
          await Promise.all(plans.map((plan, writer) => (async () => {
            for (const [a, b] of plan) {
              await ds.transaction(async (m) => {
                // Lock order varies, so transactions interleave and sometimes wait on each other.
                for (const id of [a, b]) {
                  await m.query("UPDATE counter SET value = (value * 3 + $1) % 1000003, \"touchedBy\" = $2 WHERE id = $3", [writer + 1, `w${writer}`, id]);
                }
                await m.getRepository("Event").insert({ writer, counterId: a });
              }).catch((error: Error) => {
                if (!/deadlock/.test(error.message)) throw error; // a deadlock victim rolls back: fine
              });
            }
          })()));
          await changelog.flush();
          const frames = [...readFrames(dir, { fromSeq: 1 })];
          expect(frames.map((f) => f.seq)).to.deep.equal(frames.map((_f, i) => i + 1));
          const dialect = await createDialect(ds);
          await dialect.preparePluginTables(changelog.schema);
          applyFrames(empty, frames, changelog.schema);
          expectSameState(empty, await dumpState(ds, changelog.schema));
          await dialect.close();
        } finally {
          await changelog.close();
          await ds.destroy();
          await db.drop();
        }
      }), { numRuns: 3 });
  });
});
