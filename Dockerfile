# Build: docker build -t portfolio-api .
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p api

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app portfolio
COPY --from=build /src/target/release/portfolio-api /usr/local/bin/portfolio-api
USER portfolio
WORKDIR /app
ENV LISTEN_ADDR=0.0.0.0:8080 LOG_FORMAT=json APP_ENV=production
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["portfolio-api"]
CMD ["serve"]
