# vizjobs container image. Multi-stage: the build stage compiles (TypeScript, the web UI) with
# every dependency; the runtime image holds only `npm ci --omit=dev` and dist/ without tests.
# Runs as the unprivileged `node` user, writes only under /data (a volume: SQLite file, generated
# tokens and keys when there is no shared database), so it runs with a read-only root filesystem.
# src/image.test.ts installs the same file set the same way and starts the service from it.

FROM node:20-slim AS build
WORKDIR /src
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The production file set (scripts/prod-files.mjs): dist/ without tests, test support or build info.
RUN npm run build && node scripts/prod-files.mjs dist

FROM node:20-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production \
    VIZJOBS_HOST=0.0.0.0 \
    VIZJOBS_PORT=8080 \
    VIZJOBS_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json README.md ./
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
VOLUME ["/data"]
EXPOSE 8080 9100
# Kubernetes uses its own probes (deploy/); this is for plain `docker run`.
HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.VIZJOBS_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]
