/** The rules any schema gets, from its catalog alone: no entity classes, no app knowledge (I7). */
import type { Rule } from "../rule";
import { columnTypeRule } from "./columnType";
import { foreignKeyRule } from "./foreignKey";
import { notNullRule } from "./notNull";
import { uniqueRule } from "./unique";

export { COLUMN_TYPE_RULE } from "./columnType";
export { FOREIGN_KEY_RULE } from "./foreignKey";
export { NOT_NULL_RULE } from "./notNull";
export { UNIQUE_RULE } from "./unique";

export const genericRules: readonly Rule[] = [foreignKeyRule, uniqueRule, notNullRule, columnTypeRule];
