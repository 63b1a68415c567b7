#!/usr/bin/env bash
# Starts the action server (:5055), the Rasa server (:5005, rest + socketio), the web page
# (:8080) and the staff console (127.0.0.1:8081) in the foreground; Ctrl-C stops them all.
# BMA_ENDPOINTS chooses Rasa's endpoints file (default endpoints.yml); BMA_PRODUCTION=1 or one of
# deploy/'s endpoints files is a production start: it refuses a registry holding demonstration data.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MODEL:?MODEL must name the trained model}"
ACTIONS_PORT=${ACTIONS_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
WEB_PORT=${WEB_PORT:-8080}
# The staff console stays on loopback unless BMA_CONSOLE_HOST says otherwise (put it behind HTTPS).
CONSOLE_HOST=${BMA_CONSOLE_HOST:-127.0.0.1}
CONSOLE_PORT=${BMA_CONSOLE_PORT:-8081}
TODAY_LABEL=${BMA_TODAY:-"aujourd'hui"}
ENDPOINTS=${BMA_ENDPOINTS:-endpoints.yml}
# Keep the console readable: drop Python deprecation warnings and their continuation lines.
quiet() { grep --line-buffered -v -E "Warning|^  |^\[0m$" | sed -u "s/^/[$1] /"; }
mkdir -p var
# In production, never serve demonstration data: checked before anything starts (French message, exit 1).
.venv/bin/python -m bma.registry production-check --endpoints "$ENDPOINTS" || exit 1
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Arrêt de l'assistant…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# The action server is internal (Rasa calls it): loopback only unless SANIC_HOST says otherwise.
SANIC_HOST=${SANIC_HOST:-127.0.0.1} .venv/bin/python -m rasa_sdk --actions actions --port "$ACTIONS_PORT" > >(quiet actions) 2>&1 &
pids+=($!)
# Rasa's HTTP API (trackers, model, …) only with a token: BMA_API_TOKEN, or a random one per run,
# shared with the staff console (« Modèles » switches models through it). Handed to those two
# through their environment only, never their command line (`ps` shows it to every local user):
# rasa_patches/api_token.py reads it for --enable-api. The other processes do not get it.
BMA_API_TOKEN=${BMA_API_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')}
export -n BMA_API_TOKEN
# One TensorFlow/BLAS thread per Rasa process: the models are small, and extra threads only add
# wake-ups and contention between processes (`make bench`).
BMA_API_TOKEN=$BMA_API_TOKEN \
TF_INTRA_OP_PARALLELISM_THREADS=${TF_INTRA_OP_PARALLELISM_THREADS:-1} TF_INTER_OP_PARALLELISM_THREADS=${TF_INTER_OP_PARALLELISM_THREADS:-1} \
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} .venv/bin/python -m rasa_patches run --model "$MODEL" --port "$RASA_PORT" --credentials credentials.yml --enable-api \
  --endpoints "$ENDPOINTS" --cors "http://localhost:$WEB_PORT" > >(quiet rasa) 2>&1 &
pids+=($!)
BMA_SOCKET_URL=${BMA_SOCKET_URL:-http://localhost:$RASA_PORT} .venv/bin/python -m web.app --port "$WEB_PORT" > >(quiet web) 2>&1 &
pids+=($!)
# The staff console reads Rasa's event broker (endpoints.yml: var/events.sqlite3) and BMA_DB_URL;
# its daily purge also reaches the tracker store of the same endpoints file (analytics/privacy.py).
BMA_API_TOKEN=$BMA_API_TOKEN BMA_ENDPOINTS=$ENDPOINTS \
  .venv/bin/python -m console.app --host "$CONSOLE_HOST" --port "$CONSOLE_PORT" > >(quiet console) 2>&1 &
pids+=($!)

for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:$RASA_PORT/" >/dev/null 2>&1; then break; fi
  sleep 1
done
cat <<MSG

  L'assistant BMA est prêt (date de référence : $TODAY_LABEL).
  - Page web :  http://localhost:$WEB_PORT  (bouton « Poser une question à l'assistant »)
  - REST :      curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"moi","message":"bonjour"}'
  - socket.io : http://localhost:$RASA_PORT (canal socketio)
  - Console du personnel : http://$CONSOLE_HOST:$CONSOLE_PORT  (compte : .venv/bin/python -m console.accounts create IDENTIFIANT)
  Ctrl-C pour arrêter.

MSG
wait -n "${pids[@]}"
