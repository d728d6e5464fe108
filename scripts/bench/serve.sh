#!/usr/bin/env bash
# rscript serve against its targets (issue 12, docs/benchmarks.md):
#  1. event latency, from a database write in another process to the SSE subscriber: one render,
#     one subscriber, 20 writes a second (median target < 100 ms, p99 < 250 ms);
#  2. load: 50 subscribers, 200 renders updating at once (200 writes a second): latency and the
#     server's CPU;
#  3. GET /api/v1/renders?limit=100 with 10,000 renders in the database, with wrk.
#   bash scripts/bench/serve.sh [RSCRIPT] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RSCRIPT=${1:-.build-release/release/rscript}
SECS=${2:-10}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
WORK=$(mktemp -d)
DB="$WORK/gallery.db"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

"$RSCRIPT" serve --port 0 --db "$DB" 2>"$WORK/server.err" &
server=$!
for _ in $(seq 200); do grep -q "listening on" "$WORK/server.err" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/server.err" | head -1)
[ -n "$PORT" ] || { cat "$WORK/server.err" >&2; exit 1; }
URL="http://127.0.0.1:$PORT"

echo "== 1. event latency: 1 render, 1 subscriber, 20 writes/s, ${SECS}s"
python3 scripts/bench/serve_events.py "$URL" "$DB" "$server" --renders 1 --subscribers 1 --rate 20 --seconds "$SECS"
echo "== 2. load: 200 renders, 50 subscribers, 200 writes/s, ${SECS}s"
python3 scripts/bench/serve_events.py "$URL" "$DB" "$server" --renders 200 --subscribers 50 --processes 5 --rate 200 --seconds "$SECS"

echo "== 3. GET /api/v1/renders?limit=100 with 10,000 renders (wrk -t2 -c16 -d${SECS}s)"
python3 - "$DB" <<'PY'
import sqlite3, sys, time, json
db = sqlite3.connect(sys.argv[1], isolation_level=None)
now = time.time()
have = db.execute("SELECT COUNT(*) FROM renders").fetchone()[0]
db.execute("BEGIN IMMEDIATE")
for i in range(have, 10000):
    cur = db.execute("""INSERT INTO renders (label, renderer, scene, options, state, startedAt, endedAt, updatedAt, changeCount)
                        VALUES (?, 'POV-Ray', 'shot.pov', '{"viewport":{"res_x":640,"res_y":480}}', 'finished', ?, ?, ?, 5)""",
                     (f"shot {i}", now - 100, now - 50, now - 50))
    rid = cur.lastrowid
    db.execute("INSERT INTO render_images (renderId, path, time) VALUES (?, ?, ?)", (rid, f"/renders/{rid}/image.png", now - 50))
    for key, value in (("percentDone", 100), ("peakMemory", 123456789), ("totalClockTime", 50.2), ("pass", "done")):
        db.execute("INSERT INTO render_metadata (renderId, key, value) VALUES (?, ?, ?)", (rid, key, json.dumps(value)))
db.execute("COMMIT")
PY
sleep 1
wrk -t2 -c16 -d"${SECS}s" "$URL/api/v1/renders?limit=100" | grep -E "Requests/sec|Latency|requests in"
