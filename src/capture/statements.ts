/** Statements that may change rows and, outside a transaction, commit on their own. */
export function isWriteStatement(sql: string): boolean {
  return /^\s*(INSERT|UPDATE|DELETE|REPLACE|WITH|TRUNCATE)\b/i.test(sql);
}

/** The plugin's own bookkeeping, which must not wake the shipper again. */
export function isPluginStatement(sql: string): boolean {
  return sql.includes("_changelog_");
}
