import { spawn } from "child_process";
import path from "path";
import { Client } from "pg";
import { BenchDir, formatTable, median, pgAdmin, PG } from "./support";

const WRITER = path.join(__dirname, "fleetWriter.js");

/**
 * Several app processes on one PostgreSQL database (issue 15): the whole
 * fleet's commits per second with the changelog attached against without,
 * for one process and for `instances`, in alternating rounds of `seconds`.
 * With the plugin one process ships and the others stand by; every commit
 * still runs the capture triggers and queues on the head's row lock.
 */
export async function benchFleet(work: BenchDir, options: { instances: number[]; rounds: number; seconds: number }): Promise<string> {
  const rows: string[][] = [];
  for (const count of options.instances) {
    const off: number[] = [];
    const on: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      off.push(await fleetRate(work, count, false, round, options.seconds));
      on.push(await fleetRate(work, count, true, round, options.seconds));
    }
    rows.push([String(count), `${median(off).toFixed(0)}`, `${median(on).toFixed(0)}`, (median(on) / median(off)).toFixed(3)]);
  }
  return formatTable(["app processes", "commits/s, plugin off (median)", "commits/s, plugin on (median)", "on / off"], rows);
}

async function fleetRate(work: BenchDir, count: number, plugin: boolean, round: number, seconds: number): Promise<number> {
  const name = `stk_fleet_${process.pid}_${count}_${round}_${plugin ? "on" : "off"}`;
  await pgAdmin(`CREATE DATABASE ${name}`);
  try {
    await withTable(`${PG}/${name}`);
    const store = plugin ? work.dir(`fleet-${count}-${round}`) : "-";
    const writers = Array.from({ length: count }, (_v, i) => startWriter(`${PG}/${name}`, store, seconds, round * 100 + i));
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();
    const commits = await Promise.all(writers.map((w) => w.done));
    return commits.reduce((a, b) => a + b, 0) / seconds;
  } finally {
    await pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

async function withTable(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)");
    await client.query("INSERT INTO item (name, qty) SELECT 'seed ' || i, i % 100 FROM generate_series(1, 1000) i");
  } finally {
    await client.end();
  }
}

function startWriter(url: string, store: string, seconds: number, seed: number) {
  const child = spawn(process.execPath, [WRITER, url, store, String(seconds), String(seed)], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  let announce: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { announce = resolve; });
  child.stdout.on("data", (d) => { out += d; if (out.includes("ready")) announce(); });
  const done = new Promise<number>((resolve, reject) => child.on("exit", (code) => {
    const last = out.trim().split("\n").pop() ?? "";
    if (code === 0) resolve((JSON.parse(last) as { commits: number }).commits);
    else reject(new Error(`fleet writer exited ${code}: ${out}`));
  }));
  return { ready, done, go: () => child.stdin.write("go\n") };
}
