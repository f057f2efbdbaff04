/** Creating a backup's tables without entity classes, on either engine. */
export { captureDdl } from "./captureDdl";
export { portableStatements, mapType } from "./portableDdl";
export { schemaDifferences } from "./compare";
export { readSchemaOn, existingTables } from "./readSchema";
export { isSchemaDdl, type SchemaDdl, type PortableTable, type PortableColumn, type PortableDefault, type PortableForeignKey, type PortableIndex } from "./ddl";
