/** The snapshot file format: writer, reader, file names and the store's manifest. */
export { SnapshotWriter, type SnapshotWriterOptions, type SnapshotResult } from "./writer";
export { SnapshotReader, readInfo, verify, type RowBatch, type RawBatch, type SnapshotInfo, type VerifyResult } from "./reader";
export { snapshotFileName, sanitizeName, fileTimestamp, SNAPSHOT_EXT } from "./fileName";
export {
  listSnapshots, scanSnapshots, rebuildManifest, addToManifest, removeSnapshot, manifestEntry, MANIFEST_FILE,
  type ManifestEntry, type BrokenSnapshot, type SnapshotList,
} from "./manifest";
export { SNAPSHOT_KINDS, type SnapshotKind, type SnapshotHeader, type NewSnapshotHeader, type SnapshotTrailer, type TableSummary } from "./format";
