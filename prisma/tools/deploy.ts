// `npm run db:deploy`: applies pending migrations to DATABASE_URL.
import { deployMigrations } from "../deploy-migrations";

try {
  const { applied } = await deployMigrations();
  console.log(applied ? "Migrations applied." : "Database already up to date.");
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
