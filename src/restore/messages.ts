/** How restore says which row or change it means, and that a row does not fit the target. */
import { jsonText } from "../db/jsonText";
import { BackupError } from "../errors";
import type { Row } from "../db/types";

/** A row (or key) in a message: the values as `log --json` prints them, exactly. */
export function describeRow(row: Row | null): string {
  return jsonText(row);
}

export function schemaMismatch(message: string): BackupError {
  return new BackupError("SCHEMA_MISMATCH", message,
    "the rows were captured from a different schema than the target's: restore into a database migrated to the backup's schema");
}
