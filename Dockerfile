# Tandem node. Build stage has the toolchain and X11/JPEG headers; the runtime stage only the
# shared libraries. The steps mirror scripts/setup.sh, which CI runs (no Docker engine there).
FROM node:20-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential python3 pkg-config \
      libx11-dev libxext-dev libxtst-dev libxdamage-dev libxfixes-dev libxrandr-dev \
      libjpeg62-turbo-dev libturbojpeg0-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json binding.gyp ./
COPY native ./native
COPY scripts ./scripts
RUN bash scripts/build-native.sh
COPY src ./src
COPY web ./web
RUN node_modules/.bin/tsc -p tsconfig.build.json && touch dist/.build-stamp \
    && if [ -f scripts/build-web.sh ]; then bash scripts/build-web.sh; fi \
    && npm prune --omit=dev

FROM node:20-bookworm-slim AS run
RUN apt-get update && apt-get install -y --no-install-recommends \
      libx11-6 libxext6 libxtst6 libxdamage1 libxfixes3 libxrandr2 libturbojpeg0 zlib1g curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/build/Release ./build/Release
COPY --from=build /app/web/dist ./web/dist
COPY config ./config
RUN useradd --system --uid 10001 --home /app tandem && mkdir -p /app/data && chown tandem /app/data
USER tandem
ENV TANDEM_PORT=8080 TANDEM_DATA_DIR=/app/data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
CMD ["node", "dist/main.js"]
