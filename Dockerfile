# Acervo container image. Not tried here: this machine has no Docker engine
# (only the client), so the build below was written, not run.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/acervo .

FROM debian:bookworm-slim
# git fetches mirrors (go-git is the fallback); ca-certificates for https.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/acervo --create-home acervo
COPY --from=build /out/acervo /usr/local/bin/acervo
USER acervo
ENV ACERVO_DATA=/var/lib/acervo ACERVO_ADDR=:8080
VOLUME ["/var/lib/acervo"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["/usr/bin/env", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ready <&3"]
ENTRYPOINT ["/usr/local/bin/acervo"]
CMD ["serve"]
