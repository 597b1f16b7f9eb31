#!/usr/bin/env bash
# Start a loopback-only Prosody for gatecheck's interop runs, from the packages of the distribution
# (apt-get install prosody prosody-modules lua-unbound openssl). Everything it writes lives in one
# temporary directory; it returns once Prosody accepts connections. Knobs are environment variables,
# documented in README.md next to this script. stop.sh stops the Prosody this script started.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

RUN_DIR=${RUN_DIR:-${TMPDIR:-/tmp}/gatecheck-prosody}
XMPP_HOST=${XMPP_HOST:-localhost}
C2S_PORT=${C2S_PORT:-5222}
HTTP_PORT=${HTTP_PORT:-5280}
PASSWORD_HASH=${PASSWORD_HASH:-SHA-256}
SASLAUTH=${SASLAUTH:-1}
FAST_TTL=${FAST_TTL:-1814400}
FAST_MIN_TTL=${FAST_MIN_TTL:-86400}
INVITE_EXPIRY=${INVITE_EXPIRY:-604800}
C2S_TIMEOUT=${C2S_TIMEOUT:-300}
RESET=${RESET:-0}
COMPAT=${COMPAT:-auto}
OAUTH2_SRC=${OAUTH2_SRC:-}
OAUTH2_MIRROR=${OAUTH2_MIRROR:-}
OAUTH2_REV=${OAUTH2_REV:-df632295}
OAUTH2_KEY=${OAUTH2_KEY:-gatecheck-interop-oauth2-registration-key}

cfg=$RUN_DIR/prosody.cfg.lua
pidfile=$RUN_DIR/prosody.pid

die() { echo "start.sh: $*" >&2; exit 1; }
# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, no extra tools).
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! command -v prosody >/dev/null || ! command -v prosodyctl >/dev/null; then
  die "Prosody is not installed: run install.sh here, or apt-get install -y prosody prosody-modules lua-unbound openssl"
fi
command -v openssl >/dev/null || die "openssl is not installed (needed for the self-signed certificate)"

if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  [ "$RESET" = 1 ] && die "already running (pid $(cat "$pidfile")); run stop.sh before RESET=1"
  echo "Prosody already running (pid $(cat "$pidfile")), run directory $RUN_DIR"
  exit 0
fi
for port in "$C2S_PORT" "$HTTP_PORT"; do
  # A distribution install may have started a system-wide Prosody on the same ports.
  port_open "$port" && die "127.0.0.1:$port is already in use (a system Prosody? systemctl stop prosody), or pick C2S_PORT/HTTP_PORT"
done

# The 2023 prosody-modules need APIs that only arrived after 0.12 (see compat-0.12/). Apply the
# shims on 0.12.x only; COMPAT=1 or COMPAT=0 overrides the detection.
version=$(prosodyctl about 2>/dev/null | sed -n 's/^Prosody \([0-9][0-9.]*\).*/\1/p' | head -n1 || true)
if [ "$COMPAT" = auto ]; then
  case $version in
    0.12.*) COMPAT=1 ;;
    "") echo "start.sh: could not read the Prosody version from 'prosodyctl about'; no 0.12 shims" >&2; COMPAT=0 ;;
    *) COMPAT=0 ;;
  esac
fi

if [ "$RESET" = 1 ]; then rm -rf "$RUN_DIR/data" "$RUN_DIR/logs"; fi
mkdir -p "$RUN_DIR"/{data,certs,logs,plugins}

# Prosody runs as the 'prosody' user when started as root, so it gets its own copies of the shims and
# plugins (the checkout may sit in a directory that user cannot read).
compat_prelude="-- no 0.12 shims (Prosody ${version:-unknown})"
compat_module=""
rm -f "$RUN_DIR/compat-prelude.lua" "$RUN_DIR/plugins/mod_gatecheck_compat.lua"
if [ "$COMPAT" = 1 ]; then
  cp "$here/compat-0.12/prelude.lua" "$RUN_DIR/compat-prelude.lua"
  cp "$here/compat-0.12/mod_gatecheck_compat.lua" "$RUN_DIR/plugins/"
  compat_prelude="RunScript \"$RUN_DIR/compat-prelude.lua\" -- 0.12 library shims (Prosody $version)"
  compat_module='"gatecheck_compat";'
fi

# mod_http_oauth2 is not in Debian's prosody-modules: take it from a file or a git mirror if given.
oauth2_module=""
rm -rf "$RUN_DIR/plugins/mod_http_oauth2"
if [ -n "$OAUTH2_SRC" ]; then
  [ -f "$OAUTH2_SRC" ] || die "OAUTH2_SRC=$OAUTH2_SRC is not a file"
  mkdir -p "$RUN_DIR/plugins/mod_http_oauth2"
  cp "$OAUTH2_SRC" "$RUN_DIR/plugins/mod_http_oauth2/mod_http_oauth2.lua"
  oauth2_module='"http_oauth2";'
elif [ -n "$OAUTH2_MIRROR" ]; then
  git --git-dir="$OAUTH2_MIRROR" cat-file -e "$OAUTH2_REV:mod_http_oauth2/mod_http_oauth2.lua" ||
    die "no mod_http_oauth2 at $OAUTH2_REV in $OAUTH2_MIRROR"
  # The whole directory: the module reads its html/ templates at run time.
  git --git-dir="$OAUTH2_MIRROR" archive "$OAUTH2_REV" mod_http_oauth2 | tar -x -C "$RUN_DIR/plugins"
  oauth2_module='"http_oauth2";'
fi

saslauth_module='"saslauth";'
[ "$SASLAUTH" = 1 ] || saslauth_module=""   # SASL2 only

# Self-signed certificate for the host, kept across restarts (clients are told to accept it).
crt=$RUN_DIR/certs/$XMPP_HOST.crt key=$RUN_DIR/certs/$XMPP_HOST.key
if [ ! -s "$crt" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout "$key" -out "$crt" \
    -subj "/CN=$XMPP_HOST" -addext "subjectAltName=DNS:$XMPP_HOST,DNS:*.$XMPP_HOST" 2>/dev/null
fi

# Fill the template: every @NAME@ placeholder, by plain string replacement.
config=$(cat "$here/prosody.cfg.lua.in")
for name in RUN_DIR XMPP_HOST C2S_PORT HTTP_PORT PASSWORD_HASH FAST_TTL FAST_MIN_TTL INVITE_EXPIRY C2S_TIMEOUT OAUTH2_KEY; do
  config=${config//@$name@/${!name}}
done
config=${config//@COMPAT_PRELUDE@/$compat_prelude}
config=${config//@COMPAT_MODULE@/$compat_module}
config=${config//@OAUTH2_MODULE@/$oauth2_module}
config=${config//@SASLAUTH_MODULE@/$saslauth_module}
[[ $config =~ @[[:upper:]_]+@ ]] && die "unfilled placeholder ${BASH_REMATCH[0]} in the generated config"
printf '%s\n' "$config" > "$cfg"

# Prosody refuses to run as root: as root, hand the directory to the 'prosody' user the package
# created and start it as that user; otherwise it runs as whoever calls this script.
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  chown -R prosody:prosody "$RUN_DIR"
  run_as=(runuser -u prosody --)
fi
chmod 600 "$key"

pctl=("${run_as[@]}" prosodyctl --config "$cfg")
"${pctl[@]}" check config > "$RUN_DIR/logs/check-config.txt" 2>&1 ||
  { cat "$RUN_DIR/logs/check-config.txt" >&2; die "prosodyctl check config failed"; }

# The suite's accounts; registering an existing account would just reset its password.
for account in admin:adminpass alice:alicepass; do
  user=${account%%:*}
  [ -f "$RUN_DIR/data/$XMPP_HOST/accounts/$user.dat" ] || "${pctl[@]}" register "$user" "$XMPP_HOST" "${account#*:}"
done

"${run_as[@]}" prosody --config "$cfg" -D
for _ in $(seq 1 100); do
  [ -s "$pidfile" ] && port_open "$C2S_PORT" && break
  sleep 0.1
done
if ! { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && port_open "$C2S_PORT"; }; then
  tail -n 20 "$RUN_DIR/logs/prosody.log" >&2 || true
  die "Prosody did not start; logs in $RUN_DIR/logs/"
fi

cat <<EOF
Prosody ${version:-(unknown version)} started, pid $(cat "$pidfile"), 0.12 shims: $([ "$COMPAT" = 1 ] && echo on || echo off)
  run directory: $RUN_DIR (config, data, certs, logs)
  c2s:  127.0.0.1:$C2S_PORT (STARTTLS, self-signed certificate for $XMPP_HOST)
  http: 127.0.0.1:$HTTP_PORT   oauth2: $([ -n "$oauth2_module" ] && echo on || echo off)   legacy SASL: $([ "$SASLAUTH" = 1 ] && echo on || echo off)
  accounts: admin@$XMPP_HOST/adminpass (admin), alice@$XMPP_HOST/alicepass
  invite: ${pctl[*]} mod_invites generate $XMPP_HOST
  stop:   $here/stop.sh
EOF
