"""visionsim's own Blender pool, the peer side (v) of scripts/bench/blender_persistent.lua.

    $VENV/bin/python visionsim_pool.py SCENE OUT [--mode pool|spawn] [--jobs 2] [--frames 24]
        [--timeout 60] [--blender-site DIR] [--logs DIR] [--kill-after S]

Renders frames 1..N of SCENE into OUT/frames with `--jobs` Blender servers, the way visionsim's
documentation shows, spawn and discovery included:
- `--mode pool`: `BlenderClients.pool(jobs)`, one task per server, each task a contiguous half of
  the frames (`client.initialize(scene, out)`, then `client.render_frames(half)`), as the two
  plain `blender -a` halves of side (b) split them;
- `--mode spawn`: `BlenderClients.spawn(jobs)`, then `clients.initialize` and
  `clients.render_animation()`, which deals the frames round-robin and waits for them in a busy loop.

With `--timeout` > 0 visionsim discovers its servers through rpyc's UDP registry (as the issue's
measurement did); with `--timeout -1` it hands each server a port instead.

visionsim sets no thread count: SCENE must carry it (render.threads_mode = "FIXED"), which the
bench arranges with a copy of its scene.

`--kill-after S` kills the first Blender S seconds in (scripts/bench/blender_kill.lua's test):
visionsim then fails, and the line says how many frames were written.

The servers are `blender -b --python-use-system-env --python visionsim/simulate/blender.py`: they
import numpy and rpyc in Blender's own Python, found through PYTHONPATH=--blender-site (from
visionsim_venv.sh). That goes into the environment the servers inherit, not this process's, whose
own numpy is the venv's.

Prints one line, `visionsim: spawn S render R total T frames N (...)`, seconds from just before
the spawn to the end of visionsim's with-block; exits 1 when a frame is missing, with the servers' log tails if they died.
"""

import argparse
import os
import subprocess
import signal
import sys
import threading
import time
from pathlib import Path


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("scene")
    p.add_argument("out")
    p.add_argument("--mode", choices=("pool", "spawn"), default="pool")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--frames", type=int, default=24)
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--blender-site")
    p.add_argument("--logs")
    p.add_argument("--kill-after", type=float, help="SIGKILL the first Blender this many seconds in (the kill test)")
    return p.parse_args()


def server_logs(logs):
    """The end of each server's stderr: when a server dies at import, visionsim only times out."""
    if not logs:
        return "(run with --logs DIR to keep the servers' output)"
    lines = []
    for f in sorted(Path(logs).glob("job*/std*.log")):
        tail = f.read_text(errors="replace").strip().splitlines()[-8:]
        lines.append("--- %s\n%s" % (f, "\n".join(tail)))
    return "\n".join(lines) or "(no server logs in %s)" % logs


class TrackedPopen(subprocess.Popen):
    """visionsim's Popen, remembered: on the way out it signals its Blenders but does not wait for
    them, and a Blender still exiting would take CPU from the bench's next side."""

    started = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        TrackedPopen.started.append(self)


def render_half(client, scene, out, frames):
    client.initialize(scene, out)
    return len(client.render_frames(frames)["frames"])


def main():
    args = parse()
    if args.blender_site:
        os.environ["PYTHONPATH"] = args.blender_site + os.pathsep + os.environ.get("PYTHONPATH", "")
    subprocess.Popen = TrackedPopen
    from visionsim.simulate.blender import BlenderClients

    scene, out = str(Path(args.scene).resolve()), str(Path(args.out).resolve())
    frames = list(range(1, args.frames + 1))
    half = (len(frames) + args.jobs - 1) // args.jobs
    chunks = [frames[i:i + half] for i in range(0, len(frames), half)]
    spawn_args = dict(jobs=args.jobs, timeout=args.timeout, log_dir=args.logs)

    t0 = time.monotonic()
    spawned = None
    if args.kill_after:
        def kill():
            time.sleep(args.kill_after)
            if TrackedPopen.started and TrackedPopen.started[0].poll() is None:
                os.kill(TrackedPopen.started[0].pid, signal.SIGKILL)
                print("visionsim: killed Blender %d at %.1f s" % (TrackedPopen.started[0].pid, time.monotonic() - t0),
                      file=sys.stderr)
        threading.Thread(target=kill, daemon=True).start()
    try:
        if args.mode == "pool":
            with BlenderClients.pool(**spawn_args) as pool:
                spawned = time.monotonic()
                counts = pool.starmap(render_half, [(scene, out, c) for c in chunks])
            rendered = sum(counts)
        else:
            with BlenderClients.spawn(**spawn_args) as clients:
                spawned = time.monotonic()
                clients.initialize(scene, out)
                rendered = len(clients.render_animation(frame_start=1, frame_end=args.frames)["frames"])
    except Exception as e:
        written = len(list(Path(out, "frames").glob("frame_*")))
        print("visionsim: %s failed after %.1f s, %d of %d frames written: %s: %s\n%s" % (
              args.mode, time.monotonic() - t0, written, args.frames, type(e).__name__, e, server_logs(args.logs)),
              file=sys.stderr)
        return 1
    t1 = time.monotonic()
    for p in TrackedPopen.started:
        p.wait(timeout=30)
    t2 = time.monotonic()

    written = sorted(Path(out, "frames").glob("frame_*"))
    print("visionsim: spawn %.2f render %.2f total %.2f frames %d (its Blenders gone %.2f s later)" % (
        spawned - t0, t1 - spawned, t1 - t0, len(written), t2 - t1))
    if rendered != args.frames or len(written) != args.frames:
        print("visionsim: %d frames reported, %d written, %d asked for" % (rendered, len(written), args.frames),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
