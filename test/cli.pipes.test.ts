/**
 * The CLI in a pipeline (issue 8, D11): `log --json` of a journal of two
 * million changes delivers every line to a reader slower than it, and
 * `log | head -1` ends quietly, status 0, as Unix tools do.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import { CLI, cliEnv } from "./support/cli";
import { tempDir } from "./support/databases";
import { writeBigJournal } from "./support/bigJournal";

const CHANGES = 2_000_000;
const GNU_TIME = "/usr/bin/time";

/** A shell pipeline; prints the CLI's status (PIPESTATUS[0]) last, on a line of its own, after the reader's output. */
function pipeline(command: string): { stdout: string; stderr: string; cliStatus: number } {
  const r = spawnSync("bash", ["-c", `${command}; echo "status=\${PIPESTATUS[0]}"`], { encoding: "utf8", env: cliEnv(), maxBuffer: 64 << 20 });
  const m = /status=(\d+)\s*$/.exec(r.stdout);
  if (m === null) throw new Error(`no status from ${command}: ${r.stderr}`);
  return { stdout: r.stdout.slice(0, m.index), stderr: r.stderr, cliStatus: Number(m[1]) };
}

describe("stocktake-backup log through a pipe", function () {
  this.timeout(300000);
  let store: string;
  const log = (...args: string[]) => [process.execPath, CLI, "log", "--dir", store, ...args].map((a) => `'${a}'`).join(" ");

  before(async () => {
    store = tempDir("stk-pipes-");
    await writeBigJournal(store, CHANGES, 1000);
  });

  it("LogJsonToASlowReaderDeliversEveryLine", () => {
    // The reader starts late: the CLI must wait for it, not queue the output in memory or drop it.
    const r = pipeline(`${log("--json")} | { sleep 2; cat; } | wc -l`);
    expect(r.stderr).to.equal("");
    expect(r.cliStatus).to.equal(0);
    expect(Number(r.stdout.trim())).to.equal(CHANGES);
  });

  it("LogJsonWaitsForALateReaderInsteadOfQueueingTheOutputInMemory", function () {
    if (!fs.existsSync(GNU_TIME)) this.skip(); // the peak memory comes from GNU time
    const peakFile = path.join(store, "peak");
    const r = pipeline(`${GNU_TIME} -f %M -o '${peakFile}' ${log("--json")} | { sleep 2; cat; } | wc -l`);
    expect(Number(r.stdout.trim())).to.equal(CHANGES);
    // Written without waiting for the reader, the 2M lines sat in memory: 1.8 GB; waiting, about 110 MB.
    expect(Number(fs.readFileSync(peakFile, "utf8").trim()) * 1024, "peak memory of log (bytes)").to.be.below(512 << 20);
  });

  it("LogToHeadEndsQuietlyWithStatus0", () => {
    const r = pipeline(`${log()} | head -1`);
    expect(r.stdout).to.match(/^#1 .*insert +parcel id=1\n$/);
    expect(r.stderr).to.equal("");
    expect(r.cliStatus).to.equal(0);
  });

  it("LogJsonToHeadEndsQuietlyWithStatus0", () => {
    const r = pipeline(`${log("--json")} | head -3`);
    expect(r.stdout.trim().split("\n")).to.have.length(3);
    expect(r.stderr).to.equal("");
    expect(r.cliStatus).to.equal(0);
  });

  it("StderrClosedByTheReaderTooEndsQuietly", () => {
    const r = pipeline(`${log()} 2>&1 | head -2`);
    expect(r.stdout.split("\n").filter(Boolean)).to.have.length(2);
    expect(r.cliStatus).to.equal(0);
  });
});

describe("stocktake-backup --help through a pipe", function () {
  this.timeout(120000);

  it("EveryCommandsHelpIntoHeadEndsQuietlyWithStatus0", () => {
    const commands = ["", "backup", "list", "restore", "verify", "log", "auto", "health", "cleanup", "validate data", "audit", "export-sql", "import-json"];
    for (const command of commands) {
      // sleep lets head exit before the help is written: the write then meets a closed pipe (EPIPE).
      const r = pipeline(`{ sleep 0.3; '${process.execPath}' '${CLI}' ${command} --help; } | head -c 1 > /dev/null`);
      expect(r.stderr, `${command} --help`).to.equal("");
      expect(r.cliStatus, `${command} --help`).to.equal(0);
    }
  });
});
