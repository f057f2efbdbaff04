import { createStocktakeDataSource } from "./src/stocktake/datasource";

/** The Stocktake app's DataSource, as the TypeORM CLI and the backup scripts expect it: from DATABASE_URL. */
export const AppDataSource = createStocktakeDataSource();
export default AppDataSource;
