# syntax=docker/dockerfile:1
#
# sigv4-authz container image.
#
#   docker build -t REGISTRY/sigv4-authz:TAG .
#   docker run --rm -p 8080:8080 -p 9001:9001 REGISTRY/sigv4-authz:TAG     # bundled example policy
#
# Two stages: the Swift toolchain builds a release binary with the Swift runtime and Foundation
# linked in statically (--static-swift-stdlib), and a slim Debian image runs it. The binary then
# needs only glibc, libstdc++, libgcc_s and zlib (Tests/Deploy/static-binary.sh checks `ldd` for
# exactly that, and builds and serves with the same command without Docker).
#
# Builder and runtime are both Debian 12 (bookworm): the binary links against the builder's glibc,
# so the runtime's glibc must be the same or newer. (swift:6.3 alone is Ubuntu 24.04 with glibc
# 2.39, newer than bookworm's 2.36; its binaries may fail to start there.)
# For reproducible production builds pin both images by digest (`FROM swift:6.3-bookworm@sha256:…`).

# ---- build ---------------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build
WORKDIR /src

# Dependencies first, from the manifest alone (and Package.resolved when the context has one), so
# this layer is reused until they change.
COPY Package.* ./
RUN swift package resolve

# SwiftPM checks that every declared target's directory exists, tests and benchmarks included
# (nothing in them is compiled for --product sigv4-authz).
COPY Sources ./Sources
COPY Tests ./Tests
COPY Benchmarks ./Benchmarks
RUN swift build -c release --static-swift-stdlib --product sigv4-authz \
    && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && mkdir -p /out \
    # One file: the AWS model and the example configuration are compiled in.
    && cp "$bin/sigv4-authz" /out/

# ---- runtime -------------------------------------------------------------------------------------
FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="sigv4-authz" \
      org.opencontainers.image.description="External authorization for AWS API traffic (Envoy ext_authz, nginx auth_request, Squid)"

# bookworm-slim already carries libc6, libstdc++6, libgcc-s1 and zlib1g; nothing is installed.
# The server makes no outbound connections, so no CA certificates either.
COPY --from=build /out/ /opt/sigv4-authz/
# A default policy so the image runs on its own; Kubernetes mounts its ConfigMap over this directory.
COPY Sources/sigv4-authz/config.example.yaml /etc/sigv4-authz/config.yaml

# A numeric non-root user (no /etc/passwd entry needed), so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532

# http (Envoy HTTP mode, nginx), grpc (Envoy ext_authz gRPC), admin (/healthz /readyz /metrics;
# bind it to 0.0.0.0 in the config to reach it from outside the container).
EXPOSE 8080 9001 9090

# Health is probed by the orchestrator on the admin port (/healthz, /readyz): the image has no
# HTTP client to run a Docker HEALTHCHECK with, and adding one would only widen the attack surface.
# checkov:skip=CKV_DOCKER_2:health is checked by Kubernetes probes on /healthz and /readyz; the image carries no HTTP client for a HEALTHCHECK

ENTRYPOINT ["/opt/sigv4-authz/sigv4-authz"]
CMD ["serve", "--config", "/etc/sigv4-authz/config.yaml"]
