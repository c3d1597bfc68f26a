#!/usr/bin/env bash
# Regenerates Sources/AuthzGRPC/Generated/ from Protos/ with protoc (Debian: protobuf-compiler) and
# the swift-protobuf and grpc-swift-protobuf plugins, built from this package's own dependencies.
# The output is committed; CI does not run this.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
swift build --product protoc-gen-swift
swift build --product protoc-gen-grpc-swift-2
bin="$(swift build --show-bin-path)"
out="Sources/AuthzGRPC/Generated"
rm -rf "$out"
mkdir -p "$out"
protos=(
  envoy/config/core/v3/address.proto
  envoy/config/core/v3/base.proto
  envoy/type/v3/http_status.proto
  google/rpc/status.proto
  envoy/service/auth/v3/attribute_context.proto
  envoy/service/auth/v3/external_auth.proto
  grpc/health/v1/health.proto
)
protoc -I Protos \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" \
  --swift_out="$out" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
  --grpc-swift-2_out="$out" --grpc-swift-2_opt=Visibility=Public,FileNaming=PathToUnderscores,Server=true,Client=true \
  "${protos[@]}"
echo "generated: $(ls "$out" | wc -l) files in $out"
