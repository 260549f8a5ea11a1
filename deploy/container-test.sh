#!/usr/bin/env bash
# Builds the image of deploy/Dockerfile with podman and runs a broker and a gateway from it on the
# host network (ports picked free on 127.0.0.1): a web chat message posted to the gateway must be
# answered 202 (the broker stored it) and be in the broker's queue (omnictl, inside the image).
# Both must stop with exit 0 on SIGTERM. Everything it made is removed at the end but the base
# image (debian:bookworm-slim, made here with debootstrap when missing: no registry is needed).
#
#   deploy/container-test.sh             the image compiles the project (about 20 minutes)
#   deploy/container-test.sh --prebuilt  the image takes build/'s binaries (what ctest runs)
#
# Exit 0 passed, 1 failed (the step and the containers' logs are printed), 77 skipped: podman,
# runc or debootstrap missing (install them with deploy/setup-debian.sh --containers).
set -euo pipefail
cd "$(dirname "$0")/.."

binaries=compiled
case "${1:-}" in
  "") ;;
  --prebuilt) binaries=prebuilt ;;
  *) echo "usage: deploy/container-test.sh [--prebuilt]" >&2; exit 2 ;;
esac

base=docker.io/library/debian:bookworm-slim
for tool in podman runc; do
  command -v "$tool" >/dev/null ||
    { echo "SKIP: $tool is not installed (deploy/setup-debian.sh --containers)"; exit 77; }
done
if ! podman image exists "$base" && ! command -v debootstrap >/dev/null; then
  echo "SKIP: no $base image and no debootstrap to make it (deploy/setup-debian.sh --containers)"
  exit 77
fi
if [ "$binaries" = prebuilt ]; then
  for b in build/broker/omnibroker build/broker/omnictl build/connectors/gateway/omni-gateway; do
    [ -x "$b" ] || { echo "FAIL: --prebuilt needs $b (cmake --build --preset default)"; exit 1; }
  done
fi

started=$SECONDS
run_id="omni-ct-$$"
image="localhost/omnibroker-test:$$"
work="$(mktemp -d)"
containers=()
volumes=()

cleanup() {
  for c in "${containers[@]}"; do podman rm -f -v -t 0 "$c" >/dev/null 2>&1 || true; done
  for v in "${volumes[@]}"; do podman volume rm -f "$v" >/dev/null 2>&1 || true; done
  podman rmi -f "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  for c in "${containers[@]}"; do
    echo "---- logs of $c"
    podman logs "$c" 2>&1 | tail -50 || true
  done
  exit 1
}

# Some sandboxes refuse crun's rlimits and hybrid cgroups: runc, with no default ulimits.
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$work/containers.conf"

if ! podman image exists "$base"; then
  echo "== making $base with debootstrap (kept for the next run)"
  debootstrap --variant=minbase bookworm "$work/rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
    >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
  # The sources of the official image, so apt in the Dockerfile sees the same packages.
  rm -f "$work/rootfs/etc/apt/sources.list"
  cat >"$work/rootfs/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$base" >/dev/null 2>&1 ||
    fail "podman import of the debootstrap tree"
  rm -rf "$work/rootfs"
fi

echo "== podman build (BINARIES=$binaries)"
podman build --network host --build-arg BINARIES="$binaries" -f deploy/Dockerfile -t "$image" . \
  >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; fail "podman build"; }
[ "$(podman image inspect -f '{{.Config.User}}' "$image")" = "10001:10001" ] ||
  fail "the image does not run as the user omni (10001)"
# Business-hours calendars name IANA time zones: the image carries the zone database.
podman run --rm --entrypoint /usr/bin/test "$image" -f /usr/share/zoneinfo/Europe/Berlin ||
  fail "the image has no time zone database (tzdata)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
grpc_port=$(free_port) ingest_port=$(free_port) admin_port=$(free_port) web_port=$(free_port)
gateway_admin_port=$(free_port)

# wait_for <what> <command…>: runs the command until it succeeds, for at most 60 seconds.
wait_for() {
  local what=$1; shift
  for _ in $(seq 120); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  fail "$what"
}

echo "== broker and gateway on 127.0.0.1 (gRPC $grpc_port, ingest $ingest_port, admin $admin_port, web chat $web_port)"
podman volume create "$run_id-broker" >/dev/null && volumes+=("$run_id-broker")
podman volume create "$run_id-gateway" >/dev/null && volumes+=("$run_id-gateway")
podman volume create "$run_id-secrets" >/dev/null && volumes+=("$run_id-secrets")
# As compose's `secrets` service: the agent-token key and both CURVE pairs, made in the image.
podman run --rm --network host -v "$run_id-secrets:/var/lib/omni-secrets" \
  --entrypoint /usr/local/bin/omni-make-secrets "$image" /var/lib/omni-secrets \
  /usr/local/bin/omnibroker >/dev/null || fail "omni-make-secrets in the image"
containers+=("$run_id-broker")
# Read-only root file systems, as compose.yaml and k8s/ run them: only the volumes are written.
podman run -d --name "$run_id-broker" --network host --read-only --read-only-tmpfs=false \
  -v "$run_id-broker:/var/lib/omnibroker" -v "$run_id-secrets:/run/secrets/omnibroker:ro" \
  -e OMNIBROKER_GRPC_LISTEN="127.0.0.1:$grpc_port" \
  -e OMNIBROKER_INGEST_LISTEN="tcp://127.0.0.1:$ingest_port" \
  -e OMNIBROKER_ADMIN_LISTEN="127.0.0.1:$admin_port" \
  "$image" >/dev/null || fail "podman run of the broker"
wait_for "the broker's /readyz did not answer 200" curl -fsS "http://127.0.0.1:$admin_port/readyz"
[ "$(podman exec "$run_id-broker" id -u)" = 10001 ] || fail "the broker runs as root"
# compose.yaml's health check (the image has no curl), pointed at this broker's admin port.
mapfile -t health < <(python3 -c 'import sys, yaml
for word in yaml.safe_load(open("deploy/compose.yaml"))["services"]["broker"]["healthcheck"]["test"][1:]:
    print(word.replace("9464", sys.argv[1]))' "$admin_port")
podman exec "$run_id-broker" "${health[@]}" || fail "compose.yaml's health check fails on a ready broker"

containers+=("$run_id-gateway")
podman run -d --name "$run_id-gateway" --network host --read-only --read-only-tmpfs=false \
  -v "$run_id-gateway:/var/lib/omni-gateway" -v "$run_id-secrets:/run/secrets/omnibroker:ro" \
  -e OMNI_GATEWAY_BROKER="tcp://127.0.0.1:$ingest_port" \
  -e OMNI_GATEWAY_CONNECTORS__WEBCHAT__SETTINGS__LISTEN="127.0.0.1:$web_port" \
  -e OMNI_GATEWAY_ADMIN_LISTEN="127.0.0.1:$gateway_admin_port" \
  --entrypoint /usr/local/bin/omni-gateway "$image" run --config /etc/omnibroker/omni-gateway.yaml \
  >/dev/null || fail "podman run of the gateway"
wait_for "the gateway's /readyz did not answer 200" curl -fsS "http://127.0.0.1:$gateway_admin_port/readyz"
wait_for "the gateway's web chat did not answer" curl -fsS "http://127.0.0.1:$web_port/"

echo "== a web chat message through the gateway"
visitor=$(curl -fsS -X POST "http://127.0.0.1:$web_port/v1/visitors" -d '{"name":"Container Ann"}') ||
  fail "POST /v1/visitors"
token=$(printf '%s' "$visitor" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || fail "no token in $visitor"
posted=$(curl -sS -w '\n%{http_code}' -X POST "http://127.0.0.1:$web_port/v1/messages" \
  -H "Authorization: Bearer $token" -d '{"text":"Hello from a container"}') || fail "POST /v1/messages"
[ "$(printf '%s' "$posted" | tail -1)" = 202 ] || fail "POST /v1/messages answered $posted"
conversation=$(printf '%s' "$posted" | sed -n 's/.*"conversation_id":"\([^"]*\)".*/\1/p')
[ -n "$conversation" ] || fail "no conversation_id in $posted"
admin_token=$(podman exec "$run_id-broker" omnictl token --agent ops --tenant default --role admin --ttl 10m \
  --secret-file /run/secrets/omnibroker/agent-token.secret) || fail "omnictl token"
queue=$(podman exec -e OMNI_AGENT_TOKEN="$admin_token" "$run_id-broker" \
  omnictl --broker "127.0.0.1:$grpc_port" queue) || fail "omnictl queue: $queue"
# Without a token, Admin is closed.
podman exec "$run_id-broker" omnictl --broker "127.0.0.1:$grpc_port" queue >/dev/null 2>&1 &&
  fail "omnictl queue without a token was answered"
printf '%s\n' "$queue" | grep -q "^$conversation " || fail "conversation $conversation is not queued: $queue"
curl -fsS "http://127.0.0.1:$gateway_admin_port/metrics" |
  grep -qx 'omni_connector_acks_total{connector="webchat",status="accepted"} 1' ||
  fail "the gateway's /metrics does not count the broker's ack"

echo "== SIGTERM: both drain and exit 0"
for c in "$run_id-gateway" "$run_id-broker"; do
  podman stop -t 30 "$c" >/dev/null || fail "podman stop $c"
  code=$(podman inspect -f '{{.State.ExitCode}}' "$c")
  [ "$code" = 0 ] || fail "$c exited $code on SIGTERM"
done

echo "PASS: container test in $((SECONDS - started)) s (conversation $conversation)"
