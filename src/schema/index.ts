/** Creating a backup's tables without entity classes, on either engine. */
export { captureDdl } from "./captureDdl";
export { checkDdl, DdlError } from "./checkDdl";
export { createTableStatements, type TableStatements } from "./createTables";
export { mapType, parseColumnType } from "./columnTypes";
export { schemaDifferences } from "./compare";
export {
  type SchemaDdl, type PortableTable, type PortableColumn, type PortableDefault, type PortableForeignKey, type PortableIndex, type PortableUnique,
  type PortableEnum,
} from "./ddl";
