import { quoteIdent as q } from "../restore/sql";
import type { PortableForeignKey, PortableIndex, PortableTable, Queryable, SchemaDdl } from "./ddl";
import { rowsOf } from "./ddl";
import { portableDefault } from "./defaults";

/**
 * PostgreSQL keeps no CREATE TABLE text, so the statements are generated
 * from the catalog with the server's own printers (format_type, pg_get_expr,
 * pg_get_constraintdef, pg_get_indexdef), in the order a new database needs:
 * extensions the columns or defaults use, enum types, the sequences serial
 * columns own, tables with their keys and checks, indexes, and foreign keys
 * last (they may point at any table). Triggers are left out: the plugin's
 * capture triggers belong to the source, and an app trigger would repeat
 * effects the journal already holds.
 */
const FK_ACTIONS: Record<string, string> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

interface ColumnRow { tbl: string; name: string; type: string; notnull: boolean; dflt: string | null; identity: string; generated: string; collation: string | null }
interface ConstraintRow { tbl: string; name: string; type: string; def: string; columns: string[]; reftbl: string | null; refcolumns: string[] | null; deltype: string; updtype: string }
interface IndexRow { tbl: string; name: string; def: string; isunique: boolean; partial: boolean; columns: (string | null)[] }

export async function capturePostgresDdl(db: Queryable, tables: string[]): Promise<SchemaDdl> {
  const rels = await rowsOf<{ oid: number; name: string }>(db,
    `SELECT c.oid::int8::float8 AS oid, c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relname = ANY($1) AND c.relkind IN ('r', 'p')`, [tables]);
  const oids = rels.map((r) => r.oid);
  const inSet = "= ANY($1::oid[])";

  const extensions = await rowsOf<{ name: string }>(db,
    `SELECT DISTINCT e.extname::text AS name FROM pg_depend d
     JOIN pg_depend x ON x.classid = d.refclassid AND x.objid = d.refobjid AND x.refclassid = 'pg_extension'::regclass AND x.deptype = 'e'
     JOIN pg_extension e ON e.oid = x.refobjid
     WHERE (d.classid = 'pg_attrdef'::regclass AND d.objid IN (SELECT oid FROM pg_attrdef WHERE adrelid ${inSet}))
        OR (d.classid = 'pg_class'::regclass AND (d.objid ${inSet} OR d.objid IN (SELECT indexrelid FROM pg_index WHERE indrelid ${inSet})))
     ORDER BY 1`, [oids]);
  const enums = await rowsOf<{ name: string; labels: string[] }>(db,
    `SELECT DISTINCT format_type(t.oid, NULL) AS name,
            array(SELECT quote_literal(enumlabel) FROM pg_enum WHERE enumtypid = t.oid ORDER BY enumsortorder) AS labels
     FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
     JOIN pg_type t ON t.oid = CASE WHEN at.typelem <> 0 AND at.typlen = -1 THEN at.typelem ELSE at.oid END
     WHERE a.attrelid ${inSet} AND a.attnum > 0 AND NOT a.attisdropped AND t.typtype = 'e' ORDER BY 1`, [oids]);
  const sequences = await rowsOf<{ name: string; type: string; start: string; inc: string; min: string; max: string; cache: string; cycle: boolean; tbl: string; col: string }>(db,
    `SELECT s.seqrelid::regclass::text AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start,
            s.seqincrement::text AS inc, s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle,
            c.relname::text AS tbl, a.attname::text AS col
     FROM pg_sequence s
     JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
     JOIN pg_class c ON c.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.refobjid ${inSet} ORDER BY 1`, [oids]);
  const columns = await rowsOf<ColumnRow>(db,
    `SELECT c.relname::text AS tbl, a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity::text AS identity, a.attgenerated::text AS generated,
            CASE WHEN a.attcollation <> t.typcollation THEN (SELECT quote_ident(collname) FROM pg_collation WHERE oid = a.attcollation) END AS collation
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid ${inSet} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`, [oids]);
  const names = (rel: string, keys: string) =>
    `array(SELECT a.attname::text FROM unnest(${keys}) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.n ORDER BY k.i)`;
  const constraints = await rowsOf<ConstraintRow>(db,
    `SELECT c.relname::text AS tbl, con.conname::text AS name, con.contype::text AS type, pg_get_constraintdef(con.oid) AS def,
            ${names("con.conrelid", "con.conkey")} AS columns, r.relname::text AS reftbl,
            CASE WHEN con.contype = 'f' THEN ${names("con.confrelid", "con.confkey")} END AS refcolumns,
            con.confdeltype::text AS deltype, con.confupdtype::text AS updtype
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_class r ON r.oid = con.confrelid
     WHERE con.conrelid ${inSet} AND con.contype IN ('p', 'u', 'c', 'x', 'f')
     ORDER BY c.relname, position(con.contype IN 'pucxf'), con.conname`, [oids]);
  const indexes = await rowsOf<IndexRow>(db,
    `SELECT c.relname::text AS tbl, ic.relname::text AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisunique AS isunique,
            i.indpred IS NOT NULL AS partial,
            array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o) LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) AS columns
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE i.indrelid ${inSet}
       AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
     ORDER BY ic.relname`, [oids]);

  const wanted = new Set(tables);
  const foreignKeys = constraints.filter((c) => c.type === "f" && c.reftbl !== null && wanted.has(c.reftbl));
  const statements = [
    ...extensions.map((e) => `CREATE EXTENSION IF NOT EXISTS ${q(e.name)}`),
    ...enums.map((e) => `CREATE TYPE ${e.name} AS ENUM (${e.labels.join(", ")})`),
    ...sequences.map((s) => `CREATE SEQUENCE ${s.name} AS ${s.type} INCREMENT BY ${s.inc} MINVALUE ${s.min} MAXVALUE ${s.max} ` +
      `START WITH ${s.start} CACHE ${s.cache}${s.cycle ? " CYCLE" : ""}`),
    ...tables.filter((t) => rels.some((r) => r.name === t)).map((t) => createTable(t, columns.filter((c) => c.tbl === t),
      constraints.filter((c) => c.tbl === t && c.type !== "f"))),
    ...sequences.map((s) => `ALTER SEQUENCE ${s.name} OWNED BY ${q(s.tbl)}.${q(s.col)}`),
    ...indexes.map((i) => i.def),
    ...foreignKeys.map((c) => `ALTER TABLE ${q(c.tbl)} ADD CONSTRAINT ${q(c.name)} ${c.def}`),
  ];
  const portable: PortableTable[] = tables.map((t) => {
    const mine = constraints.filter((c) => c.tbl === t);
    return {
      name: t,
      columns: columns.filter((c) => c.tbl === t).map((c) => ({
        name: c.name,
        default: c.generated ? null : portableDefault(c.dflt),
        autoIncrement: c.identity !== "" || /^nextval\(/.test(c.dflt ?? ""),
      })),
      primaryKey: mine.find((c) => c.type === "p")?.columns ?? [],
      uniques: mine.filter((c) => c.type === "u").map((c) => c.columns),
      indexes: indexes.filter((i) => i.tbl === t && !i.partial && i.columns.every((c) => c !== null))
        .map((i): PortableIndex => ({ name: i.name, columns: i.columns as string[], unique: i.isunique })),
      foreignKeys: foreignKeys.filter((c) => c.tbl === t).map((c): PortableForeignKey => ({
        columns: c.columns, table: c.reftbl as string, refColumns: c.refcolumns ?? [],
        onDelete: FK_ACTIONS[c.deltype] ?? "NO ACTION", onUpdate: FK_ACTIONS[c.updtype] ?? "NO ACTION",
      })),
    };
  });
  return { engine: "postgres", statements, tables: portable };
}

function createTable(table: string, columns: ColumnRow[], constraints: ConstraintRow[]): string {
  const defs = columns.map((c) => {
    let sql = `${q(c.name)} ${c.type}`;
    if (c.collation) sql += ` COLLATE ${c.collation}`;
    if (c.generated === "s") return `${sql} GENERATED ALWAYS AS (${c.dflt}) STORED`;
    if (c.identity === "a") sql += " GENERATED ALWAYS AS IDENTITY";
    if (c.identity === "d") sql += " GENERATED BY DEFAULT AS IDENTITY";
    if (c.notnull) sql += " NOT NULL";
    if (c.dflt !== null) sql += ` DEFAULT ${c.dflt}`;
    return sql;
  });
  for (const c of constraints) defs.push(`CONSTRAINT ${q(c.name)} ${c.def}`);
  return `CREATE TABLE ${q(table)} (${defs.join(", ")})`;
}
