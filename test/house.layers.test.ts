import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The house's rules, read from the sources (doc/design.md, "Layers"): every
 * import points down the list below, so no two parts of src/ depend on each
 * other; a new folder or top-level module must be given its place here.
 */
const LAYERS = [
  "errors", "systemErrors", "instant",
  "db", "secrets", "durable", "regularFile", "store", "accessLog",
  "journal", "storeIdentity", "leftovers",
  "schema", "capture", "reader", "snapshot",
  // Below the changelog: attachChangelog({ schedule }) takes the due snapshots in the app.
  "schedule",
  "changelogApi", "changelog", "attach", "backupSource",
  "restore", "verify", "integrity", "operations", "export", "importJson",
  "cli", "legacy", "index",
  "stocktake",
];
const MAX_LINES = 300;
/** The Stocktake write paths are one table of the capture matrix, one entry per row. */
const LONG_ON_PURPOSE = new Set(["stocktake/writePaths.ts"]);

const SRC = path.resolve(__dirname, "..", "..", "src");

interface SourceFile { file: string; text: string; imports: string[] }

function sources(dir = SRC): SourceFile[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    if (!entry.name.endsWith(".ts")) return [];
    const text = fs.readFileSync(full, "utf8");
    const imports = [...withoutComments(text).matchAll(IMPORT)].map((m) => resolveModule(path.dirname(full), m[1]));
    return [{ file: path.relative(SRC, full), text, imports }];
  });
}

/** `import … from`, `export … from`, `import "…"`, `import("…")`, `require("…")` of a relative module. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](\.[^"']*)["']/g;

/** `import { a, b } from "child_process"` (group 1: the names), or `import * as x from` / a default import (no group 1). */
const CHILD_PROCESS_IMPORT = /\bimport\s+(?:type\s+)?(?:\{([^}]*)\}|[^;]*?)\s*from\s*["'](?:node:)?child_process["']/g;
/** What takes a program and an argument array, never a command line. */
const SAFE_CHILD_PROCESS = new Set(["fork", "execFile", "execFileSync", "spawn", "spawnSync", "ChildProcess"]);

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|\s)\/\/.*$/gm, "$1");
}

function resolveModule(fromDir: string, spec: string): string {
  const base = path.resolve(fromDir, spec);
  const file = fs.existsSync(base) && fs.statSync(base).isDirectory() ? path.join(base, "index.ts") : `${base}.ts`;
  return path.relative(SRC, file);
}

/** The folder a file is in, or the module's own name for a file at the top of src/. */
function partOf(file: string): string {
  const [first, ...rest] = file.split(path.sep);
  return rest.length > 0 ? first : first.replace(/\.ts$/, "");
}

/** Strongly connected groups of more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do { w = stack.pop()!; group.push(w); } while (w !== v);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("the house: imports point down, files stay small", () => {
  const files = sources();

  it("EveryPartOfSrcHasAPlaceInTheLayers", () => {
    const unplaced = [...new Set(files.map((f) => partOf(f.file)))].filter((p) => !LAYERS.includes(p));
    expect(unplaced, "give each a place in LAYERS (test/house.layers.test.ts) and doc/design.md").to.deep.equal([]);
  });

  it("NoImportPointsUpOrSideways", () => {
    const upward = files.flatMap((f) => f.imports
      .filter((target) => partOf(target) !== partOf(f.file) && LAYERS.indexOf(partOf(target)) > LAYERS.indexOf(partOf(f.file)))
      .map((target) => `${f.file} imports ${target}`));
    expect(upward).to.deep.equal([]);
  });

  it("NoTwoFilesImportEachOtherButTheEntities", () => {
    const graph = new Map(files.map((f) => [f.file, f.imports]));
    const loops = cycles(graph).filter((group) => !group.every((file) => file.startsWith(path.join("stocktake", "entities"))));
    expect(loops).to.deep.equal([]);
  });

  it("NoFileIsLongerThan300LinesButTheWritePaths", () => {
    const long = files
      .filter((f) => !LONG_ON_PURPOSE.has(f.file.split(path.sep).join("/")))
      .map((f) => ({ file: f.file, lines: f.text.split("\n").length - (f.text.endsWith("\n") ? 1 : 0) }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).to.deep.equal([]);
  });

  it("NoShellIsEverSpawnedWithAString", () => {
    // exec and execSync run a string through /bin/sh, and so does any call with `shell`: a name read
    // from a file could then run commands. Only the calls that take a program and an argument array are allowed.
    const offending = files.flatMap((f) => {
      const code = withoutComments(f.text);
      const bad: string[] = [];
      for (const m of code.matchAll(CHILD_PROCESS_IMPORT)) {
        const names = m[1] === undefined ? ["(the whole module)"] : m[1].split(",").map((n) => n.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0]).filter(Boolean);
        bad.push(...names.filter((n) => !SAFE_CHILD_PROCESS.has(n)).map((n) => `${f.file} imports ${n} from child_process`));
      }
      if (/\brequire\s*\(\s*["'](node:)?child_process["']/.test(code)) bad.push(`${f.file} requires child_process`);
      if (/\bshell\s*:/.test(code)) bad.push(`${f.file} passes a shell option`);
      return bad;
    });
    expect(offending).to.deep.equal([]);
    // The scan would pass on nothing: it must see the child_process imports that are there.
    const forks = files.filter((f) => [...withoutComments(f.text).matchAll(CHILD_PROCESS_IMPORT)].some((m) => m[1]?.includes("fork")));
    expect(forks.length, "files importing fork").to.be.greaterThan(0);
    expect([..."import { exec } from \"node:child_process\";".matchAll(CHILD_PROCESS_IMPORT)][0][1]).to.equal(" exec ");
    expect([..."import * as cp from \"child_process\";".matchAll(CHILD_PROCESS_IMPORT)][0][1]).to.equal(undefined);
  });

  it("TheRulesSeeImports", () => {
    // The checks above would pass on nothing: the reading must find the imports that are there.
    const execute = files.find((f) => f.file === path.join("restore", "execute.ts"));
    expect(execute, "restore/execute.ts").to.not.equal(undefined);
    expect(execute!.imports.some((i) => partOf(i) === "snapshot")).to.equal(true);
    expect(cycles(new Map([["a", ["b"]], ["b", ["a"]], ["c", ["a"]]]))).to.deep.equal([["a", "b"]]);
  });
});
