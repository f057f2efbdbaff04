/**
 * Which columns are secret (src/secrets.ts): the default list by name, the
 * columns $BACKUP_SECRET_COLUMNS adds, and how a row is redacted for output.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Row } from "../src/db/types";
import { REDACTED, redactRow, secretByName, secretColumns, SHOW_SECRETS } from "../src/secrets";
import { runCli } from "./support/cli";

describe("secret columns", () => {
  it("TheDefaultListMatchesSecretNamesInAnySpellingAndNothingElse", () => {
    const secret = [
      "password", "Password", "PASSWORD", "passwordHash", "password_hash", "passwordhash", "userPassword", "passwd", "pass_hash",
      "passHash", "pass", "pwd", "pwd_hash", "passphrase", "token", "accessToken", "refresh_token", "csrfToken", "tokenHash",
      "secret", "clientSecret", "client_secret", "secretKey", "apiKey", "api_key", "APIKey", "x-api-key", "privateKey", "private_key",
      "tokenexpiresat", // no words to split: kept secret rather than guessed
    ];
    const notSecret = [
      "id", "username", "email", "displayName", "isActive", "ipAddress", "userAgent", "expiresAt", "createdAt",
      "secretary", "secretaryName", "tokenizer", "compass", "bypass", "passenger", "passengerCount", "keyboard", "key", "apiVersion",
      "passwordChangedAt", "password_changed_at", "tokenExpiresAt", "token_expires_at", "tokenCount", "passwordLength", "secretExpiry",
    ];
    expect(secret.filter((n) => !secretByName(n)), "missed").to.deep.equal([]);
    expect(notSecret.filter((n) => secretByName(n)), "taken for secret").to.deep.equal([]);
  });

  it("BackupSecretColumnsAddsColumnsOfAnyTableOrOfOneTable", () => {
    const secrets = secretColumns(" taxId , customer.Notes,");
    expect(secrets.isSecret("supplier", "taxId")).to.equal(true);
    expect(secrets.isSecret("customer", "TAXID")).to.equal(true);
    expect(secrets.isSecret("customer", "notes")).to.equal(true);
    expect(secrets.isSecret("order", "notes"), "another table's notes").to.equal(false);
    expect(secrets.isSecret("user", "passwordHash"), "the default list still holds").to.equal(true);
    expect(SHOW_SECRETS.isSecret("user", "passwordHash")).to.equal(false);
  });

  it("RedactingARowReplacesSecretValuesOnlyAndLeavesTheRowAlone", () => {
    const value = fc.oneof(fc.constant(null), fc.string(), fc.integer(), fc.boolean());
    const name = fc.oneof(fc.constantFrom("passwordHash", "token", "apiKey", "username", "email", "id", "notes"), fc.string({ minLength: 1, maxLength: 12 }));
    fc.assert(fc.property(fc.dictionary(name, value), (entries) => {
      const row = entries as Row;
      const before = JSON.stringify(row);
      const secrets = secretColumns("");
      const shown = redactRow(secrets, "t", row);
      expect(JSON.stringify(row), "the row itself").to.equal(before);
      expect(Object.keys(shown)).to.deep.equal(Object.keys(row));
      for (const [column, v] of Object.entries(row)) {
        expect(shown[column], column).to.equal(secrets.isSecret("t", column) && v !== null ? REDACTED : v);
      }
    }), { numRuns: 500 });
  });

  it("TheHelpOfEveryCommandThatPrintsRowsOffersShowSecrets", () => {
    for (const command of [["log"], ["verify"], ["audit"], ["validate", "data"], ["validate", "backup"], ["validate", "report"]]) {
      const help = runCli([...command, "--help"]);
      expect(help.status, command.join(" ")).to.equal(0);
      expect(help.stdout, command.join(" ")).to.match(/--show-secrets\s+print the values of secret columns/);
    }
  });
});
