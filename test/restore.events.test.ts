/**
 * The restore as a stream of row events: every loaded row ("load") and every
 * replayed change, in order, with its seq and commit time; a rule (an rxjs
 * operator) subscribes and reports findings, as the integrity rules will.
 */
import { expect } from "chai";
import { filter, map } from "rxjs";
import { readFrames } from "../src/journal/reader";
import { readInfo } from "../src/snapshot";
import { restore, RowEvent, RowEventRule } from "../src/restore";
import { mutateStocktake } from "../src/stocktake/workload";
import { tempDir } from "./support/databases";
import { dropTarget, freshTarget, openApp } from "./support/restoreSupport";

describe("restore: row events", function () {
  this.timeout(120000);

  it("emits every loaded row and every replayed change in order; rules see them and report findings", async () => {
    const app = await openApp("sqlite", { seed: 71 });
    const target = freshTarget("sqlite", tempDir());
    try {
      const snapshot = await app.snapshot("base");
      await mutateStocktake(app.ds, { steps: 20, seed: 7100 });
      await app.changelog.flush();
      const seen: RowEvent[] = [];
      const record: RowEventRule = (events) => events.pipe(map((e) => { seen.push(e); return null; }), filter((f): f is never => f !== null));
      const pricey: RowEventRule = (events) => events.pipe(
        filter((e) => e.table === "item" && e.after !== null && Number(e.after.unitPrice) > 30),
        map((e) => ({ rule: "pricey-item", severity: "warning" as const, table: e.table, key: { id: e.after!.id }, seq: e.seq, at: e.at, message: `item ${e.after!.id} costs ${e.after!.unitPrice}` })));
      const result = await restore({ store: app.store, target, rules: [record, pricey] });

      const frames = [...readFrames(app.store, { fromSeq: snapshot.seq + 1 })];
      const loads = seen.filter((e) => e.op === "load");
      expect(loads).to.have.length((await readInfo(snapshot.path)).trailer.rows);
      expect(loads.every((e) => e.seq === snapshot.seq && e.before === null)).to.equal(true);
      const changes = seen.filter((e) => e.op !== "load");
      expect(changes.map((e) => [e.seq, e.table, e.op])).to.deep.equal(frames.flatMap((f) => f.changes.map((c) => [f.seq, c.table, c.op])));
      expect(changes.map((e) => e.at)).to.deep.equal(frames.flatMap((f) => f.changes.map(() => f.at)));
      expect(seen.indexOf(changes[0])).to.equal(loads.length, "loads come first");
      const warnings = result.findings.filter((f) => f.rule === "pricey-item");
      expect(warnings.length).to.be.greaterThan(0);
      expect(result.success, "warnings do not fail a restore").to.equal(true);
    } finally {
      await app.close();
      await dropTarget("sqlite", target);
    }
  });
});
