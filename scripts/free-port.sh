# Sourced by scripts/demo.sh and tests/cli/lib.sh.
# free_port: a loopback port with nothing listening there, random in 20000-31999 (below the
# ephemeral ports, 32768 and up, that connections take); fails if 50 tries find none.
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}
