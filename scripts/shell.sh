#!/usr/bin/env bash
# `rasa shell` for support staff, with the action server alongside.
# DEBUG=1 shows, for each message, the intent, its confidence and the action chosen.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MODEL:?MODEL must name the trained model}"
mkdir -p var
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
SANIC_HOST=${SANIC_HOST:-127.0.0.1} .venv/bin/python -m rasa_sdk --actions actions --port 5055 > var/actions-shell.log 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:5055/health >/dev/null 2>&1 && break; sleep 0.5; done
if [ "${DEBUG:-}" = "1" ]; then
  # Debug logs go to stderr (as JSON when it is not a terminal); keep only what was understood
  # (intent, confidence) and decided (action).
  .venv/bin/rasa shell --model "$MODEL" --endpoints endpoints.yml --debug \
    2> >(sed -u -E -n \
      -e 's/\x1b\[[0-9;]*m//g' \
      -e 's/.*"parse_data_intent": \{"name": "([^"]+)", "confidence": ([0-9]\.[0-9]{2}).*/  [NLU] intent \1 (confiance \2)/p' \
      -e "s/.*Predicted next action '([^']+)' with confidence ([0-9]+\.[0-9]+).*/  [action] \1 (confiance \2)/p" >&2)
else
  .venv/bin/rasa shell --model "$MODEL" --endpoints endpoints.yml 2> >(grep -v -E "Warning|warn|^\s*$" >&2)
fi
