/**
 * Rows already packed as a snapshot stores them: msgpack arrays back to
 * back, exactly what packRows (values.ts) writes. The SQLite read packs them
 * in C (nativeEncoder.ts), so the snapshot writer takes them as they are.
 */
export class PackedRows {
  constructor(readonly bytes: Buffer, readonly rows: number) {}
}
