import { BackupError } from "../errors";
import { decodePgValue } from "../db/pgValue";
import { Row, TableSchema } from "../db/types";

/**
 * PostgreSQL rows are captured as the text of the whole row (`NEW::text`):
 * every column in its type's exact output form, so numeric, int8, timestamps
 * with microseconds and json keep every digit, and the capture function needs
 * no column list (a migration that drops a column cannot break it).
 * This parses that composite literal: fields separated by commas, empty = NULL,
 * quoted fields with "" and \\ doubled.
 */
export function parseRecordText(text: string): (string | null)[] {
  const fields: (string | null)[] = [];
  let i = 1; // after "("
  for (;;) {
    if (text[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const next = text.slice(i).search(/["\\]/);
        if (next < 0) throw new Error(`unterminated quoted field in row text: ${text.slice(0, 80)}`);
        value += text.slice(i, i + next);
        i += next;
        if (text[i] === "\\") { value += text[i + 1]; i += 2; continue; }
        if (text[i + 1] === '"') { value += '"'; i += 2; continue; }
        i++;
        break;
      }
      fields.push(value);
    } else {
      let end = i;
      while (text[end] !== "," && text[end] !== ")") end++;
      fields.push(end === i ? null : text.slice(i, end));
      i = end;
    }
    if (text[i] === ")") return fields;
    i++; // the comma
  }
}

export function parsePgRow(text: string, table: TableSchema): Row {
  const fields = parseRecordText(text);
  if (fields.length !== table.columns.length) {
    throw new BackupError("SCHEMA_MISMATCH",
      `a captured row of "${table.name}" has ${fields.length} columns, the table has ${table.columns.length}`,
      "the table changed while changes were waiting in the outbox: flush the changelog before running migrations");
  }
  const row: Row = {};
  table.columns.forEach((column, i) => { row[column.name] = decodePgValue(fields[i], column); });
  return row;
}
