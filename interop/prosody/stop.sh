#!/usr/bin/env bash
# Stop the Prosody that start.sh started, found by the pid file in its run directory (RUN_DIR, same
# default as start.sh). Stops nothing else; succeeds when it is not running.
set -euo pipefail

RUN_DIR=${RUN_DIR:-${TMPDIR:-/tmp}/gatecheck-prosody}
pidfile=$RUN_DIR/prosody.pid

pid=$(cat "$pidfile" 2>/dev/null || true)
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
  echo "Prosody not running (no live pid in $pidfile)"
  exit 0
fi
# A stale pid file could name an unrelated process that reused the pid: only stop a prosody.
if ! tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q prosody; then
  echo "stop.sh: pid $pid from $pidfile is not a prosody process; leaving it alone" >&2
  exit 1
fi
kill -TERM "$pid"
for _ in $(seq 1 50); do
  kill -0 "$pid" 2>/dev/null || { echo "Prosody stopped (pid $pid)"; exit 0; }
  sleep 0.1
done
echo "stop.sh: Prosody (pid $pid) still running after 5 s" >&2
exit 1
