/**
 * The days of growth a disk has left, with the disk's answer injected (a
 * real disk cannot be made to hold exactly two days of a store's growth):
 * the store's growth is real, its own snapshots and journal.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openDatabase } from "../src/db/connect";
import { gatherHealth } from "../src/operations/health/figures";
import { DEFAULT_THRESHOLDS, judge } from "../src/operations/health/judge";
import { prometheusText } from "../src/operations/health/prometheus";
import { resolveSchedule } from "../src/schedule/config";
import { listSnapshots } from "../src/snapshot";
import { journalRange } from "../src/journal/reader";
import { tinyApp } from "./support/tinyApp";

describe("health: disk space and the store's growth", function () {
  this.timeout(60_000);

  it("days left = free space / the store's growth per day: 2 days critical, 10 a warning, 100 ok; statfs failing is a warning", async () => {
    const app = await tinyApp("sqlite", "growth");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sched-growth-"));
    try {
      const changelog = await app.attach({ dir });
      await app.write(20);
      await changelog.snapshot({ kind: "daily" });
      await changelog.close();
      const grown = (await listSnapshots(dir)).snapshots.reduce((n, s) => n + s.bytes, 0) + journalRange(dir)!.segments.reduce((n, s) => n + s.bytes, 0);
      const schedule = resolveSchedule(dir, { timeZone: "UTC", weekly: "off", monthly: "off" }, {});
      const at = async (freeBytes: number | Error) => {
        const figures = await gatherHealth(dir, {
          schedule, graceMs: 3_600_000, missedCap: 2, openDatabase: () => openDatabase(app.url),
          // Half the disk free: only the days left judge.
          statfs: () => { if (freeBytes instanceof Error) throw freeBytes; return { freeBytes, sizeBytes: 2 * freeBytes }; },
        });
        return { figures, disk: judge(figures, DEFAULT_THRESHOLDS).find((c) => c.name === "disk")! };
      };
      // A store less than a day old grew by all it holds, in (at least) one day.
      const two = await at(2 * grown);
      expect(two.figures.disk).to.deep.include({ growthBytesPerDay: grown, daysLeft: 2 });
      expect(two.disk.state).to.equal("critical");
      expect(two.disk.message).to.contain("2.0 days left");
      expect(prometheusText(two.figures, [two.disk])).to.match(/^stocktake_backup_disk_days_left\{store="[^"]+"\} 2$/m);
      expect((await at(10 * grown)).disk.state).to.equal("warning");
      expect((await at(100 * grown)).disk.state).to.equal("ok");
      const failed = await at(new Error("statfs refused"));
      expect(failed.disk).to.deep.include({ state: "warning" });
      expect(failed.disk.message).to.contain("statfs refused");
    } finally {
      await app.close();
    }
  });
});
