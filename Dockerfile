# syntax=docker/dockerfile:1
# The consent subgraph as a container: a build stage with every dependency
# compiles TypeScript; the runtime stage holds production dependencies and
# dist/ only, runs as the unprivileged `node` user, and serves on 0.0.0.0.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4001 \
    SQLITE_PATH=/data/consent.sqlite
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# scripts/ holds what `npm start` runs first; the image itself starts node directly.
COPY scripts ./scripts
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and handles SIGTERM itself: it drains, closes the database and exits 0.
# The flags are package.json's config.nodeFlags, as `npm start` passes them (a unit test keeps them equal).
CMD ["node", "--max-semi-space-size=64", "dist/src/main.js"]
