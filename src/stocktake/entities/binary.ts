import { ColumnOptions } from "typeorm";
import { PostgresDriver } from "typeorm/driver/postgres/PostgresDriver";

/**
 * Binary columns are the one type TypeORM 0.3 cannot spell portably: SQLite
 * knows only `blob`, PostgreSQL only `bytea`, neither maps `Buffer`, and an
 * entity class is decorated before anyone knows which driver will load it.
 *
 * So the entities say `blob`, and PostgreSQL's type normaliser is taught
 * that `blob` means `bytea`. The teaching is done once, when this module
 * loads, on the driver class itself: every DataSource that loads these
 * entities works, not only ones built by `createStocktakeDataSource`. It only
 * changes what used to be an error (`blob` on PostgreSQL was rejected with
 * DataTypeNotSupportedError); values need no conversion, since both drivers
 * read and write Node Buffers.
 */
type NormalizeType = PostgresDriver["normalizeType"];
const PATCHED = Symbol.for("stocktake.postgresBlobAsBytea");

const proto = PostgresDriver.prototype as PostgresDriver & { [PATCHED]?: true };
if (!proto[PATCHED]) {
  const original: NormalizeType = proto.normalizeType;
  proto.normalizeType = function (this: PostgresDriver, column: Parameters<NormalizeType>[0]): string {
    return column.type === "blob" ? "bytea" : original.call(this, column);
  };
  proto[PATCHED] = true;
}

export function binary(options: ColumnOptions = {}): ColumnOptions {
  return { type: "blob", ...options };
}
