// `npm run db:seed`: migrates DATABASE_URL and adds the seed articles it lacks.
import { createDb } from "../app/db.server";
import { deployMigrations } from "./deploy-migrations";
import { seedDatabase } from "./seeding";

await deployMigrations();
const db = createDb();
const { created } = await seedDatabase(db);
await db.$disconnect();
console.log(created ? "Seeded the first article." : "Seed data already present; nothing to do.");
