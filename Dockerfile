# syntax=docker/dockerfile:1
# The api and the worker image, chosen by the APP build argument. Build context: the repository root:
#   docker build --build-arg APP=api -t task-service-api .
#   docker build --build-arg APP=worker -t task-service-worker .
# Everything up to the runtime stage is shared (BuildKit builds deps and prod-deps once for both);
# what differs per app (port, health port, entry point) is in the `api` and `worker` stages, and
# `FROM ${APP} AS final` picks one. APP has no default: a build without it fails rather than
# silently producing the wrong app.
ARG APP

# Node LTS (major pinned) on Debian slim, i.e. glibc: sharp's prebuilt binaries are for glibc.
FROM node:24-bookworm-slim AS base
WORKDIR /app

# Every dependency, installed inside the image so native packages match its platform and libc (the
# host's node_modules never enter: see .dockerignore). --ignore-scripts gives the same result on
# every npm (npm 11 runs only allow-listed install scripts): sharp and msgpackr load prebuilt
# binaries from optional packages (@img/sharp-linux-*, @msgpackr-extract/*); their install scripts
# only look for those or compile from source, and there is no compiler here anyway.
FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --include=dev --include=optional --ignore-scripts --no-audit --no-fund

# Production dependencies for the runtime image: what `npm prune --omit=dev` leaves after the build,
# in its own stage so it runs beside the build and is shared by both images.
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --include=optional --ignore-scripts --no-audit --no-fund

FROM deps AS build
ARG APP
# Everything `nest build` reads; test/deploy-files.e2e-spec.ts checks the files nest-cli.json names
# are copied. webpack.config*.js is a wildcard so the COPY also works while there is none (BuildKit).
COPY nest-cli.json tsconfig.json webpack.config*.js ./
COPY libs ./libs
COPY apps/${APP} ./apps/${APP}
RUN ./node_modules/.bin/nest build ${APP}

FROM base AS runtime
# tini runs as PID 1 and forwards SIGTERM to node (node as PID 1 gets no default signal handling
# and reaps no zombies), so `docker compose stop` runs Nest's shutdown hooks.
# /data is created owned by `node` so a fresh named volume mounted there is writable.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data \
    && chown node:node /data
ENV NODE_ENV=production
ENV DATA_DIR=/data
# glibc gives each thread (sharp's, libuv's) its own malloc arena, up to 8 per core; large short-
# lived pixel buffers then fragment them and RSS only grows. Two arenas keep memory flat.
ENV MALLOC_ARENA_MAX=2
# One libuv pool serves sharp (a thread per image operation), fs (blob store, uploads, the
# readiness probe), zlib and dns.lookup. With the default 4, a few long PNG encodes starve file
# I/O and health checks; idle threads cost next to nothing. Keep it above WORKER_CONCURRENCY.
ENV UV_THREADPOOL_SIZE=16
# Code and dependencies stay owned by root (COPY ignores USER): the app cannot modify itself.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
USER node
# tini runs as PID 1 (see above); each app stage below gives the command it runs.
ENTRYPOINT ["/usr/bin/tini", "--"]

# Liveness without curl (not in the slim image): Node's own fetch. Readiness (/health/ready) needs
# Redis, so it is for routing and depends_on, not for restarting the container. HEALTHCHECK and
# CMD take no build arguments, hence one stage per app.
FROM runtime AS api
ENV PORT=5000
COPY --from=build /app/dist/apps/api ./dist/apps/api
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||5000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/api/main.js"]

# The worker's HTTP server serves only health and metrics.
FROM runtime AS worker
ENV WORKER_HTTP_PORT=5001
COPY --from=build /app/dist/apps/worker ./dist/apps/worker
EXPOSE 5001
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WORKER_HTTP_PORT||5001)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/worker/main.js"]

# The image: the stage APP names (BuildKit builds only the stages it depends on).
FROM ${APP} AS final
