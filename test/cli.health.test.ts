/**
 * `backup:health` as cron and monitoring run it: the built CLI in a child
 * process. Every warning and every critical state is caused here by what
 * causes it in life: snapshots that stopped, a shipper that stopped with
 * transactions waiting, a read-only store, a disk nearly full (a small
 * tmpfs), a damaged snapshot, an integrity report with issues. Exit status
 * 0 healthy, 1 warning, 2 critical.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listSnapshots } from "../src/snapshot";
import { type CliRun as Run, runCli as cli } from "./support/cli";
import { ageSnapshot } from "./support/agedSnapshot";
import { mountTmpfs } from "./support/tmpfs";
import { tinyApp, type TinyApp } from "./support/tinyApp";
import { type Engine, ENGINES } from "./support/databases";

interface HealthJson {
  status: "ok" | "warning" | "critical";
  exitCode: number;
  checks: { name: string; state: string; message: string }[];
  figures: { lag: { checked: boolean; waiting?: number; lagSeconds?: number }; snapshots: { kinds: { kind: string; count: number; missed: number | null }[] } };
}

const DAY = 86_400_000;
const store = () => fs.mkdtempSync(path.join(os.tmpdir(), "sched-health-"));

function health(args: string[]): HealthJson & { run: Run } {
  const run = cli(["health", "--tz", "UTC", "--json", ...args]);
  expect(run.stderr, "health writes no error").to.equal("");
  const json = JSON.parse(run.stdout) as HealthJson;
  expect(run.status, run.stdout).to.equal(json.exitCode);
  return { ...json, run };
}

const stateOf = (h: HealthJson, name: string) => h.checks.find((c) => c.name === name)?.state;
const notOk = (h: HealthJson) => h.checks.filter((c) => c.state !== "ok").map((c) => `${c.name}: ${c.state}`);

/** An app with the changelog attached and its three scheduled snapshots taken by backup:auto. */
async function healthyStore(engine: Engine, dir: string, apps: TinyApp[]) {
  const app = await tinyApp(engine, "health");
  apps.push(app);
  const changelog = await app.attach({ dir });
  await app.write(3);
  await changelog.flush();
  expect(cli(["auto", "--db", app.url, "--dir", dir, "--tz", "UTC"]).status).to.equal(0);
  return { app, changelog };
}

describe("backup:health (the CLI)", function () {
  this.timeout(120_000);
  const apps: TinyApp[] = [];
  after(async () => { for (const a of apps) await a.close(); });

  it("a store whose schedule is kept, whose journal is shipped, with room on its disk, is healthy (exit 0), and says so to Prometheus", async () => {
    const dir = store();
    const { app, changelog } = await healthyStore("sqlite", dir, apps);
    const prom = path.join(store(), "stocktake_backup.prom");
    const h = health(["--db", app.url, "--dir", dir, "--prometheus", prom]);
    expect(notOk(h)).to.deep.equal([]);
    expect(h.run.status).to.equal(0);
    expect(h.figures.lag).to.include({ checked: true, waiting: 0 });
    const text = fs.readFileSync(prom, "utf8");
    expect(text.endsWith("\n")).to.equal(true);
    expect(text).to.match(/^stocktake_backup_health_status\{store="[^"]+"\} 0$/m);
    expect(text).to.match(/^stocktake_backup_snapshots\{store="[^"]+",kind="daily"\} 1$/m);
    expect(text).to.match(new RegExp(`^stocktake_backup_journal_last_seq\\{store="[^"]+"\\} ${changelog.lastSeq}$`, "m"));
    // Every sample line is `name{labels} number`, no timestamps; every metric has HELP and TYPE.
    for (const line of text.trimEnd().split("\n")) expect(line).to.match(/^(# (HELP|TYPE) stocktake_backup_\w+ .+|stocktake_backup_\w+(\{[^}]*\})? [-+0-9.eInfNa]+)$/);
    expect(fs.readdirSync(path.dirname(prom))).to.deep.equal(["stocktake_backup.prom"]); // no temp file left
    expect(fs.statSync(prom).mode & 0o777, "the collector's own user reads it").to.equal(0o644);
    // The human form: one summary line, then one line per check.
    const text2 = cli(["health", "--db", app.url, "--dir", dir, "--tz", "UTC"]);
    expect(text2.status).to.equal(0);
    expect(text2.stdout.split("\n")[0]).to.match(/^HEALTHY: /);
    await changelog.close();
  });

  it("snapshots that stopped: dailies missed are critical from --missed-critical (2), a warning below it; an old newest snapshot past --age-warn is a warning", async () => {
    const dir = store();
    const { app, changelog } = await healthyStore("sqlite", dir, apps);
    await changelog.close();
    const daily = (await listSnapshots(dir)).snapshots.find((s) => s.kind === "daily")!;
    await ageSnapshot(dir, daily.file, 3 * DAY);
    const h = health(["--db", app.url, "--dir", dir]);
    expect(notOk(h)).to.deep.equal(["daily: critical"]);
    expect(h.checks.find((c) => c.name === "daily")!.message).to.match(/2\+ scheduled time\(s\) missed/);
    const lenient = health(["--db", app.url, "--dir", dir, "--missed-critical", "4"]);
    expect(notOk(lenient)).to.deep.equal(["daily: warning"]);
    // Three days back: two or three 02:00s have passed, by the time of day the test runs.
    expect(lenient.figures.snapshots.kinds.find((k) => k.kind === "daily")!.missed).to.be.within(2, 3);
    for (const s of (await listSnapshots(dir)).snapshots.filter((x) => x.kind !== "daily")) await ageSnapshot(dir, s.file, 10 * DAY);
    const aged = health(["--db", app.url, "--dir", dir, "--missed-critical", "40", "--age-warn", "2d"]);
    expect(stateOf(aged, "snapshots")).to.equal("warning");
    expect(health(["--db", app.url, "--dir", dir, "--age-critical", "2d"]).checks.find((c) => c.name === "snapshots")!.state).to.equal("critical");
  });

  for (const engine of ENGINES) {
    it(`${engine}: a stopped shipper with transactions waiting in the outbox: a warning past --lag-warn, critical past --lag-critical`, async () => {
      const dir = store();
      const { app, changelog } = await healthyStore(engine, dir, apps);
      await changelog.close(); // the app's shipper stops; the database's capture goes on
      await app.write(4);
      await new Promise((r) => setTimeout(r, 1200));
      const h = health(["--db", app.url, "--dir", dir, "--lag-warn", "1s"]);
      expect(notOk(h)).to.deep.equal(["journal: warning"]);
      expect(h.figures.lag).to.include({ checked: true, waiting: 4 });
      expect(h.figures.lag.lagSeconds).to.be.greaterThan(1);
      const c = health(["--db", app.url, "--dir", dir, "--lag-warn", "1s", "--lag-critical", "1s"]);
      expect(notOk(c)).to.deep.equal(["journal: critical"]);
      expect(c.run.status).to.equal(2);
      // The defaults (warn 5m) are not crossed yet by a second of waiting.
      expect(notOk(health(["--db", app.url, "--dir", dir]))).to.deep.equal([]);
    });
  }

  it("a database the lag cannot be asked of (never attached, or not there) is a warning, not a silence", async () => {
    const dir = store();
    const { changelog } = await healthyStore("sqlite", dir, apps);
    await changelog.close();
    const other = await tinyApp("sqlite", "bare");
    apps.push(other);
    const never = health(["--db", other.url, "--dir", dir]);
    expect(notOk(never)).to.deep.equal(["journal: warning"]);
    expect(never.checks.find((c) => c.name === "journal")!.message).to.contain("never attached");
    expect(notOk(health(["--db", path.join(dir, "missing.db"), "--dir", dir]))).to.deep.equal(["journal: warning"]);
  });

  it("a damaged snapshot, an integrity report with issues, a file others may read are warnings", async () => {
    const dir = store();
    const { app, changelog } = await healthyStore("sqlite", dir, apps);
    await changelog.close();
    fs.writeFileSync(path.join(dir, "integrity-report-1764000000000.json"), JSON.stringify({
      timestamp: new Date().toISOString(), database: { issues: 0, warnings: 2, status: "healthy" }, issues: [], warnings: [{}, {}], recommendations: [],
    }), { mode: 0o600 });
    expect(notOk(health(["--db", app.url, "--dir", dir]))).to.deep.equal([]);
    const newer = path.join(dir, "integrity-report-1764000999999.json");
    fs.writeFileSync(newer, JSON.stringify({ timestamp: new Date().toISOString(), database: { issues: 3, warnings: 0, status: "critical" } }), { mode: 0o600 });
    fs.utimesSync(newer, new Date(), new Date(Date.now() + 1000));
    const h = health(["--db", app.url, "--dir", dir]);
    expect(notOk(h)).to.deep.equal(["integrity: warning"]);
    expect(h.checks.find((c) => c.name === "integrity")!.message).to.contain("3 issue(s)");
    fs.rmSync(newer);
    const damaged = path.join(dir, "daily-backup-1999-01-01.snap");
    fs.writeFileSync(damaged, "not a snapshot", { mode: 0o600 });
    expect(notOk(health(["--db", app.url, "--dir", dir]))).to.deep.equal(["snapshots: warning"]);
    // A file other users may read (a store from before files were private, a file copied in) is a warning too.
    fs.chmodSync(damaged, 0o644);
    const loose = health(["--db", app.url, "--dir", dir]);
    expect(notOk(loose)).to.deep.equal(["snapshots: warning", "file modes: warning"]);
    expect(loose.checks.find((c) => c.name === "file modes")!.message).to.contain("daily-backup-1999-01-01.snap (644)").and.to.contain("chmod -R go-rwx");
  });

  it("a journal segment lost from the middle of the journal is a warning that names the missing seqs", async () => {
    const app = await tinyApp("sqlite", "lost");
    apps.push(app);
    const dir = store();
    const changelog = await app.attach({ dir, segmentBytes: 1024 });
    for (let i = 0; i < 12; i++) { await app.write(5); await changelog.flush(); }
    await changelog.snapshot({ kind: "daily" });
    await changelog.close();
    const segments = fs.readdirSync(path.join(dir, "journal")).filter((f) => f.endsWith(".seg")).sort();
    expect(segments.length, "segments").to.be.at.least(3);
    fs.rmSync(path.join(dir, "journal", segments[1]));
    const h = health(["--db", app.url, "--dir", dir, "--weekly", "off", "--monthly", "off"]);
    expect(notOk(h)).to.deep.equal(["journal damage: warning"]);
    expect(h.checks.find((c) => c.name === "journal damage")!.message).to.match(/seqs \d+\.\.\d+ are missing/);
  });

  it("an empty store is critical", () => {
    const h = health(["--dir", store(), "--db", path.join(store(), "none.db")]);
    expect(stateOf(h, "snapshots")).to.equal("critical");
    expect(h.run.status).to.equal(2);
  });

  it("a read-only store is critical; a nearly full disk a warning (free at or below 10%), then critical (5%) (a small tmpfs)", async function () {
    const disk = mountTmpfs(this, 4096);
    try {
      const dir = path.join(disk.dir, "store");
      fs.mkdirSync(dir, { mode: 0o700 });
      const { app, changelog } = await healthyStore("sqlite", dir, apps);
      await changelog.close();
      expect(notOk(health(["--db", app.url, "--dir", dir]))).to.deep.equal([]);
      // Leave 7% of the disk free.
      const s = fs.statfsSync(disk.dir);
      const filler = path.join(disk.dir, "filler");
      fs.writeFileSync(filler, Buffer.alloc(Math.floor((s.bavail - 0.07 * s.blocks) * s.bsize)));
      expect(notOk(health(["--db", app.url, "--dir", dir]))).to.deep.equal(["disk: warning"]);
      disk.fill();
      const full = health(["--db", app.url, "--dir", dir]);
      expect(notOk(full)).to.deep.equal(["disk: critical"]);
      disk.free();
      fs.rmSync(filler);
      disk.readOnly(true);
      const ro = health(["--db", app.url, "--dir", dir]);
      expect(notOk(ro)).to.deep.equal(["store writable: critical"]);
      expect(ro.checks.find((c) => c.name === "store writable")!.message).to.contain("read-only file system");
      disk.readOnly(false);
    } finally {
      disk.unmount();
    }
  });

  it("bad thresholds are refused by name (exit 2)", () => {
    const dir = store();
    for (const [flag, value] of [["--lag-warn", "soon"], ["--free-warn", "120%"], ["--missed-warn", "0"], ["--days-critical", "x"]]) {
      const r = cli(["health", "--dir", dir, flag, value]);
      expect(r.status, `${flag} ${value}`).to.equal(2);
      expect(r.stderr).to.contain(flag);
    }
  });
});
