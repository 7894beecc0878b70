// Prisma CLI configuration (migrate, studio). DATABASE_URL picks the provider's schema and migrations folder,
// exactly as it picks the client at run time (src/platform/prisma.ts).
import 'dotenv/config';
import { defineConfig } from 'prisma/config';

const url = process.env.DATABASE_URL ?? 'file:./data/agora.db';
const provider = url.startsWith('file:') ? 'sqlite' : 'mysql';

export default defineConfig({
  schema: `prisma/${provider}/schema.prisma`,
  migrations: { path: `prisma/${provider}/migrations` },
  // a shadow database is only needed to author migrations or compare them with the schema (CI drift check)
  datasource: { url, ...(process.env.SHADOW_DATABASE_URL ? { shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL } : {}) },
});
