#!/usr/bin/env bash
# The support staff's terminal chat (scripts/staff_shell.py): starts the action server and a Rasa
# server on 127.0.0.1 with the guarded REST channel (passwords masked, length limit, as on the web),
# then chats. A number alone picks a button of the last answer; anything else is sent as typed.
# DEBUG=1 shows, for each message, the intent, its confidence and the action chosen.
# Extra arguments go to the client (e.g. --endpoints FILE, --log-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MODEL:?MODEL must name the trained model}"
mkdir -p var
debug=()
if [ "${DEBUG:-}" = "1" ]; then debug=(--debug); fi
exec .venv/bin/python -m scripts.staff_shell --model "$MODEL" "${debug[@]}" "$@"
