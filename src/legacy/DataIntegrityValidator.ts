/**
 * The old scripts' integrity API, kept for code that used it
 * (`const integrity = await validator.validateDatabaseIntegrity();
 * if (integrity.issues > 0) …`): `issues` and `warnings` are counts, `status`
 * is 'healthy', 'critical' (at least one error) or 'error' (the check could
 * not run); it never throws. The work is `validate data`'s: the same rules
 * (the app's integrity.js, else the generic ones) in one consistent read.
 */
import type { DataSource } from "typeorm";
import { loadRules } from "../cli/rulesModule";
import { openDatabase } from "../db/connect";
import type { Rule } from "../integrity/rule";
import type { ValidationResult } from "../integrity/result";
import { scanDatabase } from "../integrity/scan";
import { asBackupError } from "../systemErrors";

export interface DataIntegrityValidatorOptions {
  /** An initialised DataSource of the app; default: a connection from `db`. */
  dataSource?: DataSource;
  /** Database URL or SQLite path when no dataSource is given; default $DATABASE_URL, else the app's ormconfig. */
  db?: string;
  /** The rules; default those of the app's integrity.js, as on the command line. */
  rules?: readonly Rule[];
}

export type IntegrityCheckResult =
  | ValidationResult
  | { status: "error"; issues: 0; warnings: 0; findings: []; error: string };

export class DataIntegrityValidator {
  constructor(private readonly options: DataIntegrityValidatorOptions = {}) {}

  async validateDatabaseIntegrity(): Promise<IntegrityCheckResult> {
    try {
      const rules = this.options.rules ?? loadRules();
      const ds = this.options.dataSource ?? await openDatabase(this.options.db);
      try {
        return await scanDatabase(ds, { rules });
      } finally {
        if (this.options.dataSource === undefined) await ds.destroy();
      }
    } catch (thrown) {
      const error = asBackupError(thrown) ?? thrown;
      return { status: "error", issues: 0, warnings: 0, findings: [], error: error instanceof Error ? error.message : String(error) };
    }
  }
}
