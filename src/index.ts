import "reflect-metadata";

export { attachChangelog, Changelog, ChangelogOptions, resolveStoreDir } from "./attach";
export { Durability } from "./capture/shipper";
export { BackupError, ErrorCode } from "./errors";
export * from "./journal/types";
