/**
 * What the generic rules know of a database: its tables, columns (declared
 * type, NOT NULL, length), keys, unique constraints and foreign keys. Built
 * from the catalog's description of the tables (schema/ddl.ts), which a live
 * database, a snapshot's header and a journal's header all carry, so the
 * rules need no entity classes. Entity metadata can add what the app
 * declares but the database does not enforce (entityConstraints.ts).
 */
import { columnKind, type ColumnKind } from "../db/columnKind";
import type { DatabaseSchema, Engine, Row, TableSchema } from "../db/types";
import type { SchemaDdl } from "../schema/ddl";
import { secretColumns, type Secrets, shownValue } from "../secrets";

export interface RuleColumn {
  name: string;
  type: string;
  kind: ColumnKind;
  notNull: boolean;
  /** varchar(n) / character varying(n): the most characters a value may hold. */
  maxLength: number | null;
  /** Its values are shown as `<redacted>` in messages (src/secrets.ts). */
  secret: boolean;
}

export interface RuleForeignKey {
  columns: string[];
  table: string;
  refColumns: string[];
}

export interface RuleTable {
  name: string;
  columns: RuleColumn[];
  primaryKey: string[];
  /** Column lists that must be unique (UNIQUE constraints and unique indexes; not the primary key). */
  uniques: string[][];
  foreignKeys: RuleForeignKey[];
}

export interface RuleSchema {
  engine: Engine;
  tables: RuleTable[];
}

export function ruleTable(schema: RuleSchema, name: string): RuleTable | undefined {
  return schema.tables.find((t) => t.name === name);
}

/** A row of `table` (a key, a value) as messages show it: secret columns' values redacted. */
export function shownRow(row: Row, table: RuleTable): Row {
  const out: Row = {};
  for (const [column, value] of Object.entries(row)) out[column] = shownValue(isSecretColumn(table, column), value);
  return out;
}

export function isSecretColumn(table: RuleTable, column: string): boolean {
  return table.columns.find((c) => c.name === column)?.secret ?? false;
}

function maxLengthOf(type: string): number | null {
  const m = /^(?:varchar|character varying|nvarchar|varying character|char|character|nchar)\s*\(\s*(\d+)\s*\)$/i.exec(type.trim());
  return m ? Number(m[1]) : null;
}

/**
 * The rule schema of `schema` (column order and keys) and its description
 * `ddl`, when there is one; `secrets`: the columns whose values messages
 * keep out (by default those src/secrets.ts names; SHOW_SECRETS for none).
 */
export function ruleSchemaOf(schema: DatabaseSchema, ddl?: SchemaDdl, secrets: Secrets = secretColumns()): RuleSchema {
  const tables = schema.tables.map((t: TableSchema): RuleTable => {
    const described = ddl?.tables.find((d) => d.name === t.name);
    const columns = t.columns.map((c): RuleColumn => {
      const portable = described?.columns.find((p) => p.name === c.name);
      const type = portable?.type ?? c.type;
      return { name: c.name, type, kind: columnKind(schema.engine, type), notNull: portable?.notNull ?? !c.nullable, maxLength: maxLengthOf(type),
        secret: secrets.isSecret(t.name, c.name) };
    });
    const uniques = [
      ...(described?.uniques ?? []).map((u) => u.columns),
      ...(described?.indexes ?? []).filter((i) => i.unique).map((i) => i.columns),
    ];
    return {
      name: t.name,
      columns,
      primaryKey: t.primaryKey,
      uniques: dedupe(uniques),
      foreignKeys: (described?.foreignKeys ?? []).map((f) => ({ columns: f.columns, table: f.table, refColumns: f.refColumns })),
    };
  });
  return { engine: schema.engine, tables };
}

export function dedupe(lists: string[][]): string[][] {
  const seen = new Set<string>();
  return lists.filter((l) => { const k = JSON.stringify(l); if (seen.has(k)) return false; seen.add(k); return true; });
}
