import { parseColumnType } from "./columnTypes";
import { COLLATIONS, type Generation, type PortableColumn, type PortableEnum, type PortableForeignKey, type PortableIndex, type PortableTable, type SchemaDdl } from "./ddl";
import { type Queryable, rowsOf } from "../db/catalog";
import { portableDefault } from "./defaults";
import { describeTable, shown } from "./describe";

/**
 * The description of PostgreSQL tables, from the catalog: declared types as
 * format_type prints them, NOT NULL, defaults, serial sequences and identity,
 * collations, keys and UNIQUE constraints with their names, plain indexes,
 * foreign keys, and the enum types the columns use. The server's printers
 * (pg_get_expr, pg_get_constraintdef, pg_get_indexdef) are read only to tell
 * a plain object from one a restore does not recreate, whose text is then
 * kept for the warning. Triggers are left out: the plugin's capture triggers
 * belong to the source, and an app trigger would repeat effects the journal
 * already holds.
 */
const FK_ACTIONS: Record<string, PortableForeignKey["onDelete"]> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

interface ColumnRow {
  tbl: string; name: string; type: string; notnull: boolean; dflt: string | null; identity: string; generated: string;
  collation: string | null; sequence: string | null;
}
interface ConstraintRow {
  tbl: string; name: string; type: string; def: string; plain: boolean; columns: string[]; reftbl: string | null; refcolumns: string[] | null;
  deltype: string; updtype: string; matchtype: string; deferrable: boolean; deferred: boolean;
}
interface IndexRow { tbl: string; name: string; def: string; isunique: boolean; plain: boolean; columns: (string | null)[] }

export async function capturePostgresDdl(db: Queryable, tables: string[]): Promise<SchemaDdl> {
  const rels = await rowsOf<{ oid: number; name: string }>(db,
    `SELECT c.oid::int8::float8 AS oid, c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relname = ANY($1) AND c.relkind IN ('r', 'p')`, [tables]);
  const oids = rels.map((r) => r.oid);
  const inSet = "= ANY($1::oid[])";
  const quotedList = (rel: string, keys: string) =>
    `array_to_string(array(SELECT quote_ident(a.attname) FROM unnest(${keys}) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.n ORDER BY k.i), ', ')`;
  const names = (rel: string, keys: string) =>
    `array(SELECT a.attname::text FROM unnest(${keys}) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.n ORDER BY k.i)`;

  const enums = await rowsOf<PortableEnum>(db,
    `SELECT DISTINCT t.typname::text AS name, array(SELECT enumlabel::text FROM pg_enum WHERE enumtypid = t.oid ORDER BY enumsortorder) AS labels
     FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
     JOIN pg_type t ON t.oid = CASE WHEN at.typelem <> 0 AND at.typlen = -1 THEN at.typelem ELSE at.oid END
     WHERE a.attrelid ${inSet} AND a.attnum > 0 AND NOT a.attisdropped AND t.typtype = 'e' AND t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
     ORDER BY 1`, [oids]);
  // A serial column: its default is nextval() of the sequence it owns (an identity's sequence is owned the other way, deptype 'i').
  const columns = await rowsOf<ColumnRow>(db,
    `SELECT c.relname::text AS tbl, a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity::text AS identity, a.attgenerated::text AS generated,
            CASE WHEN a.attcollation <> t.typcollation THEN (SELECT collname::text FROM pg_collation WHERE oid = a.attcollation) END AS collation,
            (SELECT s.relname::text FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid
             WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = a.attrelid
               AND dep.refobjsubid = a.attnum AND dep.deptype = 'a' AND s.relkind = 'S' AND s.relnamespace = c.relnamespace
               AND pg_get_expr(d.adbin, d.adrelid) = 'nextval(' || quote_literal(s.oid::regclass::text) || '::regclass)') AS sequence
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid ${inSet} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`, [oids]);
  const constraints = await rowsOf<ConstraintRow>(db,
    `SELECT c.relname::text AS tbl, con.conname::text AS name, con.contype::text AS type, pg_get_constraintdef(con.oid) AS def,
            pg_get_constraintdef(con.oid) = CASE con.contype WHEN 'p' THEN 'PRIMARY KEY (' WHEN 'u' THEN 'UNIQUE (' END
              || ${quotedList("con.conrelid", "con.conkey")} || ')' AS plain,
            ${names("con.conrelid", "con.conkey")} AS columns, r.relname::text AS reftbl,
            CASE WHEN con.contype = 'f' THEN ${names("con.confrelid", "con.confkey")} END AS refcolumns,
            con.confdeltype::text AS deltype, con.confupdtype::text AS updtype, con.confmatchtype::text AS matchtype,
            con.condeferrable AS deferrable, con.condeferred AS deferred
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_class r ON r.oid = con.confrelid
     WHERE con.conrelid ${inSet} AND con.contype IN ('p', 'u', 'c', 'x', 'f')
     ORDER BY c.relname, position(con.contype IN 'pucxf'), con.conname`, [oids]);
  const indexes = await rowsOf<IndexRow>(db,
    `SELECT c.relname::text AS tbl, ic.relname::text AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisunique AS isunique,
            pg_get_indexdef(i.indexrelid) = 'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX ' || quote_ident(ic.relname)
              || ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' USING btree (' || ${quotedList("i.indrelid", "i.indkey::int2[]")} || ')' AS plain,
            array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o) LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) AS columns
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE i.indrelid ${inSet}
       AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
     ORDER BY ic.relname`, [oids]);

  const enumNames = new Set(enums.map((e) => e.name));
  const wanted = new Set(tables);
  const portable: PortableTable[] = [];
  for (const t of tables.filter((name) => rels.some((r) => r.name === name))) {
    const described = await describeTable(t, async () => describe(t, columns.filter((c) => c.tbl === t), constraints.filter((c) => c.tbl === t),
      indexes.filter((i) => i.tbl === t), enumNames, wanted));
    if (described) portable.push(described);
  }
  const used = new Set(portable.flatMap((t) => t.columns.map((c) => parseColumnType("postgres", c.type ?? "", enumNames)?.enum)));
  return { engine: "postgres", tables: portable, enums: enums.filter((e) => used.has(e.name)) };
}

function describe(table: string, columnRows: ColumnRow[], constraints: ConstraintRow[], indexRows: IndexRow[], enums: ReadonlySet<string>,
  wanted: ReadonlySet<string>): PortableTable {
  const notRecreated: string[] = [];
  let unsupported: string | undefined;
  const columns = columnRows.map((c): PortableColumn => {
    const type = parseColumnType("postgres", c.type, enums);
    if (type === null) unsupported ??= `column "${shown(c.name)}" has type ${shown(c.type)}, which a restore does not create`;
    const generation: Generation | null = c.identity === "a" ? "identity always" : c.identity === "d" ? "identity by default" : c.sequence !== null ? "serial" : null;
    const column: PortableColumn = {
      name: c.name,
      ...(type ? { type: c.type } : {}),
      notNull: c.notnull,
      default: c.generated || generation === "serial" ? null : portableDefault(c.dflt),
      autoIncrement: generation !== null,
      ...(generation ? { generation } : {}),
      ...(generation === "serial" ? { sequence: c.sequence! } : {}),
    };
    if (c.generated) notRecreated.push(`generated column "${shown(c.name)}" AS (${shown(c.dflt ?? "")}): restored as a plain column`);
    else if (c.dflt !== null && generation === null && column.default === null) notRecreated.push(`default of column "${shown(c.name)}": ${shown(c.dflt)}`);
    if (c.collation !== null && COLLATIONS.postgres.includes(c.collation)) column.collation = c.collation;
    else if (c.collation !== null) notRecreated.push(`collation ${shown(c.collation)} of column "${shown(c.name)}"`);
    return column;
  });

  const primary = constraints.find((c) => c.type === "p");
  const uniques: PortableTable["uniques"] = [];
  const foreignKeys: PortableForeignKey[] = [];
  for (const c of constraints) {
    if (c.type === "u" && c.plain) uniques.push({ name: c.name, columns: c.columns });
    else if (c.type === "f" && c.reftbl !== null && wanted.has(c.reftbl)) {
      foreignKeys.push({
        name: c.name, columns: c.columns, table: c.reftbl, refColumns: c.refcolumns ?? [],
        onDelete: FK_ACTIONS[c.deltype] ?? "NO ACTION", onUpdate: FK_ACTIONS[c.updtype] ?? "NO ACTION",
        ...(c.deferrable ? { deferrable: c.deferred ? "deferred" as const : "immediate" as const } : {}),
      });
      if (c.matchtype !== "s") notRecreated.push(`constraint "${shown(c.name)}" ${shown(c.def)}: recreated without its MATCH clause`);
    } else if (c.type !== "p") {
      notRecreated.push(`constraint "${shown(c.name)}" ${shown(c.def)}`);
    }
  }
  if (primary && !primary.plain) notRecreated.push(`constraint "${shown(primary.name)}" ${shown(primary.def)}: recreated as a plain primary key`);

  const indexes: PortableIndex[] = [];
  for (const i of indexRows) {
    if (i.plain && i.columns.every((c) => c !== null)) indexes.push({ name: i.name, columns: i.columns as string[], unique: i.isunique });
    else notRecreated.push(`index ${shown(i.def)}`);
  }

  return {
    name: table,
    columns,
    primaryKey: primary?.columns ?? [],
    ...(primary ? { primaryKeyName: primary.name } : {}),
    uniques,
    indexes,
    foreignKeys,
    ...(notRecreated.length ? { notRecreated } : {}),
    ...(unsupported ? { unsupported } : {}),
  };
}
