# syntax=docker/dockerfile:1
# coupa-approvals: multi-stage build. The builder caches dependencies in their own layer; the
# runtime image holds only the binary and CA certificates, and runs as a non-root user.
# The binary is built without the `sandbox` feature (--no-default-features): the service needs
# neither the simulated Coupa and Slack nor the `demo` command on top of them, so the image
# carries no fake servers and `demo` in it says how to run the demo from a checkout instead.

FROM rust:1.95-slim-bookworm AS builder
WORKDIR /src
# Build the dependencies first, against placeholder sources, so that editing the project's own
# code does not rebuild them.
COPY Cargo.toml Cargo.lock ./
# Cargo.toml names benchmark, example and test targets; cargo reads every one of them even when it
# builds none, so each needs a placeholder too.
RUN mkdir -p src benches examples tests/it \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > benches/hot_paths.rs \
    && echo 'fn main() {}' > examples/bench_server.rs \
    && echo 'fn main() {}' > examples/loadgen.rs \
    && echo 'fn main() {}' > examples/sync_cost.rs \
    && touch tests/it/main.rs tests/coupa_telemetry.rs \
    && cargo build --release --locked --no-default-features \
    && rm -rf src
COPY src ./src
# The Teams app package's manifest template and icons are compiled into the binary
# (`teams-package` works from the image alone).
COPY manifests/teams ./manifests/teams
# Make sure cargo sees the real sources as newer than the placeholder build.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --no-default-features \
    && strip target/release/coupa-approvals

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin app
COPY --from=builder /src/target/release/coupa-approvals /usr/local/bin/coupa-approvals
USER 10001
# Configuration comes from the environment only (no .env is copied in).
ENV BIND_ADDR=0.0.0.0:3000 \
    LOG_FORMAT=json
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/coupa-approvals"]
CMD ["run"]
