# syntax=docker/dockerfile:1
# trust-auditor: multi-stage build. better-sqlite3 is a native addon, so the
# build stage has a toolchain; the runtime stage has only production modules.
FROM node:24-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY demo ./demo
RUN npm ci && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
COPY migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 9817
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9817/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly, not npx: npx neither forwards SIGTERM nor stops its child.
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["serve", "--config", "/etc/trust-auditor/config.yaml"]
