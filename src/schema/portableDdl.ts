import type { ColumnSchema, DatabaseSchema, TableSchema } from "../journal/types";
import { columnKind } from "../restore/convert";
import { quoteIdent as q } from "../restore/sql";
import type { Engine, PortableTable, SchemaDdl } from "./ddl";
import { defaultSql } from "./defaults";

/**
 * CREATE statements for `engine` from a schema captured on any engine: the
 * way a snapshot taken on SQLite becomes a PostgreSQL database and back.
 * Types go through a small map that keeps TypeORM's pairs together
 * (datetime ↔ timestamp, blob ↔ bytea, decimal ↔ numeric, varchar(n) ↔
 * character varying(n)), so the values convert.ts produces fit. Keys,
 * UNIQUE constraints, plain indexes, foreign keys and portable defaults come
 * from the ddl's engine-neutral part; without it (a snapshot from before
 * ddl was recorded) the tables get their columns and primary keys only.
 */
export function portableStatements(schema: DatabaseSchema, ddl: SchemaDdl | undefined, engine: Engine): string[] {
  const described = new Map((ddl?.tables ?? []).map((t) => [t.name, t]));
  const creates: string[] = [];
  const after: string[] = [];
  for (const table of schema.tables) {
    const info = described.get(table.name) ?? bare(table);
    creates.push(createTable(schema.engine, table, info, engine));
    for (const index of info.indexes) {
      after.push(`CREATE ${index.unique ? "UNIQUE " : ""}INDEX ${q(index.name)} ON ${q(table.name)} (${index.columns.map(q).join(", ")})`);
    }
    // SQLite cannot add a foreign key to an existing table: there they are written inline.
    if (engine === "postgres") {
      for (const fk of info.foreignKeys) {
        after.push(`ALTER TABLE ${q(table.name)} ADD FOREIGN KEY (${fk.columns.map(q).join(", ")}) REFERENCES ${q(fk.table)} ` +
          `(${fk.refColumns.map(q).join(", ")}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`);
      }
    }
  }
  return [...creates, ...after];
}

/** What the DatabaseSchema alone says: the primary key (a keyless table is keyed by all its columns there, which is not a declaration). */
function bare(table: TableSchema): PortableTable {
  const declared = table.primaryKey.length < table.columns.length ? table.primaryKey : [];
  return { name: table.name, columns: table.columns.map((c) => ({ name: c.name, default: null, autoIncrement: false })), primaryKey: declared, uniques: [], indexes: [], foreignKeys: [] };
}

function createTable(from: Engine, table: TableSchema, info: PortableTable, engine: Engine): string {
  const byName = new Map(info.columns.map((c) => [c.name, c]));
  const singleAuto = info.primaryKey.length === 1 && byName.get(info.primaryKey[0])?.autoIncrement === true ? info.primaryKey[0] : null;
  const defs = table.columns.map((c) => {
    const type = mapType(from, c, engine);
    if (c.name === singleAuto) {
      return engine === "sqlite" ? `${q(c.name)} integer PRIMARY KEY AUTOINCREMENT NOT NULL`
        : `${q(c.name)} ${/^bigint/.test(type) ? "BIGSERIAL" : "SERIAL"} NOT NULL`;
    }
    let sql = `${q(c.name)} ${type}`;
    if (!c.nullable) sql += " NOT NULL";
    const dflt = byName.get(c.name)?.default ?? null;
    if (dflt !== null) {
      const kind = columnKind(engine, type);
      sql += ` DEFAULT ${defaultSql(dflt, engine, kind === "bool", ["int", "int8", "float", "decimal"].includes(kind))}`;
    }
    return sql;
  });
  if (info.primaryKey.length && !(engine === "sqlite" && singleAuto)) defs.push(`PRIMARY KEY (${info.primaryKey.map(q).join(", ")})`);
  for (const unique of info.uniques) defs.push(`UNIQUE (${unique.map(q).join(", ")})`);
  if (engine === "sqlite") {
    for (const fk of info.foreignKeys) {
      defs.push(`FOREIGN KEY (${fk.columns.map(q).join(", ")}) REFERENCES ${q(fk.table)} (${fk.refColumns.map(q).join(", ")}) ` +
        `ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`);
    }
  }
  return `CREATE TABLE ${q(table.name)} (${defs.join(", ")})`;
}

const SIZE = /\((\d+(?:,\s*\d+)?)\)/;

/** The declared type on `engine` for a column declared `column.type` on `from`. */
export function mapType(from: Engine, column: ColumnSchema, engine: Engine): string {
  const t = column.type.toLowerCase().trim();
  if (from === engine) return t;
  const size = SIZE.exec(t)?.[1]?.replace(/\s/g, "");
  const sized = (name: string) => (size ? `${name}(${size})` : name);
  if (engine === "postgres") {
    if (/^(integer|int|mediumint)$/.test(t)) return "integer";
    if (/^(smallint|tinyint)/.test(t)) return "smallint";
    if (/^bigint/.test(t)) return "bigint";
    if (/^bool/.test(t)) return "boolean";
    if (/^(datetime|timestamp)/.test(t)) return "timestamp without time zone";
    if (/^date$/.test(t)) return "date";
    if (/^time\b/.test(t)) return "time without time zone";
    if (/^(varchar|character varying|nvarchar|varying character|native character|nchar)/.test(t)) return sized("character varying");
    if (/^char/.test(t)) return sized("character");
    if (/^(decimal|numeric)/.test(t)) return sized("numeric");
    if (/^real$/.test(t)) return "real";
    if (/^(float|double|real)/.test(t)) return "double precision";
    if (/^uuid$/.test(t)) return "uuid";
    if (/^jsonb?$/.test(t)) return t;
    if (t === "" || /blob/.test(t)) return "bytea";
    return "text";
  }
  if (/^(integer|smallint)$/.test(t)) return "integer";
  if (/^bigint$/.test(t)) return "bigint";
  if (t === "boolean") return "boolean";
  if (/^timestamp/.test(t)) return "datetime";
  if (t === "date") return "date";
  if (/^time\b/.test(t)) return "time";
  if (/^character varying/.test(t)) return sized("varchar");
  if (/^character\b/.test(t)) return sized("character");
  if (/^numeric/.test(t)) return sized("decimal");
  if (t === "real") return "real";
  if (t === "double precision") return "double precision";
  if (t === "bytea") return "blob";
  if (t === "uuid") return "varchar";
  // json, jsonb, arrays, enums, intervals...: their text. A declared "json" would get NUMERIC affinity in SQLite.
  return "text";
}
