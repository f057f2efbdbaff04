/** `audit`: the integrity rules over the journal's replay, each finding with the transaction it began at and the one that fixed it. */
import type { Command } from "commander";
import { jsonText } from "../../db/jsonText";
import { audit, type AuditPoint, type AuditResult } from "../../integrity/audit";
import type { Episode } from "../../integrity/episodes";
import { parsePoint } from "../../instant";
import { existingStore } from "../../store";
import { action } from "../action";
import { jsonOption, showSecretsOption, storeOption, timeZoneOption } from "../options";
import { redactKey, type Secrets, secretsFor } from "../../secrets";
import { progressBar } from "../progress";
import { loadRules, rulesOption } from "../rulesModule";
import * as stdout from "../stdout";

interface AuditOptions { from?: string; to?: string; tz?: string; dir?: string; json?: boolean; rules?: string; showSecrets?: boolean }

function point(text: string | undefined, option: string, tz: string | undefined): AuditPoint | undefined {
  if (text === undefined) return undefined;
  const p = parsePoint(text, { option, timeZone: tz });
  if ("seq" in p) return { seq: p.seq };
  if (p.resolved !== null) process.stderr.write(`${option} ${text}: using ${p.resolved}\n`);
  return { time: p.time };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function episodeJson(e: Episode) {
  return { ...e, at: iso(e.at ?? null), firstAt: iso(e.firstAt), fixedAt: iso(e.fixedAt) };
}

/** The result for output: keys of findings and of the rows they changed with secret columns redacted (messages came worded so). */
function shownResult(r: AuditResult, secrets: Secrets): AuditResult {
  return { ...r, findings: r.findings.map((e) => ({ ...redactKey(secrets, e), changes: e.changes.map((c) => redactKey(secrets, c)) })) };
}

function humanText(r: AuditResult): string {
  const lines = [
    `${r.findingsTotal === 0 ? "ok" : "FINDINGS"}: audit of seqs ${r.fromSeq}..${r.toSeq} (from snapshot ${r.snapshot.file}, seq ${r.snapshot.seq}, ` +
      `${r.framesReplayed} transaction(s) replayed): ${r.findingsTotal} finding(s), ${r.open} still holding`,
  ];
  for (const e of r.findings.slice(0, 100)) {
    const began = e.heldAtStart ? `held in the snapshot (seq ${e.firstSeq})` : `seq ${e.firstSeq} at ${iso(e.firstAt)}`;
    const ended = e.fixedSeq === null ? "still holds" : `fixed at seq ${e.fixedSeq} (${iso(e.fixedAt)})`;
    lines.push(`  ${e.severity.padEnd(7)} ${e.rule.padEnd(20)} ${e.message}`);
    lines.push(`          began ${began}; ${ended}`);
    if (e.changes.length > 0) {
      lines.push(`          changed: ${e.changes.map((c) => `${c.op} ${c.table} ${jsonText(c.key)}`).join(", ")}${e.changedRows > e.changes.length ? `, … (${e.changedRows} rows)` : ""}`);
    }
  }
  if (r.findingsTotal > 100) lines.push(`  … and ${r.findingsTotal - 100} more (--json for all)`);
  lines.push(`  time      ${(r.ms / 1000).toFixed(2)} s`);
  return lines.join("\n") + "\n";
}

export function registerAudit(program: Command): void {
  program
    .command("audit")
    .description("replay the journal through the integrity rules and report each finding once: the seq and time of the transaction at " +
      "which it first held, the rows that transaction changed, and the seq at which it stopped holding. Writes nothing. Exit status 1 on findings")
    .option("--from <point>", "a sequence number or an instant: report findings that held at or after it (default: the oldest snapshot)")
    .option("--to <point>", "a sequence number or an instant: replay up to it (default: the end of the journal)")
    .addOption(timeZoneOption())
    .addOption(storeOption())
    .addOption(rulesOption())
    .addOption(showSecretsOption())
    .addOption(jsonOption("print the result as one JSON object: snapshot, fromSeq, toSeq, framesReplayed, findings (rule, severity, table, key, message, firstSeq, firstAt, changes, fixedSeq, fixedAt)"))
    .addHelpText("after", "\nExamples:\n  stocktake-backup audit\n  stocktake-backup audit --from 120 --to 480 --json\n  stocktake-backup audit --from yesterday 09:00 --tz Europe/London")
    .action(action(async (opts: AuditOptions) => {
      const store = existingStore(opts.dir);
      const rules = loadRules(opts.rules);
      const from = point(opts.from, "--from", opts.tz);
      const to = point(opts.to, "--to", opts.tz);
      const secrets = secretsFor(opts);
      const bar = progressBar(opts.json, "audit {bar} {phase} seq {value}/{total}");
      let result: AuditResult;
      try {
        result = await audit({ store, rules, from, to, secrets, onProgress: (p) => bar.show(p.seq, p.toSeq, { phase: p.phase }) });
      } finally {
        bar.stop();
      }
      result = shownResult(result, secrets);
      await stdout.write(opts.json ? `${jsonText({ ...result, findings: result.findings.map(episodeJson), ms: Math.round(result.ms) })}\n` : humanText(result));
      return result.findingsTotal > 0 ? 1 : 0;
    }));
}
