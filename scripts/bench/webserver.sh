#!/usr/bin/env bash
# The web server against its limits, side by side in one run (issue 11, docs/benchmarks.md):
#  1. GET /hello from a Lua urlHandler vs the same page answered by Swift on the same
#     Hummingbird server (/swift-hello), alternating;
#  2. POST /api (a Lua apiFunction, two kwargs) vs the same function in Flask (threaded=True);
#  3. the idle server's CPU and RSS, and its peak RSS across a 200 MB upload.
#   bash scripts/bench/webserver.sh [RSCRIPT] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RSCRIPT=${1:-.build-release/release/rscript}
SECS=${2:-8}
CONN=${3:-64}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
python3 -c "import flask" 2>/dev/null || { echo "needs Flask: python3 -m pip install flask" >&2; exit 1; }
WORK=$(mktemp -d)
export RSCRIPT_DB="$WORK/gallery.db"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

"$RSCRIPT" run scripts/bench/webserver_server.lua 0 2>"$WORK/server.err" &
server=$!; pids+=("$server")
for _ in $(seq 100); do grep -q "listening on" "$WORK/server.err" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/server.err" | head -1)
[ -n "$PORT" ] || { cat "$WORK/server.err" >&2; exit 1; }
FLASK_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 scripts/bench/webserver_flask.py "$FLASK_PORT" 2>"$WORK/flask.err" &
pids+=("$!")
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$FLASK_PORT/" && break; sleep 0.1; done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
TICK=$(getconf CLK_TCK)

# 3a. Idle, before any load.
t0=$(cpu_ticks "$server"); sleep 10; t1=$(cpu_ticks "$server")
idle_cpu=$(echo "scale=3; ($t1 - $t0) * 100 / $TICK / 10" | bc -l)
idle_rss=$(rss_kb "$server")

cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "cmd_function=bench.add&a=1&b=2"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
# "RPS P99_MS" of one wrk run.
measure() {
  local out; out=$(wrk -t2 -c"$CONN" -d"${SECS}s" --latency "$@")
  local rps p99 unit
  rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
  read -r p99 unit < <(echo "$out" | awk '$1 == "99%" {v=$2; u=v; gsub(/[0-9.]/, "", u); gsub(/[a-z]/, "", v); print v, u}')
  case "$unit" in us) p99=$(echo "scale=3; $p99 / 1000" | bc -l);; s) p99=$(echo "$p99 * 1000" | bc -l);; esac
  echo "$rps $p99"
}
check() { [ "$(curl -s "$@")" != "" ] || { echo "no answer from $*" >&2; exit 1; }; }
check "http://127.0.0.1:$PORT/hello"; check "http://127.0.0.1:$PORT/swift-hello"
check -d 'cmd_function=bench.add&a=1&b=2' "http://127.0.0.1:$PORT/api"
check -d 'cmd_function=bench.add&a=1&b=2' "http://127.0.0.1:$FLASK_PORT/api"

# 1. Lua page vs Swift page, alternating, two rounds each.
swift=(); lua=()
for _ in 1 2; do
  read -r r _ < <(measure "http://127.0.0.1:$PORT/swift-hello"); swift+=("$r")
  read -r r _ < <(measure "http://127.0.0.1:$PORT/hello"); lua+=("$r")
done
# 2. /api: rscript vs Flask.
read -r api_rps api_p99 < <(measure -s "$WORK/post.lua" "http://127.0.0.1:$PORT/api")
read -r flask_rps flask_p99 < <(measure -s "$WORK/post.lua" "http://127.0.0.1:$FLASK_PORT/api")

# 3b. Idle again after the load, and the peak RSS across a 200 MB upload.
sleep 2
t0=$(cpu_ticks "$server"); sleep 10; t1=$(cpu_ticks "$server")
idle_cpu_after=$(echo "scale=3; ($t1 - $t0) * 100 / $TICK / 10" | bc -l)
idle_rss_after=$(rss_kb "$server")
truncate -s 200M "$WORK/upload.bin"
hwm_before=$(hwm_kb "$server")
up_start=$(date +%s.%N)
uploaded=$(curl -s -F "scene=@$WORK/upload.bin" "http://127.0.0.1:$PORT/upload")
up_secs=$(echo "$(date +%s.%N) - $up_start" | bc -l)
hwm_after=$(hwm_kb "$server")

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (a[int((NR+1)/2)] + a[int(NR/2)+1]) / 2}'; }
ms=$(median "${swift[@]}"); ml=$(median "${lua[@]}")
printf 'wrk -t2 -c%d -d%ds, one server, same run (%s)\n' "$CONN" "$SECS" "$RSCRIPT"
printf '  GET /hello       Lua %9.0f req/s   Swift %9.0f req/s   Lua/Swift %.2f  (target >= 0.80)\n' "$ml" "$ms" "$(echo "$ml / $ms" | bc -l)"
printf '  POST /api        rscript %7.0f req/s p99 %6.2f ms   Flask %7.0f req/s p99 %6.2f ms   rscript/Flask %.1fx  (target >= 5x, p99 < 5 ms)\n' \
  "$api_rps" "$api_p99" "$flask_rps" "$flask_p99" "$(echo "$api_rps / $flask_rps" | bc -l)"
printf '  idle server      CPU %.2f%% of a core, RSS %.1f MB (after the load: %.2f%%, %.1f MB)  (target < 1%%, < 40 MB)\n' \
  "$idle_cpu" "$(echo "$idle_rss / 1024" | bc -l)" "$idle_cpu_after" "$(echo "$idle_rss_after / 1024" | bc -l)"
printf '  200 MB upload    %s in %.1f s, peak RSS %.1f -> %.1f MB (+%.1f MB)\n' "$uploaded" "$up_secs" \
  "$(echo "$hwm_before / 1024" | bc -l)" "$(echo "$hwm_after / 1024" | bc -l)" "$(echo "($hwm_after - $hwm_before) / 1024" | bc -l)"
