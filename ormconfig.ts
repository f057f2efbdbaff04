import { createStocktakeDataSource } from "./src/stocktake/datasource";

const AppDataSource = createStocktakeDataSource();

/**
 * The Stocktake app's DataSource, from DATABASE_URL, importable both as the
 * default export and as `AppDataSource`.
 *
 * Why `export =`: the TypeORM CLI (`typeorm migration:run -d dist/ormconfig.js`)
 * refuses a file with two DataSource exports, even when both are the same
 * instance ("must contain only one export of DataSource instance"). A module
 * that *is* the DataSource passes its check first; the two names are then
 * properties of that one object.
 */
export = Object.assign(AppDataSource, { AppDataSource, default: AppDataSource });
