"""rscript serve's events under load (issue 12, docs/benchmarks.md).

Writes to the gallery database from this process, as a render process would (one transaction
per change: a metadata row and the render's changeCount/updatedAt), and measures the time from
each commit to its `render` event at every subscriber (spread over --processes client
processes, so that the client's own parsing under one GIL is not what is measured).

  python3 scripts/bench/serve_events.py URL DB PID [--renders N] [--subscribers S] [--processes P] [--rate R] [--seconds T]

PID is the server's, for its CPU use over the run. Prints one JSON object.
"""
import argparse, json, multiprocessing, sqlite3, statistics, threading, time, urllib.request

def subscriber_process(url, count, results, ready, stop):
    """`count` subscribers in one process (threads), so that 50 of them are not 50 threads
    under one GIL: the client's own parsing would be measured, not the server."""
    local_ready = threading.Semaphore(0)
    local_stop = threading.Event()
    times = []  # (sequence number, arrival time); the parent matches them to its commits
    def one():
        request = urllib.request.Request(url + "/api/v1/events")
        with urllib.request.urlopen(request, timeout=120) as stream:
            local_ready.release()
            kind = None
            for raw in stream:
                if local_stop.is_set():
                    return
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "render":
                    now = time.time()
                    seq = json.loads(line[6:]).get("metadata", {}).get("benchSeq")
                    if seq is not None:
                        times.append((int(seq), now))
    threads = [threading.Thread(target=one, daemon=True) for _ in range(count)]
    for t in threads: t.start()
    for _ in threads: local_ready.acquire()
    ready.release()
    stop.wait()
    local_stop.set()
    results.put(times)

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0  # utime + stime, in clock ticks

def main():
    p = argparse.ArgumentParser()
    p.add_argument("url"); p.add_argument("db"); p.add_argument("pid", type=int)
    p.add_argument("--renders", type=int, default=1)
    p.add_argument("--subscribers", type=int, default=1)
    p.add_argument("--rate", type=float, default=20, help="changes per second, all renders together")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--processes", type=int, default=1, help="client processes the subscribers are spread over")
    a = p.parse_args()

    db = sqlite3.connect(a.db, timeout=10, isolation_level=None)
    now = time.time()
    ids = []
    for i in range(a.renders):
        cur = db.execute("BEGIN IMMEDIATE")
        cur = db.execute("""INSERT INTO renders (label, renderer, scene, options, state, startedAt, updatedAt, pid, changeCount)
                            VALUES (?, 'Bench', 'bench.pov', '{}', 'rendering', ?, ?, NULL, 1)""", (f"bench {i}", now, now))
        ids.append(cur.lastrowid)
        db.execute("COMMIT")

    marks = {}
    processes = max(1, min(a.subscribers, a.processes))
    per = [a.subscribers // processes + (1 if i < a.subscribers % processes else 0) for i in range(processes)]
    ready, stop, results = multiprocessing.Semaphore(0), multiprocessing.Event(), multiprocessing.Queue()
    children = [multiprocessing.Process(target=subscriber_process, args=(a.url, n, results, ready, stop), daemon=True) for n in per]
    for c in children: c.start()
    for _ in children: ready.acquire()
    time.sleep(0.5)

    cpu0, wall0 = cpu_seconds(a.pid), time.time()
    interval = 1.0 / a.rate
    seq, next_at, end = 0, time.time(), time.time() + a.seconds
    while time.time() < end:
        rid = ids[seq % len(ids)]
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT OR REPLACE INTO render_metadata (renderId, key, value) VALUES (?, 'benchSeq', ?)", (rid, str(seq)))
        marks[seq] = time.time()
        db.execute("UPDATE renders SET changeCount = changeCount + 1, updatedAt = ? WHERE id = ?", (marks[seq], rid))
        db.execute("COMMIT")
        marks[seq] = time.time()  # from the commit
        seq += 1
        next_at += interval
        delay = next_at - time.time()
        if delay > 0: time.sleep(delay)
    time.sleep(1.0)
    cpu1, wall1 = cpu_seconds(a.pid), time.time()
    stop.set()
    arrivals = []
    for _ in children:
        for seq_, at in results.get(timeout=60):
            if seq_ in marks: arrivals.append(at - marks[seq_])
    for c in children: c.join(timeout=10)

    expected = seq * a.subscribers
    lat = sorted(arrivals)
    def pct(q): return round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 1) if lat else None
    print(json.dumps({
        "renders": a.renders, "subscribers": a.subscribers, "client_processes": processes, "writes": seq, "rate": a.rate,
        "delivered": len(lat), "expected": expected,
        "median_ms": round(statistics.median(lat) * 1000, 1) if lat else None, "p99_ms": pct(0.99), "max_ms": pct(1.0),
        "server_cpu_percent": round(100 * (cpu1 - cpu0) / (wall1 - wall0), 1),
    }))

main()
