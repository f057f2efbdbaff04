/**
 * The rows of a table as multi-row INSERTs or, on PostgreSQL with --copy, a
 * COPY … FROM stdin block. One batch of the stream at a time: nothing here
 * holds more than one statement's text.
 */
import { quoteIdent as q } from "../db/sql";
import type { ColumnValue, Row, TableSchema } from "../db/types";
import { rowConverter } from "../restore/convert";
import { mapType } from "../schema/columnTypes";
import { copyField } from "../db/copyText";
import { sqlLiteral, type Dialect, type ValuePlace } from "./literal";

/** Rows per INSERT: large enough that the statement overhead vanishes, small enough that a shell never holds much. */
export const ROWS_PER_INSERT = 500;

export class TableRowsWriter {
  private readonly names: string[];
  /** Each column's place, made once: a place per value was most of the export's garbage. */
  private readonly places: ValuePlace[];
  private readonly head: string;
  private readonly convert: ((values: ColumnValue[]) => ColumnValue[]) | null;
  private copying = false;
  rows = 0;

  constructor(readonly table: TableSchema, fromEngine: Dialect, private readonly dialect: Dialect, private readonly copy: boolean) {
    this.names = table.columns.map((c) => c.name);
    this.places = this.names.map((column) => ({ table: table.name, column }));
    const columns = this.names.map(q).join(", ");
    this.head = copy ? `COPY ${q(table.name)} (${columns}) FROM stdin;\n` : `INSERT INTO ${q(table.name)} (${columns}) VALUES\n`;
    this.convert = fromEngine === dialect ? null : arrayConverter(table, fromEngine, dialect);
  }

  /** The text for one batch of rows. */
  write(batch: ColumnValue[][]): string {
    const rows = this.convert ? batch.map(this.convert) : batch;
    this.rows += rows.length;
    return this.copy ? this.copyLines(rows) : this.inserts(rows);
  }

  /** What ends the table's rows (the end of a COPY block). */
  end(): string {
    if (!this.copying) return "";
    this.copying = false;
    return "\\.\n";
  }

  private inserts(rows: ColumnValue[][]): string {
    const parts: string[] = [];
    const places = this.places;
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const tuples: string[] = [];
      for (const values of rows.slice(start, start + ROWS_PER_INSERT)) {
        const literals = new Array<string>(values.length);
        for (let i = 0; i < values.length; i++) literals[i] = sqlLiteral(values[i], this.dialect, places[i]);
        tuples.push(`(${literals.join(", ")})`);
      }
      parts.push(`${this.head}${tuples.join(",\n")};\n`);
    }
    return parts.join("");
  }

  private copyLines(rows: ColumnValue[][]): string {
    const places = this.places;
    const lines: string[] = [];
    if (!this.copying) { lines.push(this.head.slice(0, -1)); this.copying = true; }
    for (const values of rows) {
      const fields = new Array<string>(values.length);
      for (let i = 0; i < values.length; i++) fields[i] = copyField(values[i], places[i]);
      lines.push(fields.join("\t"));
    }
    return lines.join("\n") + "\n";
  }
}

/** The table as the other dialect declares it (schema/columnTypes.ts), for restore/convert.ts to convert values into. */
export function tableOn(table: TableSchema, dialect: Dialect): TableSchema {
  return { ...table, columns: table.columns.map((c) => ({ ...c, type: mapType(c, dialect) })) };
}

function arrayConverter(table: TableSchema, fromEngine: Dialect, dialect: Dialect): (values: ColumnValue[]) => ColumnValue[] {
  const convert = rowConverter(fromEngine, table, dialect, tableOn(table, dialect));
  const names = table.columns.map((c) => c.name);
  return (values) => {
    const row: Row = {};
    for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
    const out = convert(row);
    return names.map((n) => out[n]);
  };
}
