# syntax=docker/dockerfile:1
# trust-auditor: multi-stage build. better-sqlite3 is a native addon, so the
# build stage has a toolchain; the runtime stage has only production modules.
#
# Build arguments (README, "Docker"):
#   NODE_IMAGE  the Node.js base image of both stages (default below). Node 22
#               is the line: Node 20 reached its end of life in April 2026, and
#               the whole test suite also runs on Node 22 (README says how it
#               was run). better-sqlite3 12 builds on 20, 22 and 24; its 13
#               needs 22 or later.
#   VERSION     org.opencontainers.image.version, e.g. the version in package.json
#   REVISION    org.opencontainers.image.revision, the git commit built
#   CREATED     org.opencontainers.image.created, the build time in RFC 3339
#   SOURCE      org.opencontainers.image.source, where the repository is published
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# npm ci runs the `prepare` script (tsc over tsconfig.json's include: src,
# test, bench and demo), so all four are in the build context.
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY demo ./demo
RUN npm ci && npm prune --omit=dev

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=""
ARG REVISION=""
ARG CREATED=""
ARG SOURCE=""
LABEL org.opencontainers.image.title="trust-auditor" \
      org.opencontainers.image.description="Audits Docker Content Trust (Notary), cosign and Notation signatures of every tag in a Sonatype Nexus registry and exports the findings to Prometheus." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}"
# sqlite3: the runbooks (docs/runbooks.md) read the audit database with it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends sqlite3 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
COPY migrations ./migrations
# `trust-auditor` on PATH, so that `docker exec <container> trust-auditor inspect …`
# works as the runbooks write it: main.js starts with `#!/usr/bin/env node`,
# and Node resolves the link, so the migrations are found next to the real file.
# /data is the database's volume, owned by the user the daemon runs as.
RUN chmod 0755 /app/dist/src/main.js \
 && ln -s /app/dist/src/main.js /usr/local/bin/trust-auditor \
 && mkdir -p /data /etc/trust-auditor \
 && chown node:node /data
USER node
# The working directory is the volume: without a `database:` key the default
# `./trust-auditor.db` lands in /data/trust-auditor.db, which user node can
# write (/app is root's and read-only to it). A `database:` path in the
# configuration still wins; relative paths in it are read from /data too.
WORKDIR /data
VOLUME ["/data"]
EXPOSE 9817
# The healthcheck reads the same configuration as the daemon (listen address and
# port, web.tlsCertFile) and asks /healthz on the loopback address: no database,
# no Nexus, no Notary. Its own timeout (3 s) is below Docker's 5 s, so the
# reason it prints reaches `docker inspect`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/dist/src/main.js", "healthcheck", "--config", "/etc/trust-auditor/config.yaml"]
# node directly, not npx: npx neither forwards SIGTERM nor stops its child.
ENTRYPOINT ["node", "/app/dist/src/main.js"]
CMD ["serve", "--config", "/etc/trust-auditor/config.yaml"]
