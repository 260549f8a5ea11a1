#!/usr/bin/env bash
# Makes the secrets a broker and its gateway need, each once: a file already there is kept, so
# running it again (every `compose up`) changes nothing. Nothing secret is in this repository.
#   agent-token.secret     HMAC key of agent tokens: the broker's grpc_security.token_secret_file,
#                          and `omnictl token --secret-file` mints tokens with it
#   broker-curve.secret    the broker's CURVE secret key: ingest.curve_secret_key_file
#   broker-curve.public    its public key: the gateway's broker_public_key_file
#   gateway-curve.secret   the gateway's CURVE secret key: its curve_secret_key_file
#   gateway-curve.public   its public key: the broker's ingest.clients[].public_key_file
#   webchat-token.secret   the web chat's key for visitor tokens (token_secret_file)
# usage: deploy/make-secrets.sh DIR [OMNIBROKER_BINARY]
#   compose runs it in the image (service `secrets`); for Kubernetes run it once on your machine and
#   `kubectl create secret generic omnibroker-secrets --from-file=DIR` (docs/deploy.md).
set -euo pipefail
dir=${1:?usage: make-secrets.sh DIR [OMNIBROKER_BINARY]}
omnibroker=${2:-omnibroker}
umask 077
mkdir -p "$dir"

random_secret() {
  [ -s "$dir/$1" ] || head -c 48 /dev/urandom | base64 -w0 >"$dir/$1"
}

curve_pair() {
  [ -s "$dir/$1.secret" ] && [ -s "$dir/$1.public" ] && return
  local pair
  pair=$("$omnibroker" keygen)
  sed -n 's/^public-key: //p' <<<"$pair" >"$dir/$1.public"
  sed -n 's/^secret-key: //p' <<<"$pair" >"$dir/$1.secret"
}

random_secret agent-token.secret
random_secret webchat-token.secret
curve_pair broker-curve
curve_pair gateway-curve
