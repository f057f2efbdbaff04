/**
 * Findings name rows, never secrets: a rule that words a value of a secret
 * column (a token held twice, a hash too long for its column, a key or a
 * reference made of one) shows it as <redacted>, unless the run is given
 * SHOW_SECRETS. The rules still decide on the real values.
 */
import { expect } from "chai";
import type { DatabaseSchema, Row } from "../src/db/types";
import { genericRules } from "../src/integrity/generic";
import { RuleRun } from "../src/integrity/run";
import { ruleSchemaOf } from "../src/integrity/ruleSchema";
import type { Verdict } from "../src/integrity/types";
import type { SchemaDdl } from "../src/schema";
import { REDACTED, secretColumns, type Secrets, SHOW_SECRETS } from "../src/secrets";

const TOKEN = "tok-0123456789abcdef";
const HASH = "$2b$10$abcdefghijklmnopqrstuvwxyz0123456789";
const API_KEY = "key-fedcba9876543210";

const schema: DatabaseSchema = {
  engine: "sqlite",
  tables: [
    { name: "session", primaryKey: ["id"], columns: [{ name: "id", type: "integer", nullable: false }, { name: "token", type: "varchar(64)", nullable: false }, { name: "keyRef", type: "varchar(30)", nullable: true }] },
    { name: "user", primaryKey: ["id"], columns: [{ name: "id", type: "integer", nullable: false }, { name: "passwordHash", type: "varchar(10)", nullable: false }] },
    { name: "apiKey", primaryKey: ["apiKey"], columns: [{ name: "apiKey", type: "varchar(30)", nullable: false }] },
  ],
};
const column = (name: string, type: string) => ({ name, type, notNull: false, default: null, autoIncrement: false });
const ddl = {
  engine: "sqlite",
  tables: [
    { name: "session", columns: [column("id", "integer"), column("token", "varchar(64)"), column("keyRef", "varchar(30)")], primaryKey: ["id"], uniques: [{ columns: ["token"] }], indexes: [],
      foreignKeys: [{ columns: ["keyRef"], table: "apiKey", refColumns: ["apiKey"], onDelete: "NO ACTION", onUpdate: "NO ACTION" }] },
    { name: "user", columns: [column("id", "integer"), column("passwordHash", "varchar(10)")], primaryKey: ["id"], uniques: [], indexes: [], foreignKeys: [] },
    { name: "apiKey", columns: [column("apiKey", "varchar(30)")], primaryKey: ["apiKey"], uniques: [], indexes: [], foreignKeys: [] },
  ],
} as unknown as SchemaDdl;

/** The generic rules over one state: two sessions sharing a token, one naming a key that is not there, a hash too long. */
function findings(secrets: Secrets): Verdict[] {
  const found: Verdict[] = [];
  const run = new RuleRun(genericRules, ruleSchemaOf(schema, ddl, secrets), "scan", (v: Verdict) => found.push(v));
  const rows: [string, Row][] = [
    ["session", { id: 1, token: TOKEN, keyRef: null }], ["session", { id: 2, token: TOKEN, keyRef: API_KEY }],
    ["user", { id: 1, passwordHash: HASH }], ["apiKey", { apiKey: "key-other" }],
  ];
  try {
    for (const [table, after] of rows) run.row({ table, op: "insert", seq: 1, at: 0, before: null, after });
    run.commit(1, 0);
  } finally {
    run.close();
  }
  return found;
}

describe("findings keep secrets out of their messages", () => {
  it("ATokenHeldTwiceAHashTooLongAndAReferenceToAMissingKeyAreFoundAndNotQuoted", () => {
    const found = findings(secretColumns(""));
    expect(found.map((f) => f.rule).sort()).to.deep.equal(["column-type", "foreign-key", "unique"]);
    const text = found.map((f) => f.message).join("\n");
    for (const secret of [TOKEN, HASH.slice(0, 20), API_KEY]) expect(text).not.to.include(secret);
    expect(found.every((f) => f.message.includes(REDACTED)), text).to.equal(true);
  });

  it("ShowSecretsQuotesThemAsBefore", () => {
    const text = findings(SHOW_SECRETS).map((f) => f.message).join("\n");
    for (const secret of [TOKEN, HASH.slice(0, 20), API_KEY]) expect(text).to.include(secret);
    expect(text).not.to.include(REDACTED);
  });
});
