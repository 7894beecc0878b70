# syntax=docker/dockerfile:1
#
# Agora image: one image, several processes. The default command runs the REST API; the others are the
# same image with another command (docker-compose.yml does exactly this):
#
#   node dist/src/main.js                   REST API + admin (default CMD, port $PORT, 3000)
#   node --single-threaded-gc dist/src/chat/main.js   chat server (port $CHAT_PORT, 3001; the flag: src/chat/node-flags.ts)
#   node dist/ai-worker/main.js             BullMQ AI worker (no port; health: node dist/ai-worker/healthcheck.js)
#   node dist/src/cli/migrate.js            apply prisma/<provider>/migrations to $DATABASE_URL, then exit
#   node dist/src/cli/create-superuser.js --name X --email Y --password-stdin
#                                           e.g. echo "$PW" | docker compose run --rm -T api \
#                                                  node dist/src/cli/create-superuser.js --name X --email Y --password-stdin
#
# DATABASE_URL picks the provider at run time (mysql://... or file:...; default file:./data/agora.db, i.e.
# /app/data). Both Prisma clients are generated at build time, so nothing is generated at run time.
#
# Signals: the processes handle SIGTERM themselves, so no init is baked in; `docker run --init` (or
# `init: true` in compose) adds one where zombie reaping is wanted.

############################ build ############################
FROM node:20-bookworm AS build
# node:20-bookworm (not -slim) ships python3, make and g++, which better-sqlite3 needs when it has to be
# compiled from source (no matching prebuilt binary).
WORKDIR /app

# Dependency layer: only what `npm ci` and its postinstall need, so source edits keep this layer cached.
# postinstall = `node scripts/db-generate.mjs`: generates the SQLite client (node_modules/.prisma/client) and
# the MySQL client (node_modules/.prisma/client-mysql) from prisma/<provider>/schema.prisma; the Prisma CLI
# loads prisma.config.ts while doing so.
COPY package.json package-lock.json .npmrc ./
COPY scripts/ ./scripts/
COPY prisma/ ./prisma/
COPY prisma.config.ts ./
# exactly the lockfile, which lists every platform's optional binaries (linux/amd64 and linux/arm64 alike)
RUN npm ci --no-audit --no-fund

# Sources, then compile (tsc -p tsconfig.build.json; rootDir is the repo root, so outputs are dist/src/...
# and dist/ai-worker/...).
COPY . .
RUN npm run build

# Drop devDependencies. node_modules/.prisma/{client,client-mysql} survive: npm only manages the package
# folders it knows from the lockfile and skips dot-entries of node_modules (.bin, .package-lock.json,
# .prisma), so it never deletes the generated clients (checked: `npm prune --omit=dev` on this lockfile
# leaves both). Note that `prisma` and `typescript` also stay: they are optional peer dependencies of
# @prisma/client, hence "devOptional" rather than "dev" in the lockfile.
RUN npm prune --omit=dev --no-audit --no-fund

############################ runtime ############################
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app

# Application files stay root-owned (read-only for the app user); only data/ and uploads/ are writable.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Migrations are read at run time from prisma/<provider>/migrations by dist/src/cli/migrate.js.
COPY --from=build /app/prisma ./prisma
# The default AI dataset (ai-worker/data/AI_test.csv), read at run time by the worker.
COPY --from=build /app/ai-worker/data ./ai-worker/data

RUN mkdir -p /app/data /app/uploads && chown node:node /app/data /app/uploads
VOLUME ["/app/data", "/app/uploads"]

# the image's unprivileged user (uid 1000)
USER node

EXPOSE 3000 3001

# slim has no curl: use node's global fetch. Checks the API; compose overrides this for chat and ai-worker.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "dist/src/main.js"]
