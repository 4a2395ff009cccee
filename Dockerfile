# syntax=docker/dockerfile:1
# permit-chain worker image. glibc base: @temporalio/core-bridge ships no musl (Alpine) build.
# Build:  docker build -t permit-chain-worker:$(git rev-parse --short HEAD) .
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: full dependencies, then the workflow bundle, built once into a file ---------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY temporal ./temporal
COPY scripts/build-workflow-bundle.ts ./scripts/build-workflow-bundle.ts
RUN node --import tsx scripts/build-workflow-bundle.ts dist/workflow-bundle.js

# --- runtime: production dependencies only (tsx is one: bin/permitctl.js runs the sources) ----------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    HEALTH_PORT=8080 \
    METRICS_PORT=9464 \
    WORKER_SHUTDOWN_GRACE=30s \
    PERMIT_CHAIN_DATA_DIR=/tmp/permit-chain
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY temporal ./temporal
COPY scenarios ./scenarios
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
# The image's own non-root user (uid 10001); the Deployment runs it with a read-only root filesystem.
RUN groupadd --system --gid 10001 permit && useradd --system --uid 10001 --gid permit --no-create-home permit
USER 10001:10001
EXPOSE 8080 9464
# Exec form: node is PID 1 and receives SIGTERM itself (graceful drain; see WORKER_SHUTDOWN_GRACE).
# --max-semi-space-size=1: src/workers/worker-command.ts WORKER_NODE_FLAGS (a smaller worker, measured).
ENTRYPOINT ["node", "--max-semi-space-size=1", "bin/permitctl.js", "worker"]
