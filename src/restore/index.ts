/** Restore: plan, load, replay, check (execute.ts), as a stream of row events (events.ts). */
export { restore, type RestoreOptions, type RestoreResult, type RestoreProgress } from "./execute";
export { planRestore, type RestorePlan, type PlanRequest } from "./plan";
export { RowEventStream, rowCounts, type RowEvent, type RowEventRule, type Finding, type Severity } from "./events";
export type { TargetMode } from "./target";
