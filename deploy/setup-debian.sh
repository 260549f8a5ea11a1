#!/usr/bin/env bash
# Installs every Debian 12 package omnibroker needs to build, test and run. Idempotent: it only
# calls apt-get when a package is missing, so it is cheap to run before every build.
#   deploy/setup-debian.sh               build and run every test (`./omni test`; CI runs this)
#   deploy/setup-debian.sh --build       only what compiling needs (deploy/Dockerfile's build stage)
#   deploy/setup-debian.sh --containers  also what deploy/container-test.sh needs; opt-in, so CI
#                                        neither installs podman nor builds images
set -euo pipefail

# compiling (every target, tests included: the CMake project configures them all)
build_packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git
  # fixed dependencies
  libzmq3-dev cppzmq-dev libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  librocksdb-dev libabsl-dev libssl-dev zlib1g-dev
  # the cluster: the partitions' logs in NATS JetStream (libnats, the C client)
  libnats-dev
  # web chat connector: HTTP server and JSON
  libcpp-httplib-dev nlohmann-json3-dev
  # the broker's config file
  libyaml-cpp-dev
  # SIP connector: osip2 parses SIP messages
  libosip2-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # email connector: GMime 3 for MIME parsing and building
  libgmime-3.0-dev
  # agent console: ncursesw (libncurses-dev carries the wide-character library)
  libncurses-dev
)
# running the broker: the IANA time zones of business-hours calendars (absl::TimeZone reads
# /usr/share/zoneinfo; Debian 12 no longer installs tzdata by itself). deploy/Dockerfile's runtime
# stage installs it too.
run_packages=(tzdata)
# running the tests: real clients and parts
test_packages=(
  curl openssl
  # cluster tests: real NATS servers with JetStream
  nats-server
  # SIP flow test: baresip is the real caller
  baresip-core
  # fuzz targets: clang with libFuzzer and the sanitizers
  clang-14 libclang-rt-14-dev
  # web chat browser test (tests/browser): headless Chromium driven by playwright-core on Node
  chromium nodejs
  # email integration tests: swaks (a real SMTP/LMTP client; Net::SSLeay for its --tls) and
  # aiosmtpd (a real SMTP sink, and a STARTTLS/TLS relay with AUTH, for the outbound relay)
  swaks libnet-ssleay-perl python3-aiosmtpd
  # agent console: tmux drives it in its integration test
  tmux
  # agent-sdk/python: the example console in Python, its stubs generated from proto/ at start
  python3-grpcio python3-grpc-tools
  # deploy_manifests_test: parses deploy/compose.yaml and deploy/k8s/
  python3-yaml
)
# deploy/container-test.sh: podman builds and runs the image (with runc: some sandboxes refuse
# crun's rlimits), debootstrap makes the debian:bookworm-slim base where no registry is reachable
container_packages=(debootstrap podman runc)

mode="${1:-}"
case "$mode" in
  "") packages=("${build_packages[@]}" "${run_packages[@]}" "${test_packages[@]}") ;;
  --build) packages=("${build_packages[@]}") ;;
  --containers) packages=("${build_packages[@]}" "${run_packages[@]}" "${test_packages[@]}" "${container_packages[@]}") ;;
  *) echo "usage: deploy/setup-debian.sh [--build | --containers]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# web chat browser test: npm, unless the installed nodejs brings its own (NodeSource's does, and
# conflicts with Debian's npm package)
[ "$mode" = --build ] || command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[ "$mode" = --build ] && exit 0
# web chat browser test: tests/browser/node_modules exactly as package-lock.json pins it, only when
# missing or older than the lock file; no tool may download a browser (Debian's chromium is used).
browser_dir="$(dirname "$0")/../tests/browser"
if [ ! "$browser_dir/node_modules/.package-lock.json" -nt "$browser_dir/package-lock.json" ]; then
  echo "setup: npm ci in tests/browser"
  (cd "$browser_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund)
fi
