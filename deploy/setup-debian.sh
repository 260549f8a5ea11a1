#!/usr/bin/env bash
# Installs every Debian 12 package omnibroker needs to build, test and run. Idempotent: it only
# calls apt-get when a package is missing, so it is cheap to run before every build.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git
  # fixed dependencies
  libzmq3-dev cppzmq-dev libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  librocksdb-dev libabsl-dev libssl-dev zlib1g-dev
  # web chat connector: HTTP server and JSON
  libcpp-httplib-dev nlohmann-json3-dev
  # the broker's config file
  libyaml-cpp-dev
  # SIP connector: osip2 parses SIP messages; baresip is the real caller of its flow test
  libosip2-dev baresip-core
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev curl openssl
  # fuzz targets: clang with libFuzzer and the sanitizers
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
