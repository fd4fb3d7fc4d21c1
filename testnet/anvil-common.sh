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
#   --block-time N  ANVIL_BLOCK_TIME default 0: a block per transaction; N > 0: a block every N s
#   --impl NAME     ANVIL_IMPL       default anvil; hardhat (Hardhat's node, run with the Node 22
#                                    of testnet/hardhat) or ganache (at Shanghai rules), both from
#                                    testnet/hardhat; same accounts (the default mnemonic's keys)
#                                    and no state file (--state none)
# down and status find the implementation an instance runs in DIR/impl.

TESTNET_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ANVIL_BIN=${ANVIL_BIN:-$TESTNET_DIR/node_modules/.bin/anvil}
HARDHAT_DIR=$TESTNET_DIR/hardhat
PROG=$(basename "$0")

die() { echo "$PROG: $*" >&2; exit "${EXIT_CODE:-1}"; }

usage() {
  cat <<EOF
usage: $PROG [--port N] [--chain-id N] [--dir DIR] [--state FILE|none] [--wait SECONDS]
       [--block-time N] [--impl anvil|hardhat|ganache]
  defaults: port 8545, chain id 31337, dir testnet/run/anvil-PORT, state DIR/state.json (anvil),
  block time 0 (a block per transaction), impl anvil
  environment: ANVIL_PORT ANVIL_CHAIN_ID ANVIL_DIR ANVIL_STATE ANVIL_WAIT ANVIL_BLOCK_TIME ANVIL_IMPL
EOF
}

parse_args() {
  PORT=${ANVIL_PORT:-8545}
  CHAIN_ID=${ANVIL_CHAIN_ID:-31337}
  DIR=${ANVIL_DIR:-}
  STATE=${ANVIL_STATE:-}
  WAIT=${ANVIL_WAIT:-30}
  BLOCK_TIME=${ANVIL_BLOCK_TIME:-0}
  IMPL=${ANVIL_IMPL:-}
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
      --block-time) [ $# -ge 2 ] || { usage >&2; EXIT_CODE=2 die "--block-time needs a value"; }; BLOCK_TIME=$2; shift 2 ;;
      --block-time=*) BLOCK_TIME=${1#*=}; shift ;;
      --impl) [ $# -ge 2 ] || { usage >&2; EXIT_CODE=2 die "--impl needs a value"; }; IMPL=$2; shift 2 ;;
      --impl=*) IMPL=${1#*=}; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; EXIT_CODE=2 die "unknown argument: $1" ;;
    esac
  done
  [[ $PORT =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || EXIT_CODE=2 die "bad port: $PORT"
  [[ $CHAIN_ID =~ ^[0-9]+$ ]] && [ "$CHAIN_ID" -ge 1 ] || EXIT_CODE=2 die "bad chain id: $CHAIN_ID"
  [[ $WAIT =~ ^[0-9]+$ ]] || EXIT_CODE=2 die "bad wait: $WAIT"
  [ -n "$DIR" ] || DIR=$TESTNET_DIR/run/anvil-$PORT
  [[ $BLOCK_TIME =~ ^[0-9]+$ ]] || EXIT_CODE=2 die "bad block time: $BLOCK_TIME"
  # down/status: the implementation the instance was started with
  [ -n "$IMPL" ] || IMPL=$(cat "$DIR/impl" 2>/dev/null) || true
  IMPL=${IMPL:-anvil}
  case $IMPL in
    anvil) [ -n "$STATE" ] || STATE=$DIR/state.json ;;
    hardhat|ganache)
      [ -z "$STATE" ] || [ "$STATE" = none ] || EXIT_CODE=2 die "$IMPL keeps no state file: give --state none"
      STATE=none ;;
    *) EXIT_CODE=2 die "bad implementation: $IMPL (anvil, hardhat or ganache)" ;;
  esac
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
  # Guard against a recycled pid: the process must be the chain started there.
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$IMPL" || return 0
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

# The command line of the chain to start, into CMD (an array); READY and READY_N: it has
# written its accounts and keys to its log once READY is on READY_N lines there.
chain_command() {
  local node=$HARDHAT_DIR/node_modules/.bin/node bin=$HARDHAT_DIR/node_modules/.bin
  case $IMPL in
    anvil)
      [ -x "$ANVIL_BIN" ] || die "no anvil at $ANVIL_BIN (run scripts/bootstrap.sh)"
      CMD=("$ANVIL_BIN" --host 127.0.0.1 --port "$PORT" --chain-id "$CHAIN_ID")
      [ "$STATE" = none ] || CMD+=(--state "$STATE")
      [ "$BLOCK_TIME" = 0 ] || CMD+=(--block-time "$BLOCK_TIME")
      READY='^Listening on' READY_N=1 ;;
    hardhat)
      [ -x "$node" ] && [ -f "$bin/hardhat" ] || die "no Hardhat in $HARDHAT_DIR/node_modules (run scripts/bootstrap.sh)"
      # hardhat.config.js reads the chain id and the block interval from these
      export HARDHAT_CHAIN_ID=$CHAIN_ID HARDHAT_BLOCK_TIME=$BLOCK_TIME
      export HARDHAT_DISABLE_TELEMETRY_PROMPT=true DO_NOT_TRACK=1 NO_COLOR=1
      CMD=("$node" "$bin/hardhat" --config "$HARDHAT_DIR/hardhat.config.js" node --hostname 127.0.0.1 --port "$PORT")
      # the same warning above and below the list
      READY='^WARNING: Funds sent' READY_N=2 ;;
    ganache)
      [ -f "$bin/ganache" ] || die "no ganache in $HARDHAT_DIR/node_modules (run scripts/bootstrap.sh)"
      CMD=(node "$bin/ganache" --server.host 127.0.0.1 --server.port "$PORT" --chain.chainId "$CHAIN_ID"
        --chain.hardfork shanghai --wallet.mnemonic "test test test test test test test test test test test junk"
        --wallet.totalAccounts 10 --wallet.defaultBalance 10000 --miner.blockTime "$BLOCK_TIME")
      READY='Listening on' READY_N=1 ;;
  esac
}
