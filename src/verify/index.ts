/** verify: does the journal still describe the live database (drift: changes made outside capture)? */
export { verifyJournal, type VerifyOptions, type VerifyResult } from "./verify";
export type { TableDrift, DriftSample } from "./drift";
