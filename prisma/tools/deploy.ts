// `npm run db:deploy`: applies pending migrations to DATABASE_URL.
import { deployMigrations } from "../deploy-migrations";

try {
  await deployMigrations();
  console.log("Migrations applied.");
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
