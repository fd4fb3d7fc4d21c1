#!/usr/bin/env bash
# Builds the Debian package (Release, prefix /usr, no source-tree paths), installs it with
# apt-get on this machine, and checks it as an operator would: the program and its help, man page
# and completion from the installed paths; hash and predict with the installed models from
# another folder; the unit passes systemd-analyze verify; the node starts with the unit's command
# line, user and environment and answers /healthz; then the package is purged again.
# Needs root (CI runs as root). usage: package-test.sh [BUILD_DIR]   (default build-pkg)
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
B=${1:-build-pkg}
pass=0
ok() { pass=$((pass+1)); echo "ok   $*"; }
die() { echo "FAIL $*"; exit 1; }
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "package-test: needs root (dpkg, a system user)"; exit 1; }
  exec sudo -E bash "$0" "$@"
fi
missing=()
for p in dpkg-dev adduser groff-base systemd; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  # systemd (for systemd-analyze) last and on its own: a container that cannot take it still
  # checks everything else, and says the unit's check was skipped
  rest=("${missing[@]/systemd}")
  read -r -a rest <<< "${rest[*]:-}"
  [ "${#rest[@]}" -eq 0 ] ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${rest[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" systemd "* ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null 2>&1 ||
      echo "package-test: systemd could not be installed on this machine"
  fi
fi

start=$(date +%s)
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DXTALPROOF_CUDA=OFF \
  -DXTALPROOF_SOURCE_MODELS=OFF -DXTALPROOF_WERROR=ON > "$B.log" 2>&1 || { cat "$B.log"; exit 1; }
cmake --build "$B" -j "$(nproc)" --target xtalproof_cli xtalproof_shared xtalproof_man >> "$B.log" 2>&1 || { tail -30 "$B.log"; exit 1; }
(cd "$B" && cpack -G DEB >> "../$B.log" 2>&1) || { tail -30 "$B.log"; exit 1; }
deb=$(ls "$B"/xtalproof_*_amd64.deb)
built=$(date +%s)
ok "package built: $deb ($(du -k "$deb" | cut -f1) KiB) in $((built - start)) s"
dpkg-deb -I "$deb" > "$B/control.txt"
grep -q '^ Depends:.*libsecp256k1' "$B/control.txt" && grep -q '^ Depends:.*liblmdb' "$B/control.txt" &&
  grep -q '^ Depends:.*libsymspg' "$B/control.txt" &&
  ok "runtime dependencies declared: $(grep '^ Depends:' "$B/control.txt" | cut -c11- | tr -d '\n' | cut -c1-200)" ||
  die "Depends: $(cat "$B/control.txt")"
dpkg-deb -c "$deb" > "$B/contents.txt"
grep -q './lib/systemd/system/xtalproof-node.service' "$B/contents.txt" && ok "the unit is in the package ($(wc -l < "$B/contents.txt") entries)" || die "no unit"
grep -q ' ./usr/share/doc/xtalproof/copyright$' "$B/contents.txt" &&
  grep -q ' ./usr/share/doc/xtalproof/licenses/3Dmol.txt$' "$B/contents.txt" &&
  ok "the copyright file and the vendored 3Dmol.js's licence are in the package" || die "no copyright file or no 3Dmol licence"

apt-get remove -y -qq --purge xtalproof >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$SRC/$deb" > "$B/install.log" 2>&1 || { cat "$B/install.log"; die "install"; }
installed=$(date +%s)
ok "installed with apt-get in $((installed - built)) s (built and installed in $((installed - start)) s)"
trap 'apt-get remove -y -qq --purge xtalproof >/dev/null 2>&1 || true' EXIT

W=$(mktemp -d)
cd "$W"
[ "$(command -v xtalproof)" = /usr/bin/xtalproof ] && ok "xtalproof on PATH: /usr/bin/xtalproof" || die "not on PATH"
xtalproof version | head -1 | grep -q '^xtalproof ' && ok "version: $(xtalproof version | head -1)" || die "version"
xtalproof hash --help | head -1 | grep -q '^usage: xtalproof hash' && ok "hash --help" || die "help"
man -l /usr/share/man/man1/xtalproof.1 >/dev/null 2>&1 || groff -k -man -Tutf8 /usr/share/man/man1/xtalproof.1 >/dev/null || die "man page"
ok "man page renders"
bash -n /usr/share/bash-completion/completions/xtalproof && ok "completion installed" || die "completion"
cp "$SRC/../shared/data/cgcnn/sample-cifs/1000041.cif" s.cif 2>/dev/null || cp "$SRC"/tests/vectors/*/*.cif s.cif 2>/dev/null || true
[ -f s.cif ] || die "no CIF to hash"
export XTALPROOF_HOME=$W/home
env -u XTALPROOF_MODELS xtalproof hash --json s.cif > h.json && grep -q '"symhash"' h.json && ok "hash from the installed program" || die "hash"
env -u XTALPROOF_MODELS xtalproof models --json > m.json
grep -q '"file":"/usr/share/xtalproof/models/band-gap.xpm"' m.json && ok "models: the installed ones" || die "models: $(cat m.json)"
grep '"name":"band-gap"' m.json | grep -q '"card":{"cardVersion":1' && ok "models: with their installed cards" || die "models: no card: $(cat m.json)"
env -u XTALPROOF_MODELS xtalproof predict --model band-gap --json s.cif | grep -q '"valueQ"' && ok "predict with an installed model" || die "predict"
want=$("$SRC/build/bin/xtalproof" predict --model band-gap --json s.cif 2>/dev/null | grep -o '"traceRoot":"[^"]*"' || true)
got=$(xtalproof predict --model band-gap --json s.cif | grep -o '"traceRoot":"[^"]*"')
[ -z "$want" ] || [ "$want" = "$got" ] && ok "the same trace root as the development build" || die "traceRoot $got vs $want"
[ -f /etc/xtalproof/node.json ] && dpkg-query -W -f='${Conffiles}' xtalproof | grep -q /etc/xtalproof/node.json && ok "config /etc/xtalproof/node.json, a conffile" || die "conffile"
getent passwd xtalproof > /dev/null && ok "system user xtalproof" || die "no user"
ldconfig -p | grep -q 'libxtalproof.so.1 ' && pkg-config --modversion xtalproof > /dev/null &&
  ok "libxtalproof.so.1 known to the loader; pkg-config xtalproof $(pkg-config --modversion xtalproof)" || die "shared library or pkg-config"
[ "$(stat -c '%U %a' /var/lib/xtalproof)" = "xtalproof 700" ] && ok "/var/lib/xtalproof owned by xtalproof, 0700" || die "state dir $(stat -c '%U %a' /var/lib/xtalproof)"

U=/lib/systemd/system/xtalproof-node.service
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$U" > va.txt 2>&1 && ! grep -v 'Cannot add dependency job\|Failed to connect\|proc\|/sys' va.txt | grep -q . && ok "systemd-analyze verify: clean" || die "systemd-analyze: $(cat va.txt)"
else
  echo "SKIP systemd-analyze verify: no systemd-analyze on this machine"
fi
exec_start=$(sed -n 's/^ExecStart=//p' "$U")
user=$(sed -n 's/^User=//p' "$U")
envline=$(sed -n 's/^Environment=//p' "$U")
[ "$user" = xtalproof ] && [ "$envline" = XTALPROOF_HOME=/var/lib/xtalproof ] || die "unit: user $user env $envline"
mkdir -p /run/xtalproof && chown xtalproof:xtalproof /run/xtalproof   # RuntimeDirectory
read -r -a cmd <<< "$exec_start"
setpriv --reuid=xtalproof --regid=xtalproof --init-groups env -i PATH=/usr/bin:/bin "$envline" "${cmd[@]}" > node.out 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s /run/xtalproof/port ] && break; sleep 0.1; done
port=$(cat /run/xtalproof/port 2>/dev/null || true)
[ -n "$port" ] || { cat node.out; kill "$pid"; die "the node wrote no port"; }
[ "$(curl -s "http://127.0.0.1:$port/healthz" | grep -o '"ok"' | head -1)" = '"ok"' ] || curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { cat node.out; kill "$pid"; die "healthz"; }
ok "the node runs as the unit says (user xtalproof, /etc/xtalproof/node.json) and answers /healthz on $port"
[ "$(stat -c %U /var/lib/xtalproof/api-token 2>/dev/null)" = xtalproof ] && ok "its token in /var/lib/xtalproof, owned by xtalproof" || die "token: $(ls -l /var/lib/xtalproof)"
kill -TERM "$pid"; wait "$pid" || true
grep -q 'stopped' node.out && ok "SIGTERM stops it" || die "stop: $(cat node.out)"

cd "$SRC"; rm -rf "$W"
apt-get remove -y -qq --purge xtalproof >/dev/null 2>&1
trap - EXIT
[ ! -e /usr/bin/xtalproof ] && ! getent passwd xtalproof >/dev/null && ok "purged: program and user gone" || die "purge left files or the user"
rm -rf /var/lib/xtalproof
echo "package-test: $pass passed, 0 failed ($(( $(date +%s) - start )) s)"
