# syntax=docker/dockerfile:1
#
# Butler SOS compatible agent: container image. Build: docker build -t butler-sos:local .
# Run (see docs/packaging.md):
#   docker run -d --name butler-sos \
#     -v "$PWD/config:/nodeapp/config:ro" -v "$PWD/log:/nodeapp/log" \
#     -p 9996:9996/udp -p 9997:9997/udp -p 9842:9842 \
#     butler-sos:local
#
# Runtime choice: the official Node 24 slim image running the production build (dist/app, an
# esbuild bundle of the TypeScript sources, ~15 MB less resident than letting Node strip the
# types), not the single executable binary: the same code path as `npx butler-sos`, readable
# stack traces, multi-arch through the base image, and no experimental SEA loader.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: the bundle, then production dependencies only, from the lock file ----
FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
# No install scripts: no dependency needs a native build, and the dev-only "node" package (Node
# 24 for development machines) is not needed: the image has Node 24. esbuild is a dev dependency.
RUN npm ci --ignore-scripts
COPY bin ./bin
COPY src ./src
COPY sim ./sim
COPY web ./web
COPY scripts/build.ts scripts/build-sea.ts ./scripts/
# dist/app is what bin/butler-sos.js runs; afterwards only production dependencies are kept.
RUN node scripts/build.ts && npm prune --omit=dev && npm cache clean --force
COPY packaging/docker/docker-healthcheck.ts ./packaging/docker/docker-healthcheck.ts
# Upstream images start with `node src/butler-sos.js`; existing compose files keep working.
COPY packaging/docker/upstream-entry.js ./src/butler-sos.js

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM/SIGINT to node and reaps zombies, so `docker stop` ends the
# agent through its own graceful shutdown (flush, spool) instead of a SIGKILL after the timeout.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini=0.19.0-1 \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /nodeapp
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/bin ./bin
COPY --from=build /build/dist ./dist
COPY --from=build /build/src ./src
COPY --from=build /build/sim ./sim
COPY --from=build /build/web ./web
COPY --from=build /build/packaging ./packaging
# Writable folders for the non-root user, where the default relative paths resolve (the
# working directory is /nodeapp): log files (`logDirectory: log`), the delivery spool
# (`delivery.spoolDirectory: spool`) and the local store (`localStore.file: data/...`).
# Config and certificates are mounted read-only at /nodeapp/config, as with upstream's image.
RUN mkdir -p /nodeapp/config/certificate /nodeapp/log /nodeapp/spool /nodeapp/data \
    && chown -R node:node /nodeapp/log /nodeapp/spool /nodeapp/data
USER node

# UDP log events, UDP user events, Prometheus /metrics, Docker health (loopback), web UI.
EXPOSE 9996/udp 9997/udp 9842 12398 3100

# Probes GET /health on the Docker health check endpoint (dockerHealthCheck.enable must be
# true in the config). Port: BUTLER_SOS_HEALTH_PORT, default 12398.
HEALTHCHECK --interval=12s --timeout=12s --start-period=30s --retries=3 \
    CMD ["node", "/nodeapp/packaging/docker/docker-healthcheck.ts"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--max-semi-space-size=4", "/nodeapp/bin/butler-sos.js", "--configfile", "/nodeapp/config/production.yaml"]
