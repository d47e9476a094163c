# Tandem node. The build stage has the toolchain and headers; the runtime stage only what runs.
# The steps mirror scripts/setup.sh, which CI runs (there is no Docker engine in CI).
# The server needs no native addon (only the desktop agent captures and injects), so this image
# has no X11 or JPEG libraries. The web pages are bundled here and served from dist/web.
FROM node:20-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential python3 pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY scripts/build-web.sh scripts/build-web.js ./scripts/
RUN node_modules/.bin/tsc -p tsconfig.build.json && bash scripts/build-web.sh && npm prune --omit=dev

FROM node:20-bookworm-slim AS run
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
RUN useradd --system --uid 10001 --home /app tandem && mkdir -p /app/data && chown tandem /app/data
USER tandem
ENV TANDEM_PORT=8080 TANDEM_DATA_DIR=/app/data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
CMD ["node", "dist/main.js"]
