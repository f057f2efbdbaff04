/**
 * Which rules a command runs: the app's rules module (`--rules <file>`, else
 * integrity.js beside the working directory's build or this package's,
 * found as ormconfig.js is), or only the generic rules of the schema
 * (`--rules generic`). The module exports a list of rules (integrity.ts).
 */
import * as fs from "node:fs";
import { Option } from "commander";
import * as path from "node:path";
import { BackupError } from "../errors";
import { genericRules } from "../integrity/generic";
import type { Rule } from "../integrity/rule";

export const RULES_HELP = "rules to run: a module exporting a list of rules, or \"generic\" (schema rules only); default the app's integrity.js (the Stocktake rules)";

function isRule(value: unknown): value is Rule {
  const r = value as Rule;
  return typeof r === "object" && r !== null && typeof r.name === "string" && typeof r.operator === "function";
}

export const rulesOption = (): Option => new Option("--rules <module>", RULES_HELP);

export function loadRules(spec?: string): readonly Rule[] {
  if (spec === "generic") return genericRules;
  const candidates = spec !== undefined ? [path.resolve(spec)]
    : [path.resolve("dist", "integrity.js"), path.resolve("integrity.js"), path.join(__dirname, "..", "..", "integrity.js")];
  const file = candidates.find((f) => fs.existsSync(f));
  if (file === undefined) {
    if (spec !== undefined) throw new BackupError("NOT_FOUND", `rules module ${spec} does not exist`, "pass a compiled .js module that exports a list of rules, or --rules generic");
    return genericRules;
  }
  let loaded: unknown;
  try {
    loaded = require(file);
  } catch (error) {
    throw new BackupError("BAD_INPUT", `cannot load rules module ${file}: ${(error as Error).message}`, "pass a compiled .js module that exports a list of rules");
  }
  const list = (loaded as { default?: unknown }).default ?? (loaded as { rules?: unknown }).rules ?? loaded;
  if (!Array.isArray(list) || !list.every(isRule)) {
    throw new BackupError("BAD_INPUT", `rules module ${file} does not export a list of rules`, "export = [rule, …] (see README, \"A rule of your own\")");
  }
  return list;
}
