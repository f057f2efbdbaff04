import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The Stocktake schema: 23 tables and TypeORM's item_supplier junction.
 *
 * The SQL is what TypeORM's own schema builder (`createSchemaBuilder().log()`)
 * produced for the entities in src/stocktake/entities on each engine, so a
 * migrated database shows no pending schema change (test/stocktake.schema.test.ts
 * checks this). On SQLite the foreign keys are written inline: SQLite cannot
 * add them later, which is why TypeORM's log rebuilds every table.
 *
 * If an entity changes, regenerate rather than hand-edit: initialise a
 * DataSource on an empty database of each engine with these entities and
 * print `(await ds.driver.createSchemaBuilder().log()).upQueries`.
 */
export class StocktakeSchema1735689600000 implements MigrationInterface {
  name = "StocktakeSchema1735689600000";

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of statementsFor(queryRunner).up) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of statementsFor(queryRunner).down) await queryRunner.query(sql);
  }
}

function statementsFor(queryRunner: QueryRunner): { up: readonly string[]; down: readonly string[] } {
  const type = queryRunner.connection.driver.options.type;
  if (type === "sqlite" || type === "better-sqlite3") return { up: SQLITE_UP, down: SQLITE_DOWN };
  if (type === "postgres") return { up: POSTGRES_UP, down: POSTGRES_DOWN };
  throw new Error(`StocktakeSchema: no SQL for database type ${type}`);
}

const SQLITE_UP: readonly string[] = [
  `CREATE TABLE "supplier" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(120) NOT NULL, "code" varchar(16) NOT NULL, "contactEmail" varchar(160), "leadTimeDays" integer NOT NULL DEFAULT (2), "createdAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_e1183babf2fed1bb440905b1e53" UNIQUE ("code"))`,
  `CREATE TABLE "item" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "sku" varchar(32) NOT NULL, "name" varchar(120) NOT NULL, "description" text, "unit" varchar(16) NOT NULL, "unitPrice" decimal(12,2) NOT NULL, "unitCost" decimal(12,2) NOT NULL, "gtin" bigint, "isActive" boolean NOT NULL DEFAULT (1), "attributes" text, "image" blob, "categoryId" integer NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), "deletedAt" datetime, "version" integer NOT NULL, CONSTRAINT "UQ_04b4bcce1bb7609fc226ce8c6c6" UNIQUE ("sku"), CONSTRAINT "FK_c0c8f47a702c974a77812169bc2" FOREIGN KEY ("categoryId") REFERENCES "category" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
  `CREATE TABLE "category" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(80) NOT NULL, "description" text, "sortOrder" integer NOT NULL DEFAULT (0), "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_23c05c292c439d77b0de816b500" UNIQUE ("name"))`,
  `CREATE TABLE "customer" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(120) NOT NULL, "email" varchar(160), "phone" varchar(32), "address" text, "creditLimit" decimal(12,2) NOT NULL, "isActive" boolean NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), "deletedAt" datetime)`,
  `CREATE TABLE "deliveryPlanCustomer" ("deliveryPlanId" integer NOT NULL, "customerId" integer NOT NULL, "stopNumber" integer NOT NULL, "eta" datetime, CONSTRAINT "FK_fa471baff297ea82f817726876f" FOREIGN KEY ("deliveryPlanId") REFERENCES "deliveryPlan" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_52f1bafb30f5eadeb0804abe78f" FOREIGN KEY ("customerId") REFERENCES "customer" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION, PRIMARY KEY ("deliveryPlanId", "customerId"))`,
  `CREATE TABLE "store" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(80) NOT NULL, "code" varchar(12) NOT NULL, "address" text, "timezone" varchar(40) NOT NULL, "openedOn" date NOT NULL, "isActive" boolean NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_40c711bd10299557bc2bc497206" UNIQUE ("code"))`,
  `CREATE TABLE "deliveryPlan" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "storeId" integer NOT NULL, "deliveryDate" date NOT NULL, "status" varchar(16) NOT NULL DEFAULT ('planned'), "driverName" varchar(80), "notes" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "FK_febb0a70e0ca70b5819f723087d" FOREIGN KEY ("storeId") REFERENCES "store" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION)`,
  `CREATE TABLE "deliveryItem" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "deliveryPlanId" integer NOT NULL, "customerId" integer NOT NULL, "itemId" integer NOT NULL, "quantity" decimal(12,3) NOT NULL, "delivered" boolean NOT NULL DEFAULT (0), CONSTRAINT "FK_64eaf0d22f4c40485540410237f" FOREIGN KEY ("deliveryPlanId") REFERENCES "deliveryPlan" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_2511cc20f40bd20756b322d97d2" FOREIGN KEY ("customerId") REFERENCES "customer" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION, CONSTRAINT "FK_1a4f81741860b548859143812fd" FOREIGN KEY ("itemId") REFERENCES "item" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION)`,
  `CREATE TABLE "orderItem" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "orderId" integer NOT NULL, "itemId" integer NOT NULL, "quantity" decimal(12,3) NOT NULL, "unitPrice" decimal(12,2) NOT NULL, "lineTotal" decimal(12,2) NOT NULL, CONSTRAINT "FK_ef8ed42ef2c6feafd1447d96279" FOREIGN KEY ("orderId") REFERENCES "order" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_fba86a72f45195e97905f8b33ec" FOREIGN KEY ("itemId") REFERENCES "item" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION)`,
  `CREATE TABLE "order" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "reference" varchar NOT NULL, "customerId" integer NOT NULL, "storeId" integer NOT NULL, "status" varchar(16) NOT NULL DEFAULT ('pending'), "orderedAt" datetime NOT NULL, "total" decimal(12,2) NOT NULL DEFAULT (0), "notes" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), "version" integer NOT NULL, CONSTRAINT "UQ_a698ce5a132a8d2ed4be89d8fd8" UNIQUE ("reference"), CONSTRAINT "FK_124456e637cca7a415897dce659" FOREIGN KEY ("customerId") REFERENCES "customer" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION, CONSTRAINT "FK_1a79b2f719ecd9f307d62b81093" FOREIGN KEY ("storeId") REFERENCES "store" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION)`,
  `CREATE TABLE "permission" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "code" varchar(60) NOT NULL, "description" text, CONSTRAINT "UQ_30e166e8c6359970755c5727a23" UNIQUE ("code"))`,
  `CREATE TABLE "productionIngredient" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "productionId" integer NOT NULL, "itemId" integer NOT NULL, "quantityUsed" decimal(12,3) NOT NULL, CONSTRAINT "FK_2fc3c759c3678803ebc7ce73550" FOREIGN KEY ("productionId") REFERENCES "production" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_8b49c40443330d60defedea186e" FOREIGN KEY ("itemId") REFERENCES "item" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION)`,
  `CREATE TABLE "recipeIngredient" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "recipeId" integer NOT NULL, "itemId" integer NOT NULL, "quantity" decimal(12,3) NOT NULL, CONSTRAINT "FK_9cb73bacacda633ed96cd9356f8" FOREIGN KEY ("recipeId") REFERENCES "recipe" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_1cc10998e81dbd3c92eb9a671cb" FOREIGN KEY ("itemId") REFERENCES "item" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION)`,
  `CREATE TABLE "recipe" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(120) NOT NULL, "outputItemId" integer NOT NULL, "yieldQuantity" decimal(12,3) NOT NULL, "steps" text, "isActive" boolean NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), "version" integer NOT NULL, CONSTRAINT "FK_9f6889ca126678792a586a61016" FOREIGN KEY ("outputItemId") REFERENCES "item" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION)`,
  `CREATE TABLE "user" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "username" varchar(60) NOT NULL, "email" varchar(160) NOT NULL, "passwordHash" varchar(100) NOT NULL, "displayName" varchar(120), "isActive" boolean NOT NULL DEFAULT (1), "lastLoginAt" datetime, "homeStoreId" integer, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), "version" integer NOT NULL, CONSTRAINT "FK_858ddb2360ca781f9dd4919d098" FOREIGN KEY ("homeStoreId") REFERENCES "store" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
  `CREATE TABLE "production" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "recipeId" integer NOT NULL, "storeId" integer NOT NULL, "quantityProduced" decimal(12,3) NOT NULL, "producedAt" datetime NOT NULL, "producedById" integer, "status" varchar(16) NOT NULL DEFAULT ('done'), "createdAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "FK_02caf7df0615ac9deb3b7ae6bbf" FOREIGN KEY ("recipeId") REFERENCES "recipe" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION, CONSTRAINT "FK_151d41e21727cd58b4a4aa91585" FOREIGN KEY ("storeId") REFERENCES "store" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION, CONSTRAINT "FK_34c382689cf66c8c75bd21b8f19" FOREIGN KEY ("producedById") REFERENCES "user" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
  `CREATE TABLE "role" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(40) NOT NULL, "description" text, CONSTRAINT "UQ_ae4578dcaed5adff96595e61660" UNIQUE ("name"))`,
  `CREATE TABLE "rolePermission" ("roleId" integer NOT NULL, "permissionId" integer NOT NULL, "grantedAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "FK_58834af6412116c30386c87158d" FOREIGN KEY ("roleId") REFERENCES "role" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_0fd3983058cf5f71c1108ba4b8c" FOREIGN KEY ("permissionId") REFERENCES "permission" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("roleId", "permissionId"))`,
  `CREATE TABLE "session" ("id" varchar PRIMARY KEY NOT NULL, "userId" integer NOT NULL, "token" varchar(64) NOT NULL, "ipAddress" varchar(45), "userAgent" text, "expiresAt" datetime NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_232f8e85d7633bd6ddfad421696" UNIQUE ("token"), CONSTRAINT "FK_3d2f174ef04fb312fdebd0ddc53" FOREIGN KEY ("userId") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
  `CREATE TABLE "stocktakeItem" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "stocktakeId" integer NOT NULL, "itemId" integer NOT NULL, "expectedQuantity" decimal(12,3) NOT NULL, "countedQuantity" decimal(12,3), "unitCost" decimal(12,2) NOT NULL, "lineValue" decimal(12,2) NOT NULL DEFAULT (0), "countedAt" datetime, CONSTRAINT "FK_8691ed19ae893a1b95f5fc2da25" FOREIGN KEY ("stocktakeId") REFERENCES "stocktake" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_c87ca858abbfd34e033a0caa0ae" FOREIGN KEY ("itemId") REFERENCES "item" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION)`,
  `CREATE TABLE "stocktake" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "storeId" integer NOT NULL, "status" varchar(16) NOT NULL DEFAULT ('open'), "startedAt" datetime NOT NULL, "completedAt" datetime, "countedById" integer, "notes" text, "totalValue" decimal(12,2) NOT NULL DEFAULT (0), "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), "version" integer NOT NULL, CONSTRAINT "FK_0f1793cc1d0a141e4978296c3d1" FOREIGN KEY ("storeId") REFERENCES "store" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION, CONSTRAINT "FK_1a1b1f1cfa06189be3e639df5ee" FOREIGN KEY ("countedById") REFERENCES "user" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
  `CREATE TABLE "storeInventory" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "storeId" integer NOT NULL, "itemId" integer NOT NULL, "quantity" decimal(12,3) NOT NULL, "reorderLevel" decimal(12,3) NOT NULL, "lastCountedAt" datetime, "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), "version" integer NOT NULL, CONSTRAINT "UQ_8eb69d9852dd364e859da48d3dd" UNIQUE ("storeId", "itemId"), CONSTRAINT "FK_d740dd6f921791cd251d84d8e48" FOREIGN KEY ("storeId") REFERENCES "store" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_61bbe3bf936b016265825ec6245" FOREIGN KEY ("itemId") REFERENCES "item" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
  `CREATE TABLE "userRole" ("userId" integer NOT NULL, "roleId" integer NOT NULL, "assignedAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "FK_bc794a2ac3d2f53fc2bc04c3cf4" FOREIGN KEY ("userId") REFERENCES "user" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_aa72ae0c32996d476c28f12eb78" FOREIGN KEY ("roleId") REFERENCES "role" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("userId", "roleId"))`,
  `CREATE TABLE "item_supplier" ("itemId" integer NOT NULL, "supplierId" integer NOT NULL, CONSTRAINT "FK_4105cb69cde99d6f355fb60bfff" FOREIGN KEY ("itemId") REFERENCES "item" ("id") ON DELETE CASCADE ON UPDATE CASCADE, CONSTRAINT "FK_015515ae4c234f7ed5575e6b5ba" FOREIGN KEY ("supplierId") REFERENCES "supplier" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("itemId", "supplierId"))`,
  `CREATE INDEX "IDX_78a916df40e02a9deb1c4b75ed" ON "user" ("username")`,
  `CREATE INDEX "IDX_4105cb69cde99d6f355fb60bff" ON "item_supplier" ("itemId")`,
  `CREATE INDEX "IDX_015515ae4c234f7ed5575e6b5b" ON "item_supplier" ("supplierId")`,
];

const SQLITE_DOWN: readonly string[] = [
  `DROP INDEX "IDX_015515ae4c234f7ed5575e6b5b"`,
  `DROP INDEX "IDX_4105cb69cde99d6f355fb60bff"`,
  `DROP INDEX "IDX_78a916df40e02a9deb1c4b75ed"`,
  `DROP TABLE "item_supplier"`,
  `DROP TABLE "userRole"`,
  `DROP TABLE "storeInventory"`,
  `DROP TABLE "stocktake"`,
  `DROP TABLE "stocktakeItem"`,
  `DROP TABLE "session"`,
  `DROP TABLE "rolePermission"`,
  `DROP TABLE "role"`,
  `DROP TABLE "production"`,
  `DROP TABLE "user"`,
  `DROP TABLE "recipe"`,
  `DROP TABLE "recipeIngredient"`,
  `DROP TABLE "productionIngredient"`,
  `DROP TABLE "permission"`,
  `DROP TABLE "order"`,
  `DROP TABLE "orderItem"`,
  `DROP TABLE "deliveryItem"`,
  `DROP TABLE "deliveryPlan"`,
  `DROP TABLE "store"`,
  `DROP TABLE "deliveryPlanCustomer"`,
  `DROP TABLE "customer"`,
  `DROP TABLE "category"`,
  `DROP TABLE "item"`,
  `DROP TABLE "supplier"`,
];

// uuid_generate_v4() (session.id, order.reference) lives in the uuid-ossp extension.
const POSTGRES_UP: readonly string[] = [
  `CREATE EXTENSION IF NOT EXISTS "uuid-ossp"`,
  `CREATE TABLE "supplier" ("id" SERIAL NOT NULL, "name" character varying(120) NOT NULL, "code" character varying(16) NOT NULL, "contactEmail" character varying(160), "leadTimeDays" integer NOT NULL DEFAULT '2', "createdAt" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "UQ_e1183babf2fed1bb440905b1e53" UNIQUE ("code"), CONSTRAINT "PK_2bc0d2cab6276144d2ff98a2828" PRIMARY KEY ("id"))`,
  `CREATE TABLE "item" ("id" SERIAL NOT NULL, "sku" character varying(32) NOT NULL, "name" character varying(120) NOT NULL, "description" text, "unit" character varying(16) NOT NULL, "unitPrice" numeric(12,2) NOT NULL, "unitCost" numeric(12,2) NOT NULL, "gtin" bigint, "isActive" boolean NOT NULL DEFAULT true, "attributes" text, "image" bytea, "categoryId" integer NOT NULL, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "updatedAt" TIMESTAMP NOT NULL DEFAULT now(), "deletedAt" TIMESTAMP, "version" integer NOT NULL, CONSTRAINT "UQ_04b4bcce1bb7609fc226ce8c6c6" UNIQUE ("sku"), CONSTRAINT "PK_d3c0c71f23e7adcf952a1d13423" PRIMARY KEY ("id"))`,
  `CREATE TABLE "category" ("id" SERIAL NOT NULL, "name" character varying(80) NOT NULL, "description" text, "sortOrder" integer NOT NULL DEFAULT '0', "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "updatedAt" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "UQ_23c05c292c439d77b0de816b500" UNIQUE ("name"), CONSTRAINT "PK_9c4e4a89e3674fc9f382d733f03" PRIMARY KEY ("id"))`,
  `CREATE TABLE "customer" ("id" SERIAL NOT NULL, "name" character varying(120) NOT NULL, "email" character varying(160), "phone" character varying(32), "address" text, "creditLimit" numeric(12,2) NOT NULL, "isActive" boolean NOT NULL DEFAULT true, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "updatedAt" TIMESTAMP NOT NULL DEFAULT now(), "deletedAt" TIMESTAMP, CONSTRAINT "PK_a7a13f4cacb744524e44dfdad32" PRIMARY KEY ("id"))`,
  `CREATE TABLE "deliveryPlanCustomer" ("deliveryPlanId" integer NOT NULL, "customerId" integer NOT NULL, "stopNumber" integer NOT NULL, "eta" TIMESTAMP, CONSTRAINT "PK_7fcaaa0b1223e11129d73497d6c" PRIMARY KEY ("deliveryPlanId", "customerId"))`,
  `CREATE TABLE "store" ("id" SERIAL NOT NULL, "name" character varying(80) NOT NULL, "code" character varying(12) NOT NULL, "address" text, "timezone" character varying(40) NOT NULL, "openedOn" date NOT NULL, "isActive" boolean NOT NULL DEFAULT true, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "UQ_40c711bd10299557bc2bc497206" UNIQUE ("code"), CONSTRAINT "PK_f3172007d4de5ae8e7692759d79" PRIMARY KEY ("id"))`,
  `CREATE TABLE "deliveryPlan" ("id" SERIAL NOT NULL, "storeId" integer NOT NULL, "deliveryDate" date NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'planned', "driverName" character varying(80), "notes" text, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "updatedAt" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_31d491e283155459f423b745d9c" PRIMARY KEY ("id"))`,
  `CREATE TABLE "deliveryItem" ("id" SERIAL NOT NULL, "deliveryPlanId" integer NOT NULL, "customerId" integer NOT NULL, "itemId" integer NOT NULL, "quantity" numeric(12,3) NOT NULL, "delivered" boolean NOT NULL DEFAULT false, CONSTRAINT "PK_7c467e53e0efaee46cfef5c4fb0" PRIMARY KEY ("id"))`,
  `CREATE TABLE "orderItem" ("id" SERIAL NOT NULL, "orderId" integer NOT NULL, "itemId" integer NOT NULL, "quantity" numeric(12,3) NOT NULL, "unitPrice" numeric(12,2) NOT NULL, "lineTotal" numeric(12,2) NOT NULL, CONSTRAINT "PK_fe5c4758e5f47a681deb1065c92" PRIMARY KEY ("id"))`,
  `CREATE TABLE "order" ("id" SERIAL NOT NULL, "reference" uuid NOT NULL DEFAULT uuid_generate_v4(), "customerId" integer NOT NULL, "storeId" integer NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "orderedAt" TIMESTAMP NOT NULL, "total" numeric(12,2) NOT NULL DEFAULT '0', "notes" text, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "updatedAt" TIMESTAMP NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "UQ_a698ce5a132a8d2ed4be89d8fd8" UNIQUE ("reference"), CONSTRAINT "PK_1031171c13130102495201e3e20" PRIMARY KEY ("id"))`,
  `CREATE TABLE "permission" ("id" SERIAL NOT NULL, "code" character varying(60) NOT NULL, "description" text, CONSTRAINT "UQ_30e166e8c6359970755c5727a23" UNIQUE ("code"), CONSTRAINT "PK_3b8b97af9d9d8807e41e6f48362" PRIMARY KEY ("id"))`,
  `CREATE TABLE "productionIngredient" ("id" SERIAL NOT NULL, "productionId" integer NOT NULL, "itemId" integer NOT NULL, "quantityUsed" numeric(12,3) NOT NULL, CONSTRAINT "PK_ede6eaccd38abe848d78e41b062" PRIMARY KEY ("id"))`,
  `CREATE TABLE "recipeIngredient" ("id" SERIAL NOT NULL, "recipeId" integer NOT NULL, "itemId" integer NOT NULL, "quantity" numeric(12,3) NOT NULL, CONSTRAINT "PK_2249df92bb650fad022399b0e8e" PRIMARY KEY ("id"))`,
  `CREATE TABLE "recipe" ("id" SERIAL NOT NULL, "name" character varying(120) NOT NULL, "outputItemId" integer NOT NULL, "yieldQuantity" numeric(12,3) NOT NULL, "steps" text, "isActive" boolean NOT NULL DEFAULT true, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "updatedAt" TIMESTAMP NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "PK_e365a2fedf57238d970e07825ca" PRIMARY KEY ("id"))`,
  `CREATE TABLE "user" ("id" SERIAL NOT NULL, "username" character varying(60) NOT NULL, "email" character varying(160) NOT NULL, "passwordHash" character varying(100) NOT NULL, "displayName" character varying(120), "isActive" boolean NOT NULL DEFAULT true, "lastLoginAt" TIMESTAMP, "homeStoreId" integer, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "updatedAt" TIMESTAMP NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "PK_cace4a159ff9f2512dd42373760" PRIMARY KEY ("id"))`,
  `CREATE INDEX "IDX_78a916df40e02a9deb1c4b75ed" ON "user" ("username")`,
  `CREATE TABLE "production" ("id" SERIAL NOT NULL, "recipeId" integer NOT NULL, "storeId" integer NOT NULL, "quantityProduced" numeric(12,3) NOT NULL, "producedAt" TIMESTAMP NOT NULL, "producedById" integer, "status" character varying(16) NOT NULL DEFAULT 'done', "createdAt" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_722753196a878fa7473f0381da3" PRIMARY KEY ("id"))`,
  `CREATE TABLE "role" ("id" SERIAL NOT NULL, "name" character varying(40) NOT NULL, "description" text, CONSTRAINT "UQ_ae4578dcaed5adff96595e61660" UNIQUE ("name"), CONSTRAINT "PK_b36bcfe02fc8de3c57a8b2391c2" PRIMARY KEY ("id"))`,
  `CREATE TABLE "rolePermission" ("roleId" integer NOT NULL, "permissionId" integer NOT NULL, "grantedAt" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_478b7ec0c0b20d7462e9c20170f" PRIMARY KEY ("roleId", "permissionId"))`,
  `CREATE TABLE "session" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "userId" integer NOT NULL, "token" character varying(64) NOT NULL, "ipAddress" character varying(45), "userAgent" text, "expiresAt" TIMESTAMP NOT NULL, "createdAt" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "UQ_232f8e85d7633bd6ddfad421696" UNIQUE ("token"), CONSTRAINT "PK_f55da76ac1c3ac420f444d2ff11" PRIMARY KEY ("id"))`,
  `CREATE TABLE "stocktakeItem" ("id" SERIAL NOT NULL, "stocktakeId" integer NOT NULL, "itemId" integer NOT NULL, "expectedQuantity" numeric(12,3) NOT NULL, "countedQuantity" numeric(12,3), "unitCost" numeric(12,2) NOT NULL, "lineValue" numeric(12,2) NOT NULL DEFAULT '0', "countedAt" TIMESTAMP, CONSTRAINT "PK_f31716a7782023be608ad4b3027" PRIMARY KEY ("id"))`,
  `CREATE TABLE "stocktake" ("id" SERIAL NOT NULL, "storeId" integer NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'open', "startedAt" TIMESTAMP NOT NULL, "completedAt" TIMESTAMP, "countedById" integer, "notes" text, "totalValue" numeric(12,2) NOT NULL DEFAULT '0', "createdAt" TIMESTAMP NOT NULL DEFAULT now(), "updatedAt" TIMESTAMP NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "PK_b2b8b576ede38428881890e4c75" PRIMARY KEY ("id"))`,
  `CREATE TABLE "storeInventory" ("id" SERIAL NOT NULL, "storeId" integer NOT NULL, "itemId" integer NOT NULL, "quantity" numeric(12,3) NOT NULL, "reorderLevel" numeric(12,3) NOT NULL, "lastCountedAt" TIMESTAMP, "updatedAt" TIMESTAMP NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "UQ_8eb69d9852dd364e859da48d3dd" UNIQUE ("storeId", "itemId"), CONSTRAINT "PK_9d82a778588c8a8a9c1c3252b8e" PRIMARY KEY ("id"))`,
  `CREATE TABLE "userRole" ("userId" integer NOT NULL, "roleId" integer NOT NULL, "assignedAt" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_a829a1a2c80a91f5a8a47213b69" PRIMARY KEY ("userId", "roleId"))`,
  `CREATE TABLE "item_supplier" ("itemId" integer NOT NULL, "supplierId" integer NOT NULL, CONSTRAINT "PK_691aad64520eaec40c98d6661ad" PRIMARY KEY ("itemId", "supplierId"))`,
  `CREATE INDEX "IDX_4105cb69cde99d6f355fb60bff" ON "item_supplier" ("itemId")`,
  `CREATE INDEX "IDX_015515ae4c234f7ed5575e6b5b" ON "item_supplier" ("supplierId")`,
  `ALTER TABLE "item" ADD CONSTRAINT "FK_c0c8f47a702c974a77812169bc2" FOREIGN KEY ("categoryId") REFERENCES "category"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "deliveryPlanCustomer" ADD CONSTRAINT "FK_fa471baff297ea82f817726876f" FOREIGN KEY ("deliveryPlanId") REFERENCES "deliveryPlan"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "deliveryPlanCustomer" ADD CONSTRAINT "FK_52f1bafb30f5eadeb0804abe78f" FOREIGN KEY ("customerId") REFERENCES "customer"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "deliveryPlan" ADD CONSTRAINT "FK_febb0a70e0ca70b5819f723087d" FOREIGN KEY ("storeId") REFERENCES "store"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "deliveryItem" ADD CONSTRAINT "FK_64eaf0d22f4c40485540410237f" FOREIGN KEY ("deliveryPlanId") REFERENCES "deliveryPlan"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "deliveryItem" ADD CONSTRAINT "FK_2511cc20f40bd20756b322d97d2" FOREIGN KEY ("customerId") REFERENCES "customer"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "deliveryItem" ADD CONSTRAINT "FK_1a4f81741860b548859143812fd" FOREIGN KEY ("itemId") REFERENCES "item"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "orderItem" ADD CONSTRAINT "FK_ef8ed42ef2c6feafd1447d96279" FOREIGN KEY ("orderId") REFERENCES "order"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "orderItem" ADD CONSTRAINT "FK_fba86a72f45195e97905f8b33ec" FOREIGN KEY ("itemId") REFERENCES "item"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "order" ADD CONSTRAINT "FK_124456e637cca7a415897dce659" FOREIGN KEY ("customerId") REFERENCES "customer"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "order" ADD CONSTRAINT "FK_1a79b2f719ecd9f307d62b81093" FOREIGN KEY ("storeId") REFERENCES "store"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "productionIngredient" ADD CONSTRAINT "FK_2fc3c759c3678803ebc7ce73550" FOREIGN KEY ("productionId") REFERENCES "production"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "productionIngredient" ADD CONSTRAINT "FK_8b49c40443330d60defedea186e" FOREIGN KEY ("itemId") REFERENCES "item"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "recipeIngredient" ADD CONSTRAINT "FK_9cb73bacacda633ed96cd9356f8" FOREIGN KEY ("recipeId") REFERENCES "recipe"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "recipeIngredient" ADD CONSTRAINT "FK_1cc10998e81dbd3c92eb9a671cb" FOREIGN KEY ("itemId") REFERENCES "item"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "recipe" ADD CONSTRAINT "FK_9f6889ca126678792a586a61016" FOREIGN KEY ("outputItemId") REFERENCES "item"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "user" ADD CONSTRAINT "FK_858ddb2360ca781f9dd4919d098" FOREIGN KEY ("homeStoreId") REFERENCES "store"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
  `ALTER TABLE "production" ADD CONSTRAINT "FK_02caf7df0615ac9deb3b7ae6bbf" FOREIGN KEY ("recipeId") REFERENCES "recipe"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "production" ADD CONSTRAINT "FK_151d41e21727cd58b4a4aa91585" FOREIGN KEY ("storeId") REFERENCES "store"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "production" ADD CONSTRAINT "FK_34c382689cf66c8c75bd21b8f19" FOREIGN KEY ("producedById") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
  `ALTER TABLE "rolePermission" ADD CONSTRAINT "FK_58834af6412116c30386c87158d" FOREIGN KEY ("roleId") REFERENCES "role"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "rolePermission" ADD CONSTRAINT "FK_0fd3983058cf5f71c1108ba4b8c" FOREIGN KEY ("permissionId") REFERENCES "permission"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "session" ADD CONSTRAINT "FK_3d2f174ef04fb312fdebd0ddc53" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "stocktakeItem" ADD CONSTRAINT "FK_8691ed19ae893a1b95f5fc2da25" FOREIGN KEY ("stocktakeId") REFERENCES "stocktake"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "stocktakeItem" ADD CONSTRAINT "FK_c87ca858abbfd34e033a0caa0ae" FOREIGN KEY ("itemId") REFERENCES "item"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "stocktake" ADD CONSTRAINT "FK_0f1793cc1d0a141e4978296c3d1" FOREIGN KEY ("storeId") REFERENCES "store"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
  `ALTER TABLE "stocktake" ADD CONSTRAINT "FK_1a1b1f1cfa06189be3e639df5ee" FOREIGN KEY ("countedById") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
  `ALTER TABLE "storeInventory" ADD CONSTRAINT "FK_d740dd6f921791cd251d84d8e48" FOREIGN KEY ("storeId") REFERENCES "store"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "storeInventory" ADD CONSTRAINT "FK_61bbe3bf936b016265825ec6245" FOREIGN KEY ("itemId") REFERENCES "item"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "userRole" ADD CONSTRAINT "FK_bc794a2ac3d2f53fc2bc04c3cf4" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "userRole" ADD CONSTRAINT "FK_aa72ae0c32996d476c28f12eb78" FOREIGN KEY ("roleId") REFERENCES "role"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
  `ALTER TABLE "item_supplier" ADD CONSTRAINT "FK_4105cb69cde99d6f355fb60bfff" FOREIGN KEY ("itemId") REFERENCES "item"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
  `ALTER TABLE "item_supplier" ADD CONSTRAINT "FK_015515ae4c234f7ed5575e6b5ba" FOREIGN KEY ("supplierId") REFERENCES "supplier"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
];

const POSTGRES_DOWN: readonly string[] = [
  `ALTER TABLE "item_supplier" DROP CONSTRAINT "FK_015515ae4c234f7ed5575e6b5ba"`,
  `ALTER TABLE "item_supplier" DROP CONSTRAINT "FK_4105cb69cde99d6f355fb60bfff"`,
  `ALTER TABLE "userRole" DROP CONSTRAINT "FK_aa72ae0c32996d476c28f12eb78"`,
  `ALTER TABLE "userRole" DROP CONSTRAINT "FK_bc794a2ac3d2f53fc2bc04c3cf4"`,
  `ALTER TABLE "storeInventory" DROP CONSTRAINT "FK_61bbe3bf936b016265825ec6245"`,
  `ALTER TABLE "storeInventory" DROP CONSTRAINT "FK_d740dd6f921791cd251d84d8e48"`,
  `ALTER TABLE "stocktake" DROP CONSTRAINT "FK_1a1b1f1cfa06189be3e639df5ee"`,
  `ALTER TABLE "stocktake" DROP CONSTRAINT "FK_0f1793cc1d0a141e4978296c3d1"`,
  `ALTER TABLE "stocktakeItem" DROP CONSTRAINT "FK_c87ca858abbfd34e033a0caa0ae"`,
  `ALTER TABLE "stocktakeItem" DROP CONSTRAINT "FK_8691ed19ae893a1b95f5fc2da25"`,
  `ALTER TABLE "session" DROP CONSTRAINT "FK_3d2f174ef04fb312fdebd0ddc53"`,
  `ALTER TABLE "rolePermission" DROP CONSTRAINT "FK_0fd3983058cf5f71c1108ba4b8c"`,
  `ALTER TABLE "rolePermission" DROP CONSTRAINT "FK_58834af6412116c30386c87158d"`,
  `ALTER TABLE "production" DROP CONSTRAINT "FK_34c382689cf66c8c75bd21b8f19"`,
  `ALTER TABLE "production" DROP CONSTRAINT "FK_151d41e21727cd58b4a4aa91585"`,
  `ALTER TABLE "production" DROP CONSTRAINT "FK_02caf7df0615ac9deb3b7ae6bbf"`,
  `ALTER TABLE "user" DROP CONSTRAINT "FK_858ddb2360ca781f9dd4919d098"`,
  `ALTER TABLE "recipe" DROP CONSTRAINT "FK_9f6889ca126678792a586a61016"`,
  `ALTER TABLE "recipeIngredient" DROP CONSTRAINT "FK_1cc10998e81dbd3c92eb9a671cb"`,
  `ALTER TABLE "recipeIngredient" DROP CONSTRAINT "FK_9cb73bacacda633ed96cd9356f8"`,
  `ALTER TABLE "productionIngredient" DROP CONSTRAINT "FK_8b49c40443330d60defedea186e"`,
  `ALTER TABLE "productionIngredient" DROP CONSTRAINT "FK_2fc3c759c3678803ebc7ce73550"`,
  `ALTER TABLE "order" DROP CONSTRAINT "FK_1a79b2f719ecd9f307d62b81093"`,
  `ALTER TABLE "order" DROP CONSTRAINT "FK_124456e637cca7a415897dce659"`,
  `ALTER TABLE "orderItem" DROP CONSTRAINT "FK_fba86a72f45195e97905f8b33ec"`,
  `ALTER TABLE "orderItem" DROP CONSTRAINT "FK_ef8ed42ef2c6feafd1447d96279"`,
  `ALTER TABLE "deliveryItem" DROP CONSTRAINT "FK_1a4f81741860b548859143812fd"`,
  `ALTER TABLE "deliveryItem" DROP CONSTRAINT "FK_2511cc20f40bd20756b322d97d2"`,
  `ALTER TABLE "deliveryItem" DROP CONSTRAINT "FK_64eaf0d22f4c40485540410237f"`,
  `ALTER TABLE "deliveryPlan" DROP CONSTRAINT "FK_febb0a70e0ca70b5819f723087d"`,
  `ALTER TABLE "deliveryPlanCustomer" DROP CONSTRAINT "FK_52f1bafb30f5eadeb0804abe78f"`,
  `ALTER TABLE "deliveryPlanCustomer" DROP CONSTRAINT "FK_fa471baff297ea82f817726876f"`,
  `ALTER TABLE "item" DROP CONSTRAINT "FK_c0c8f47a702c974a77812169bc2"`,
  `DROP INDEX "public"."IDX_015515ae4c234f7ed5575e6b5b"`,
  `DROP INDEX "public"."IDX_4105cb69cde99d6f355fb60bff"`,
  `DROP TABLE "item_supplier"`,
  `DROP TABLE "userRole"`,
  `DROP TABLE "storeInventory"`,
  `DROP TABLE "stocktake"`,
  `DROP TABLE "stocktakeItem"`,
  `DROP TABLE "session"`,
  `DROP TABLE "rolePermission"`,
  `DROP TABLE "role"`,
  `DROP TABLE "production"`,
  `DROP INDEX "public"."IDX_78a916df40e02a9deb1c4b75ed"`,
  `DROP TABLE "user"`,
  `DROP TABLE "recipe"`,
  `DROP TABLE "recipeIngredient"`,
  `DROP TABLE "productionIngredient"`,
  `DROP TABLE "permission"`,
  `DROP TABLE "order"`,
  `DROP TABLE "orderItem"`,
  `DROP TABLE "deliveryItem"`,
  `DROP TABLE "deliveryPlan"`,
  `DROP TABLE "store"`,
  `DROP TABLE "deliveryPlanCustomer"`,
  `DROP TABLE "customer"`,
  `DROP TABLE "category"`,
  `DROP TABLE "item"`,
  `DROP TABLE "supplier"`,
];
