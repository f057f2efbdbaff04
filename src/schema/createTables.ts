import { BackupError } from "../errors";
import type { ColumnSchema, DatabaseSchema, TableSchema } from "../db/types";
import { columnKind } from "../db/columnKind";
import { quoteIdent as q, quoteLiteral } from "../db/sql";
import { isPlainName } from "./checkDdl";
import { mapType, parseColumnType } from "./columnTypes";
import type { PortableColumn, PortableForeignKey, PortableTable, SchemaDdl } from "./ddl";
import type { Engine } from "../db/types";
import { defaultSql } from "./defaults";

/**
 * The statements that create a snapshot's tables on an empty database of
 * `engine`, built from the header schema and its checked description
 * (checkDdl.ts) and nothing else: every name goes through quoteIdent, every
 * text through quoteLiteral, every type through the closed grammar of
 * columnTypes.ts, every keyword is this file's own. On the snapshot's own
 * engine the declared types, enums, sequences, identity, collations and
 * constraint names come along; on the other engine the types are mapped
 * (datetime ↔ timestamp, blob ↔ bytea, decimal ↔ numeric, …) and keys,
 * uniques, indexes, foreign keys and portable defaults are kept. Without a
 * description the tables get their columns and primary keys only.
 * `notRecreated` lists what the source had and these statements lack.
 */
export interface TableStatements {
  statements: string[];
  notRecreated: string[];
}

const INT_TYPES: Record<string, string> = { smallint: "smallserial", integer: "serial", bigint: "bigserial" };

export function createTableStatements(schema: DatabaseSchema, ddl: SchemaDdl | undefined, engine: Engine): TableStatements {
  const same = schema.engine === engine;
  const described = new Map((ddl?.tables ?? []).map((t) => [t.name, t]));
  const enums = new Map((same ? ddl?.enums ?? [] : []).map((e) => [e.name, e]));
  const names = new Set(schema.tables.map((t) => t.name));
  const b = new Builder(engine, same, new Set(enums.keys()));

  for (const table of schema.tables) {
    const info = described.get(table.name) ?? (ddl ? undescribed(table.name) : bare(table));
    if (same && info.unsupported !== undefined) throw cannotCreate(table.name, engine, info.unsupported);
    for (const note of info.notRecreated ?? []) b.notRecreated.push(`"${table.name}": ${note}`);
    b.table(table, info, names);
  }
  const preamble = [
    ...[...b.extensions].sort().map((e) => `CREATE EXTENSION IF NOT EXISTS ${q(e)}`),
    ...[...b.enums].sort().map((name) => `CREATE TYPE ${q(name)} AS ENUM (${enums.get(name)!.labels.map((l) => quoteLiteral(l, engine)).join(", ")})`),
    ...b.sequences,
  ];
  return { statements: [...preamble, ...b.creates, ...b.after], notRecreated: b.notRecreated };
}

class Builder {
  readonly extensions = new Set<string>();
  readonly enums = new Set<string>();
  readonly sequences: string[] = [];
  readonly creates: string[] = [];
  readonly after: string[] = [];
  readonly notRecreated: string[] = [];

  constructor(private readonly engine: Engine, private readonly same: boolean, private readonly enumNames: ReadonlySet<string>) {}

  table(table: TableSchema, info: PortableTable, tables: ReadonlySet<string>): void {
    // checkDdl.ts made sure of it for described tables; a table without a description has only the header's names.
    const odd = [table.name, ...table.columns.map((c) => c.name)].find((n) => !isPlainName(n));
    if (odd !== undefined) throw cannotCreate(table.name, this.engine, `the name ${JSON.stringify(odd)} holds a double quote or a control character`);
    const byName = new Map(info.columns.map((c) => [c.name, c]));
    const single = info.primaryKey.length === 1 ? info.primaryKey[0] : null;
    const inlineKey = this.engine === "sqlite" && single !== null && this.generation(byName.get(single), true) === "autoincrement";
    const defs = table.columns.map((c) => this.column(table, c, byName.get(c.name), c.name === single));
    if (info.primaryKey.length && !inlineKey) defs.push(`${this.constraint(info.primaryKeyName)}PRIMARY KEY (${info.primaryKey.map(q).join(", ")})`);
    for (const u of info.uniques) defs.push(`${this.constraint(u.name)}UNIQUE (${u.columns.map(q).join(", ")})`);
    for (const fk of info.foreignKeys) {
      if (this.engine === "sqlite") defs.push(this.foreignKey(fk));
      else if (tables.has(fk.table)) this.after.push(`ALTER TABLE ${q(table.name)} ADD ${this.foreignKey(fk)}`);
      // PostgreSQL refuses a reference to a table that does not exist; SQLite takes it.
      else this.notRecreated.push(`"${table.name}": foreign key (${fk.columns.join(", ")}) to "${fk.table}", a table outside the snapshot`);
    }
    const options = this.engine === "sqlite" && this.same && info.withoutRowid ? " WITHOUT ROWID" : "";
    this.creates.push(`CREATE TABLE ${q(table.name)} (${defs.join(", ")})${options}`);
    for (const index of info.indexes) {
      this.after.push(`CREATE ${index.unique ? "UNIQUE " : ""}INDEX ${q(index.name)} ON ${q(table.name)} (${index.columns.map(q).join(", ")})`);
    }
  }

  /** How the column is filled, as this engine spells it; null for a plain column. */
  private generation(c: PortableColumn | undefined, singleKey: boolean): string | null {
    if (!c?.autoIncrement) return null;
    if (this.same && c.generation) return c.generation;
    // Older files and the other engine: the usual way, for a single-column key.
    if (!singleKey) return null;
    return this.engine === "sqlite" ? "autoincrement" : "serial keyword";
  }

  private column(table: TableSchema, c: ColumnSchema, info: PortableColumn | undefined, singleKey: boolean): string {
    const type = this.type(table, c, info);
    const generation = this.generation(info, singleKey);
    const notNull = this.same ? info?.notNull ?? !c.nullable : !c.nullable;
    const parts = [q(c.name)];
    if (generation === "serial keyword") {
      parts.push(INT_TYPES[type] ?? "serial", "NOT NULL");
      return parts.join(" ");
    }
    if (type !== "") parts.push(type);
    if (this.engine === "sqlite" && info?.values) {
      // TypeORM's spelling of a simple-enum, which its schema reader recognises.
      parts.push(`CHECK( ${q(c.name)} IN (${info.values.map((v) => quoteLiteral(v, "sqlite")).join(",")}) )`);
    }
    if (generation === "autoincrement" && singleKey) parts.push("PRIMARY KEY AUTOINCREMENT");
    if (this.same && info?.collation) parts.push(`COLLATE ${this.engine === "postgres" ? q(info.collation) : info.collation}`);
    if (generation === "identity always") parts.push("GENERATED ALWAYS AS IDENTITY");
    if (generation === "identity by default") parts.push("GENERATED BY DEFAULT AS IDENTITY");
    if (notNull || generation === "serial") parts.push("NOT NULL");
    if (generation === "serial") {
      const sequence = info?.sequence ?? `${table.name}_${c.name}_seq`;
      this.sequences.push(`CREATE SEQUENCE ${q(sequence)}${INT_TYPES[type] ? ` AS ${type}` : ""}`);
      this.after.unshift(`ALTER SEQUENCE ${q(sequence)} OWNED BY ${q(table.name)}.${q(c.name)}`);
      parts.push(`DEFAULT nextval(${quoteLiteral(q(sequence), "postgres")}::regclass)`);
    } else if (info?.default) {
      const kind = columnKind(this.engine, type);
      const sql = defaultSql(info.default, this.engine, kind === "bool", ["int", "int8", "float", "decimal"].includes(kind));
      if (sql !== null) parts.push(`DEFAULT ${sql}`);
      if (info.default.kind === "uuid" && info.default.fn === "uuid_generate_v4" && sql !== null) this.extensions.add("uuid-ossp");
    }
    return parts.join(" ");
  }

  /** The declared type: the snapshot's own, parsed, on its engine; its twin on the other. */
  private type(table: TableSchema, c: ColumnSchema, info: PortableColumn | undefined): string {
    if (!this.same) return mapType(c, this.engine);
    const declared = info?.type ?? c.type;
    const parsed = parseColumnType(this.engine, declared, this.enumNames);
    if (parsed === null) throw cannotCreate(table.name, this.engine, `column "${c.name}" has type ${JSON.stringify(declared)}, which a restore does not create`);
    if (parsed.enum) this.enums.add(parsed.enum);
    if (parsed.extension) this.extensions.add(parsed.extension);
    return parsed.sql;
  }

  private constraint(name: string | undefined): string {
    return this.same && name ? `CONSTRAINT ${q(name)} ` : "";
  }

  private foreignKey(fk: PortableForeignKey): string {
    const deferrable = fk.deferrable ? ` DEFERRABLE INITIALLY ${fk.deferrable === "deferred" ? "DEFERRED" : "IMMEDIATE"}` : "";
    return `${this.constraint(fk.name)}FOREIGN KEY (${fk.columns.map(q).join(", ")}) REFERENCES ${q(fk.table)} (${fk.refColumns.map(q).join(", ")}) ` +
      `ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}${deferrable}`;
  }
}

/** What the DatabaseSchema alone says: the primary key (a keyless table is keyed by all its columns there, which is not a declaration). */
function bare(table: TableSchema): PortableTable {
  const declared = table.primaryKey.length < table.columns.length ? table.primaryKey : [];
  return { name: table.name, columns: table.columns.map((c) => ({ name: c.name, default: null, autoIncrement: false })), primaryKey: declared, uniques: [], indexes: [], foreignKeys: [] };
}

function undescribed(table: string): never {
  throw cannotCreate(table, null, "the snapshot does not describe it (its name, or a column's, holds a double quote or a control character)");
}

function cannotCreate(table: string, engine: Engine | null, why: string): BackupError {
  return new BackupError("BAD_INPUT", `the snapshot's table "${table}" cannot be created${engine ? ` on ${engine}` : ""}: ${why}`,
    "create the tables first (run the app's migrations on the target), then restore into them");
}
