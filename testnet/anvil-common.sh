# Shared by anvil-up, anvil-down and anvil-status; sourced, not run.
#
# One local chain is one instance folder (default testnet/run/anvil-PORT/) holding
#   anvil.pid   the process id of the anvil started there
#   anvil.log   its output
#   state.json  its chain state (anvil --state: loaded at start if present, written at exit)
#
# Options, each also an environment variable (the option wins):
#   --port N        ANVIL_PORT       default 8545
#   --chain-id N    ANVIL_CHAIN_ID   default 31337
#   --dir DIR       ANVIL_DIR        default testnet/run/anvil-PORT
#   --state FILE    ANVIL_STATE      default DIR/state.json; "none" keeps no state
#   --wait SECONDS  ANVIL_WAIT       default 30 (anvil-up: how long to wait for JSON-RPC)

TESTNET_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ANVIL_BIN=${ANVIL_BIN:-$TESTNET_DIR/node_modules/.bin/anvil}
PROG=$(basename "$0")

die() { echo "$PROG: $*" >&2; exit "${EXIT_CODE:-1}"; }

usage() {
  cat <<EOF
usage: $PROG [--port N] [--chain-id N] [--dir DIR] [--state FILE|none] [--wait SECONDS]
  defaults: port 8545, chain id 31337, dir testnet/run/anvil-PORT, state DIR/state.json
  environment: ANVIL_PORT ANVIL_CHAIN_ID ANVIL_DIR ANVIL_STATE ANVIL_WAIT
EOF
}

parse_args() {
  PORT=${ANVIL_PORT:-8545}
  CHAIN_ID=${ANVIL_CHAIN_ID:-31337}
  DIR=${ANVIL_DIR:-}
  STATE=${ANVIL_STATE:-}
  WAIT=${ANVIL_WAIT:-30}
  while [ $# -gt 0 ]; do
    case $1 in
      --port) [ $# -ge 2 ] || { usage >&2; EXIT_CODE=2 die "--port needs a value"; }; PORT=$2; shift 2 ;;
      --port=*) PORT=${1#*=}; shift ;;
      --chain-id) [ $# -ge 2 ] || { usage >&2; EXIT_CODE=2 die "--chain-id needs a value"; }; CHAIN_ID=$2; shift 2 ;;
      --chain-id=*) CHAIN_ID=${1#*=}; shift ;;
      --dir) [ $# -ge 2 ] || { usage >&2; EXIT_CODE=2 die "--dir needs a value"; }; DIR=$2; shift 2 ;;
      --dir=*) DIR=${1#*=}; shift ;;
      --state) [ $# -ge 2 ] || { usage >&2; EXIT_CODE=2 die "--state needs a value"; }; STATE=$2; shift 2 ;;
      --state=*) STATE=${1#*=}; shift ;;
      --wait) [ $# -ge 2 ] || { usage >&2; EXIT_CODE=2 die "--wait needs a value"; }; WAIT=$2; shift 2 ;;
      --wait=*) WAIT=${1#*=}; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; EXIT_CODE=2 die "unknown argument: $1" ;;
    esac
  done
  [[ $PORT =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || EXIT_CODE=2 die "bad port: $PORT"
  [[ $CHAIN_ID =~ ^[0-9]+$ ]] && [ "$CHAIN_ID" -ge 1 ] || EXIT_CODE=2 die "bad chain id: $CHAIN_ID"
  [[ $WAIT =~ ^[0-9]+$ ]] || EXIT_CODE=2 die "bad wait: $WAIT"
  [ -n "$DIR" ] || DIR=$TESTNET_DIR/run/anvil-$PORT
  [ -n "$STATE" ] || STATE=$DIR/state.json
  PID_FILE=$DIR/anvil.pid
  LOG_FILE=$DIR/anvil.log
  URL=http://127.0.0.1:$PORT
}

# The pid from the pid file if that process is alive and is an anvil; empty otherwise.
live_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 0
  pid=$(tr -dc '0-9' < "$PID_FILE")
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  # Guard against a recycled pid: the process must be an anvil.
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'anvil' || return 0
  echo "$pid"
}

# rpc METHOD: prints the JSON-RPC result (a quoted hex string becomes bare), fails if none.
rpc() {
  local body
  body=$(curl -s --max-time 2 -H 'Content-Type: application/json' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":[]}" "$URL" 2>/dev/null) || return 1
  [[ $body =~ \"result\":\"?([^\",}]*) ]] || return 1
  echo "${BASH_REMATCH[1]}"
}

# Whether something listens on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}
