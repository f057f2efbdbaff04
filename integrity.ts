import { stocktakeRules } from "./src/stocktake/rules";

/**
 * The rules the command line checks the app's data with (`validate data`,
 * `validate backup`, `validate report`, `audit`, `restore`), as ormconfig.ts
 * is the database it opens: the generic rules from the schema and the
 * Stocktake business rules. An app of its own exports its list here (or
 * names a module with --rules).
 */
export = stocktakeRules;
