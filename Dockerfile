# The `switchyard` binary (with its built-in transforms embedded) on a slim Debian.
FROM rust:1-bookworm AS build
RUN rustup target add wasm32-wasip2
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p switchyard --bin switchyard

FROM debian:bookworm-slim
COPY --from=build /src/target/release/switchyard /usr/local/bin/switchyard
EXPOSE 9464
ENTRYPOINT ["switchyard"]
