/**
 * `stocktake-backup cleanup` (npm run backup:cleanup) as a user runs it: the
 * old positional [days], the policy from options and the environment, a dry
 * run that changes nothing and says why each snapshot stays, the report of
 * what went and the space regained, --json, and the errors of a bad policy.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { jsonOf, runCli as cli } from "./support/cli";
import { type App, openApp, snapshotWithDdl } from "./support/restoreSupport";
import { mutateStocktake } from "../src/stocktake/workload";

interface CleanupJson {
  dryRun: boolean;
  policy: { keepDaily: number; keepWeekly: number; keepMonthly: number; keepWithin: string; timeZone: string };
  window: { from: string; to: string } | null;
  snapshots: { file: string; kind: string; action: "keep" | "remove"; reasons: string[] }[];
  removedSnapshots: string[];
  journal: { floorSeq: number | null; removed: { file: string }[]; compressed: { file: string; rawBytes: number; diskBytes: number | null }[] };
  bytesFreed: number;
  restorable: { from: string; fromSeq: number; to: string; toSeq: number }[];
}

const files = (dir: string): string[] => {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...files(path.join(dir, e.name)).map((f) => `${e.name}/${f}`));
    else if (e.name !== "snapshots.json") out.push(`${e.name} ${fs.statSync(path.join(dir, e.name)).size}`); // the manifest is a cache, not a backup
  }
  return out.sort();
};

describe("cli: cleanup", function () {
  this.timeout(300000);
  let app: App;
  /** 40 days on: every snapshot is older than the default window, so the policy, not the window, decides. */
  const later = () => new Date(Date.now() + 40 * 86_400_000).toISOString();

  before(async () => {
    app = await openApp("sqlite", { seed: 11, segmentBytes: 4 << 10 });
    for (const [i, kind] of (["daily", "manual", "safety", "weekly", "manual"] as const).entries()) {
      await mutateStocktake(app.ds, { steps: 3, seed: i + 1 });
      await app.changelog.flush();
      await snapshotWithDdl(app.ds, app.schema, app.ddl, app.store, `s${i}`, kind);
    }
    await mutateStocktake(app.ds, { steps: 3, seed: 99 });
    await app.changelog.flush();
  });
  after(async () => app?.close());

  it("a dry run changes nothing, names what would go, and says why each kept snapshot stays", () => {
    const before = files(app.store);
    const text = cli(["cleanup", "--dir", app.store, "--dry-run", "--now", later()]);
    expect(text.status, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/^policy: +keep daily 7, weekly 4, monthly 12 \(periods in UTC\), every instant within 30d/m);
    expect(text.stdout).to.match(/^WOULD REMOVE +s0\.snap/m);
    expect(text.stdout).to.match(/^KEEP +s4\.snap .*\(newest; daily \d{4}-\d\d-\d\d; weekly \d{4}-W\d\d; monthly \d{4}-\d\d; needed to restore to the window's start\)/m);
    expect(text.stdout).to.match(/^KEEP +s2\.snap .*newest safety snapshot/m);
    expect(text.stdout).to.match(/would compress \d+ sealed segment/);
    expect(text.stdout).to.contain("dry run: nothing was changed");
    const json = jsonOf<CleanupJson>(cli(["cleanup", "--dir", app.store, "--dry-run", "--json", "--now", later()]));
    expect(json.dryRun).to.equal(true);
    expect(json.snapshots.filter((s) => s.action === "remove").map((s) => s.file)).to.deep.equal(["s0.snap", "s1.snap", "s3.snap"]);
    expect(json.journal.compressed.every((c) => c.diskBytes === null)).to.equal(true);
    expect(files(app.store)).to.deep.equal(before);
  });

  it("takes the window from [days], --keep-within, $BACKUP_KEEP_WITHIN and $BACKUP_RETENTION_DAYS, in that order", () => {
    const policy = (args: string[], env: Record<string, string> = {}) =>
      jsonOf<CleanupJson>(cli(["cleanup", "--dir", app.store, "--dry-run", "--json", ...args], env)).policy;
    expect(policy([]).keepWithin).to.equal("30d");
    expect(policy(["7"]).keepWithin).to.equal("7d");
    expect(policy([], { BACKUP_RETENTION_DAYS: "3" }).keepWithin).to.equal("3d");
    expect(policy([], { BACKUP_RETENTION_DAYS: "3", BACKUP_KEEP_WITHIN: "12h" }).keepWithin).to.equal("12h");
    expect(policy(["5"], { BACKUP_RETENTION_DAYS: "3" }).keepWithin).to.equal("5d");
    expect(policy(["5", "--keep-within", "2w"]).keepWithin).to.equal("14d");
    expect(policy([], { BACKUP_KEEP_DAILY: "2", BACKUP_KEEP_MONTHLY: "0" })).to.include({ keepDaily: 2, keepWeekly: 4, keepMonthly: 0 });
    expect(policy(["--keep-daily", "9", "--tz", "Europe/London"], { BACKUP_KEEP_DAILY: "2" })).to.include({ keepDaily: 9, timeZone: "Europe/London" });
  });

  it("refuses a policy that keeps nothing, and values it cannot read, naming them (exit 2)", () => {
    const empty = cli(["cleanup", "--dir", app.store, "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0", "--keep-within", "0"]);
    expect(empty.status).to.equal(2);
    expect(empty.stderr).to.contain("keeps nothing but the newest snapshot");
    const minutes = cli(["cleanup", "--dir", app.store, "--keep-within", "5m"]);
    expect(minutes.status).to.equal(2);
    expect(minutes.stderr).to.contain('--keep-within "5m"').and.contain("5min").and.contain("5mo");
    const env = cli(["cleanup", "--dir", app.store], { BACKUP_RETENTION_DAYS: "a week" });
    expect(env.status).to.equal(2);
    expect(env.stderr).to.contain('$BACKUP_RETENTION_DAYS "a week"');
    const zone = cli(["cleanup", "--dir", app.store, "--tz", "Mars/Olympus"]);
    expect(zone.status).to.equal(2);
    expect(cli(["cleanup", "--help"]).stdout).to.contain("Safety snapshots").and.contain("[days]");
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["backup:cleanup"]).to.equal("node dist/src/cli/main.js cleanup");
  });

  it("removes what the policy lets go, the journal no kept snapshot needs, compresses the rest, and reports the space regained; list agrees", () => {
    const bytesBefore = files(app.store).reduce((n, f) => n + Number(f.split(" ").pop()), 0);
    const r = jsonOf<CleanupJson>(cli(["cleanup", "--dir", app.store, "--json", "--now", later()]));
    expect(r.removedSnapshots).to.deep.equal(["s0.snap", "s1.snap", "s3.snap"]);
    expect(fs.readdirSync(app.store).filter((f) => f.endsWith(".snap")).sort()).to.deep.equal(["s2.snap", "s4.snap"]);
    expect(r.journal.removed.length).to.be.greaterThan(0);
    expect(r.journal.compressed.length).to.be.greaterThan(0);
    const bytesAfter = files(app.store).reduce((n, f) => n + Number(f.split(" ").pop()), 0);
    expect(r.bytesFreed).to.equal(bytesBefore - bytesAfter);
    const listed = jsonOf<{ restorableSpans: { fromSeq: number; toSeq: number }[]; journal: { firstSeq: number } }>(cli(["list", "--dir", app.store, "--json"]));
    expect(listed.restorableSpans.map((s) => s.fromSeq)).to.deep.equal(r.restorable.map((s) => s.fromSeq));
    expect(r.restorable[0].fromSeq).to.equal(r.journal.floorSeq);
    expect(listed.journal.firstSeq).to.be.at.most(r.journal.floorSeq! + 1);
    // Again: nothing left to do.
    const again = cli(["cleanup", "--dir", app.store, "--now", later()]);
    expect(again.status, again.stderr).to.equal(0);
    expect(again.stdout).to.contain("freed:      0 B");
    expect(again.stdout).not.to.match(/^REMOVE/m);
  });
});
