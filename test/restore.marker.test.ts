/**
 * The marker test of pgBackRest's suite: a marker row written as its own
 * transaction at each target point is in the database restored to that
 * point, and not in the one restored to the transaction before it.
 */
import { expect } from "chai";
import { restore } from "../src/restore";
import { mutateStocktake } from "../src/stocktake/workload";
import { tempDir, ENGINES } from "./support/databases";
import { dropTarget, freshTarget, openApp, openUrl } from "./support/restoreSupport";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function markers(url: string): Promise<string[]> {
  const ds = await openUrl(url);
  try {
    const rows: { name: string }[] = await ds.query(`SELECT "name" FROM "category" WHERE "name" LIKE 'marker %' ORDER BY "name"`);
    return rows.map((r) => r.name);
  } finally {
    await ds.destroy();
  }
}

for (const engine of ENGINES) {
  describe(`restore marker (${engine})`, function () {
    this.timeout(300000);

    it("a marker written at each target point is present restored to it, absent restored to one transaction earlier", async () => {
      const app = await openApp(engine, { seed: 11 });
      const dir = tempDir();
      try {
        await app.snapshot("base");
        const points: { name: string; seq: number; at: number }[] = [];
        for (let i = 0; i < 6; i++) {
          await mutateStocktake(app.ds, { steps: 3, seed: 500 + i });
          if (i === 3) await app.snapshot("middle");
          const name = `marker ${i}`;
          await app.ds.query(`INSERT INTO "category" ("name", "sortOrder") VALUES (${engine === "sqlite" ? "?" : "$1"}, 0)`, [name]);
          const at = Date.now();
          points.push({ name, seq: await app.head(), at });
          while (Date.now() <= at + 1) await sleep(1);
        }
        await app.changelog.flush();
        for (const [i, point] of points.entries()) {
          const before = points.slice(0, i).map((p) => p.name);
          for (const [how, options] of [["seq", { toSeq: point.seq }], ["time", { to: new Date(point.at) }]] as const) {
            const target = freshTarget(engine, dir);
            try {
              const result = await restore({ store: app.store, target, ...options });
              expect(result.seqReached, `${point.name} by ${how}`).to.equal(point.seq);
              expect(await markers(target), `${point.name} restored by ${how}`).to.deep.equal([...before, point.name]);
            } finally {
              await dropTarget(engine, target);
            }
          }
          const earlier = freshTarget(engine, dir);
          try {
            await restore({ store: app.store, target: earlier, toSeq: point.seq - 1 });
            expect(await markers(earlier), `one transaction before ${point.name}`).to.deep.equal(before);
          } finally {
            await dropTarget(engine, earlier);
          }
        }
      } finally {
        await app.close();
      }
    });
  });
}
