import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config libs/persistence/drizzle.config.ts --name <what_it_does>`
// writes a new SQL migration into ./drizzle from the schema; commit it. Migrations are applied by
// `npm run migrate` and by the dev stack on boot (migrateDatabase).
export default defineConfig({
  dialect: 'postgresql',
  schema: './libs/persistence/src/postgres/schema/index.ts',
  out: './libs/persistence/drizzle',
  strict: true,
});
