/**
 * What SQLite's catalog pragmas do not tell about a table, read from its
 * CREATE TABLE text in sqlite_master: CHECK constraints (TypeORM's
 * simple-enum among them), column collations, generated columns,
 * DEFERRABLE foreign keys and the table options. A small tokenizer (strings,
 * quoted names and comments kept whole) splits the column list at its
 * top-level commas; nothing here is ever run, it only describes.
 */
export interface CreateTableText {
  columns: Map<string, ColumnText>;
  /** CHECK constraints written as table constraints, their text inside the parentheses. */
  tableChecks: string[];
  /** Named table constraints (`CONSTRAINT "UQ_…" UNIQUE ("code")`): SQLite's pragmas keep no names, TypeORM reads them from here. */
  named: { name: string; kind: "PRIMARY" | "UNIQUE" | "FOREIGN"; columns: string[] }[];
  /** Whether a foreign key is DEFERRABLE. */
  deferrable: boolean;
  withoutRowid: boolean;
  strict: boolean;
}

export interface ColumnText {
  checks: string[];
  collation?: string;
  /** The expression of a generated column. */
  generated?: string;
  /** INTEGER PRIMARY KEY DESC: a key that is not the rowid. */
  descendingKey: boolean;
  autoincrement: boolean;
}

interface Token {
  text: string;
  /** Upper-cased bare word, or "" for strings, quoted names and punctuation. */
  word: string;
  start: number;
  end: number;
}

export function readCreateTable(sql: string): CreateTableText {
  const tokens = tokenize(sql);
  const out: CreateTableText = { columns: new Map(), tableChecks: [], named: [], deferrable: false, withoutRowid: false, strict: false };
  const open = tokens.findIndex((t) => t.text === "(");
  if (open < 0) return out;
  let depth = 0;
  let close = tokens.length;
  const parts: Token[][] = [[]];
  for (let i = open + 1; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.text === "(") depth++;
    if (t.text === ")" && depth-- === 0) { close = i; break; }
    if (t.text === "," && depth === 0) parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  const options = tokens.slice(close + 1).map((t) => t.word);
  out.withoutRowid = options.some((w, i) => w === "WITHOUT" && options[i + 1] === "ROWID");
  out.strict = options.includes("STRICT");

  for (const part of parts) {
    if (part.length === 0) continue;
    const checks = groupsAfter(sql, part, "CHECK");
    if (part.some((t, i) => t.word === "DEFERRABLE" && part[i - 1]?.word !== "NOT")) out.deferrable = true;
    if (["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].includes(part[0].word)) {
      out.tableChecks.push(...checks);
      const kind = part[2]?.word;
      if (part[0].word === "CONSTRAINT" && (kind === "PRIMARY" || kind === "UNIQUE" || kind === "FOREIGN")) {
        const open = part.findIndex((t) => t.text === "(");
        if (open > 0) out.named.push({ name: unquote(part[1].text), kind, columns: groupAt(sql, part, open).split(",").map((c) => unquote(c.trim())) });
      }
      continue;
    }
    const collate = part.findIndex((t) => t.word === "COLLATE");
    const generatedAt = part.findIndex((t, i) => t.word === "AS" && part[i + 1]?.text === "(");
    const primary = part.findIndex((t, i) => t.word === "PRIMARY" && part[i + 1]?.word === "KEY");
    out.columns.set(unquote(part[0].text), {
      checks,
      ...(collate >= 0 && part[collate + 1] ? { collation: unquote(part[collate + 1].text) } : {}),
      ...(generatedAt >= 0 ? { generated: groupAt(sql, part, generatedAt + 1) } : {}),
      descendingKey: primary >= 0 && part[primary + 2]?.word === "DESC",
      autoincrement: part.some((t) => t.word === "AUTOINCREMENT"),
    });
  }
  return out;
}

/** TypeORM's simple-enum: `"col" IN ('a', 'b')` over the column itself; the values, or null. */
export function enumValues(check: string, column: string): string[] | null {
  const m = /^\s*("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|\w+)\s+IN\s*\(\s*('(?:[^']|'')*'(?:\s*,\s*'(?:[^']|'')*')*)\s*\)\s*$/i.exec(check);
  if (!m || unquote(m[1]) !== column) return null;
  return [...m[2].matchAll(/'((?:[^']|'')*)'/g)].map((v) => v[1].replace(/''/g, "'"));
}

/** The text inside the parentheses after each `keyword` of the part. */
function groupsAfter(sql: string, part: Token[], keyword: string): string[] {
  const out: string[] = [];
  part.forEach((t, i) => {
    if (t.word === keyword && part[i + 1]?.text === "(") out.push(groupAt(sql, part, i + 1));
  });
  return out;
}

/** The source text between the parenthesis at part[at] and its match. */
function groupAt(sql: string, part: Token[], at: number): string {
  let depth = 0;
  for (let i = at; i < part.length; i++) {
    if (part[i].text === "(") depth++;
    if (part[i].text === ")" && --depth === 0) return sql.slice(part[at].end, part[i].start).trim();
  }
  return sql.slice(part[at].end).trim();
}

export function unquote(name: string): string {
  if (name.startsWith('"') && name.endsWith('"')) return name.slice(1, -1).replace(/""/g, '"');
  if (name.startsWith("`") && name.endsWith("`")) return name.slice(1, -1).replace(/``/g, "`");
  if (name.startsWith("[") && name.endsWith("]")) return name.slice(1, -1);
  return name;
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const until = (end: string, from: number, doubled: boolean): number => {
    let j = from;
    for (;;) {
      const k = sql.indexOf(end, j);
      if (k < 0) return sql.length;
      if (doubled && sql[k + 1] === end) { j = k + 2; continue; }
      return k + 1;
    }
  };
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) { i++; continue; }
    if (sql.startsWith("--", i)) { const k = sql.indexOf("\n", i); i = k < 0 ? sql.length : k + 1; continue; }
    if (sql.startsWith("/*", i)) { const k = sql.indexOf("*/", i + 2); i = k < 0 ? sql.length : k + 2; continue; }
    let end: number;
    if (c === "'" || c === '"' || c === "`") end = until(c, i + 1, true);
    else if (c === "[") end = until("]", i + 1, false);
    else if (/[\w$]/.test(c)) { end = i; while (end < sql.length && /[\w$]/.test(sql[end])) end++; }
    else end = i + 1;
    const text = sql.slice(i, end);
    tokens.push({ text, word: /^[A-Za-z_]\w*$/.test(text) ? text.toUpperCase() : "", start: i, end });
    i = end;
  }
  return tokens;
}
