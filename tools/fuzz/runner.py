"""Runs one Lua script against the real binary, isolated, and says how it ended.

Each run gets a scratch folder of its own: the working folder, HOME, the XDG folders, TMPDIR,
the gallery database (RSCRIPT_DB), the plugin path and the publish root all point into it, so
no run touches the user's files or another run's. The binary runs in a new session (its own
process group); processes it starts get groups of their own, so every process that carries
the run's FUZZ_TAG in its environment is killed at the end, whatever its group.

A run ends in one of:
  wrong   a value sent through a task, a worker, a job or JSON came back changed
  ok      exited by itself (any status: a script error is not a crash), or on the Ctrl-C
          the runner sends once the script printed its last marker
  crash   killed by a signal it did not get from the runner (SIGSEGV, SIGILL, SIGABRT, ...),
          or printed a crash report ("unprotected error", Swift "Fatal error", a backtrace)
  hang    still running STOP_WINDOW (20) s after Ctrl-C: sent after no progress marker for `case_timeout`
          seconds (a case that Ctrl-C then stops only looped or waited, and passes as
          "stalled"), or by the case itself (`F.interrupt`), which must stop at once
"""

import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

# How long a runtime may take to stop after Ctrl-C: its stop hooks get 10 s (a hook may wait
# for a render to exit), then its pools' workers 5 s and 1 s more; the rest is margin.
STOP_WINDOW = 20.0

CRASH_PATTERNS = re.compile(
    r"@@FUZZ crash|bridge bug|unprotected error|PANIC|Fatal error|Illegal instruction|Segmentation fault|Bus error|"
    r"Current stack trace|Program crashed|Crash at|Assertion failed|Precondition failed|"
    r"double free or corruption|corrupted size vs|malloc\(\): |free\(\): invalid|AddressSanitizer|"
    r"Trace/breakpoint trap|Aborted \(core dumped\)|Thread \d+ crashed"
)
CRASH_STATUSES = {132, 133, 134, 135, 136, 138, 139}
KEEP_BYTES = 64 * 1024


class Outcome:
    def __init__(self, kind, status, started, done, finished, output, detail=""):
        self.kind = kind            # "ok", "crash" or "hang"
        self.status = status        # exit status (negative: the signal)
        self.started = started      # case numbers whose "case N" marker was seen, in order
        self.done = done            # case numbers whose "done N" marker was seen
        self.finished = finished    # the script reached F.finish()
        self.output = output        # the tail of stdout and stderr
        self.detail = detail

    @property
    def running(self):
        """The case that was running when the run ended (None if none was)."""
        if getattr(self, "marked", None) is not None:
            return self.marked  # the case in which another process crashed or hung
        for number in reversed(self.started):
            if number not in self.done:
                return number
        return None

    def signature(self):
        """A short text that tells one crash from another (numbers and addresses blanked)."""
        if self.kind == "hang":
            return "hang: " + self.detail
        if self.kind == "wrong":
            return self.detail
        for line in self.output.splitlines():
            if CRASH_PATTERNS.search(line):
                return re.sub(r"0x[0-9a-f]+|\d+", "N", line.strip())[:160]
        return "signal %d" % -self.status if self.status < 0 else "status %d" % self.status


def scratch_root():
    return tempfile.mkdtemp(prefix="rscript-fuzz-")


def _environment(folder, repo, tag, binary):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": os.path.join(folder, "home"),
        "XDG_CONFIG_HOME": os.path.join(folder, "home/.config"),
        "XDG_DATA_HOME": os.path.join(folder, "home/.local/share"),
        "XDG_CACHE_HOME": os.path.join(folder, "home/.cache"),
        "TMPDIR": os.path.join(folder, "tmp"),
        "RSCRIPT_DB": os.path.join(folder, "rscript.db"),
        "RSCRIPT_PLUGIN_PATH": os.path.join(folder, "plugins") + ":&",  # & : the shipped Command renderer
        "RSCRIPT_PUBLISH_ROOT": os.path.join(folder, "publish"),
        "RSCRIPT_HISTORY": os.path.join(folder, "history"),
        "RSCRIPT_HOME": repo,
        # crash reports: the crashed thread in full, nothing else (fast, and fits the kept tail)
        "SWIFT_BACKTRACE": "preset=full,threads=crashed,registers=none,images=none,limit=50,top=10",
        "FUZZ_TAG": tag,
        "FUZZ_BIN": binary,
    }
    for name in ("HOME", "TMPDIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.makedirs(env[name], exist_ok=True)
    return env


# Tags of the runs in progress, so that an interrupted campaign can kill what they started.
ACTIVE_TAGS = set()


def kill_all_active():
    for tag in list(ACTIVE_TAGS):
        _kill_tagged(tag)


def _kill_tagged(tag):
    """SIGKILLs the process group of every process whose environment has FUZZ_TAG=tag."""
    needle = ("FUZZ_TAG=" + tag).encode()
    for _ in range(3):
        found = False
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/environ" % pid, "rb") as f:
                    if needle not in f.read().split(b"\0"):
                        continue
            except OSError:
                continue
            found = True
            for kill in (lambda: os.killpg(os.getpgid(int(pid)), signal.SIGKILL),
                         lambda: os.kill(int(pid), signal.SIGKILL)):
                try:
                    kill()
                except OSError:
                    pass
        if not found:
            return
        time.sleep(0.05)


def run(script, binary, repo, root, case_timeout=20.0, exit_grace=3.0, keep=False, stop_window=STOP_WINDOW):
    """Runs `script` (Lua source) in a new scratch folder under `root`; returns an Outcome."""
    folder = tempfile.mkdtemp(dir=root)
    tag = uuid.uuid4().hex
    env = _environment(folder, repo, tag, binary)
    ACTIVE_TAGS.add(tag)
    try:
        return _run(script, binary, env, folder, tag, case_timeout, exit_grace, keep, stop_window)
    finally:
        _kill_tagged(tag)
        ACTIVE_TAGS.discard(tag)


def _run(script, binary, env, folder, tag, case_timeout, exit_grace, keep, stop_window):
    path = os.path.join(folder, "case.lua")
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(script)
    proc = subprocess.Popen([binary, "run", path], cwd=folder, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    started, done, finished = [], set(), False
    calls = [0, 0]
    child_hang = None
    marked = None
    wrong = None
    interrupt = None
    tails = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    pending = b""
    selector = selectors.DefaultSelector()
    for stream in tails:
        os.set_blocking(stream.fileno(), False)
        selector.register(stream, selectors.EVENT_READ)
    last_progress = time.monotonic()
    interrupted_at = None
    stalled = False
    hang = None
    open_streams = 2
    while True:
        now = time.monotonic()
        if proc.poll() is not None and open_streams == 0:
            break
        if interrupted_at is None:
            limit = exit_grace if finished else case_timeout
            if now - last_progress > limit:
                if finished:
                    # Done, but still running (a legitimate timer or child): Ctrl-C must end it.
                    try:
                        os.kill(proc.pid, signal.SIGINT)
                    except OSError:
                        pass
                    interrupted_at = now
                elif interrupt:
                    hang = "Ctrl-C did not stop it (%s)" % interrupt
                    break
                else:
                    # A script may loop or wait for ever (ipairs over a table whose __index
                    # never returns nil, a wait for a task that never ends): that is the
                    # script's doing. The runtime's fault is not answering Ctrl-C then.
                    try:
                        os.kill(proc.pid, signal.SIGINT)
                    except OSError:
                        pass
                    interrupted_at = now
                    stalled = True
        elif now - interrupted_at > stop_window:
            hang = "no progress for %gs, and " % case_timeout if stalled else ""
            hang += "still running %gs after Ctrl-C" % stop_window
            break
        if proc.poll() is not None and now - last_progress > 2.0 and open_streams:
            break  # exited; a child that inherited the pipes keeps them open
        for key, _ in selector.select(timeout=0.2):
            try:
                data = os.read(key.fileobj.fileno(), 65536)
            except BlockingIOError:
                continue
            if not data:
                selector.unregister(key.fileobj)
                open_streams -= 1
                continue
            tail = tails[key.fileobj]
            tail += data
            if len(tail) > KEEP_BYTES:
                del tail[:len(tail) - KEEP_BYTES]
            if key.fileobj is proc.stderr:
                pending += data
                lines = pending.split(b"\n")
                pending = lines.pop()
                if len(pending) > 4096:
                    pending = pending[-4096:]
                for line in lines:
                    if line.startswith(b"@@FUZZ "):
                        last_progress = time.monotonic()
                        word, _, rest = line[7:].decode("ascii", "replace").partition(" ")
                        if word == "case":
                            started.append(int(rest))
                        elif word == "done":
                            done.add(int(rest))
                        elif word == "interrupt":
                            interrupt = rest
                        elif word == "hang":
                            child_hang = line[7:].decode("utf-8", "replace")
                            marked = marked or (started[-1] if started else None)
                        elif word == "wrong":
                            wrong = wrong or line[7:].decode("utf-8", "replace")
                            marked = marked or (started[-1] if started else None)
                        elif word == "crash":
                            marked = marked or (started[-1] if started else None)
                        elif word == "calls":
                            calls = [int(x) for x in rest.split()]
                        elif word == "finish":
                            finished = True
    selector.close()
    if hang:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        status = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        status = proc.wait()
    for stream in tails:
        stream.close()
    _kill_tagged(tag)
    output = (bytes(tails[proc.stdout]) + b"\n--- stderr ---\n" + bytes(tails[proc.stderr])).decode("utf-8", "replace")
    if child_hang and not hang:
        hang = child_hang
    if hang:
        kind = "hang"
    elif wrong and not CRASH_PATTERNS.search(output) and status >= 0:
        kind = "wrong"
        hang = wrong
    elif (status < 0 and not (interrupted_at and status == -signal.SIGINT)) or status in CRASH_STATUSES \
            or CRASH_PATTERNS.search(output):
        kind = "crash"
    else:
        kind = "ok"
    if not keep:
        subprocess.run(["rm", "-rf", folder], check=False)
    outcome = Outcome(kind, status, started, done, finished, output, hang or "")
    outcome.calls, outcome.returned = calls
    outcome.marked = marked
    outcome.stalled = stalled
    return outcome


def remove_root(root):
    subprocess.run(["rm", "-rf", root], check=False)
    shutil.rmtree(root, ignore_errors=True)
