"""tools/fuzz.sh: random Lua scripts against the real rscript binary.

    tools/fuzz.sh [CASES] [--seed S]... [--bin PATH] [--out DIR] [--jobs N] [--batch N]
    tools/fuzz.sh --replay FILE...      run reproducers (a saved crash, or a regression case)
    tools/fuzz.sh --check-surface       only the surface check and the runner's self-test

CASES cases per seed (default 2000); seeds default to 1. `--seed daily` is the date (UTC), so
CI covers new ground every day while the fixed seed keeps its runs comparable. Cases run in
batches (one process each); a batch that crashes or hangs is re-run case by case to find the
smallest set of cases that does it, which is saved under --out (default fuzz-crashes/) as a
script that runs on its own. Before fuzzing, the surface is checked and every case in
tools/fuzz/regressions/ is replayed. The last line is `N passed, M failed`; the exit status
is 1 when M > 0.
"""

import argparse
import concurrent.futures
import datetime
import glob
import os
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generator  # noqa: E402
import runner  # noqa: E402
import surface  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
PRELUDE = surface.prelude_source()


def script_of(cases, header=""):
    return header + PRELUDE + "\nF.begin()\n" + "".join(cases) + "F.finish()\n"


def is_full_script(text):
    return "F = {}" in text


class Campaign:
    def __init__(self, args, entries, classes, root):
        self.args, self.entries, self.classes, self.root = args, entries, classes, root
        self.lock = threading.Lock()
        self.passed = 0
        self.stalled = 0          # batches that stopped progressing, then ended at Ctrl-C
        self.failures = []        # (seed, case numbers, outcome)
        self.signatures = {}      # signature -> reproducers saved
        self.runs = 0
        self.calls = self.returned = 0
        self.minimized = 0
        self.stopping = False
        self.last_report = time.monotonic()

    def run(self, script):
        outcome = runner.run(script, self.args.bin, REPO, self.root, case_timeout=self.args.timeout)
        with self.lock:
            self.runs += 1
            self.calls += outcome.calls
            self.returned += outcome.returned
        return outcome

    def cases(self, seed, numbers):
        return [generator.case_source(seed, n, self.entries, self.classes) for n in numbers]

    def fails(self, seed, numbers, kind):
        outcome = self.run(script_of(self.cases(seed, numbers)))
        return outcome if outcome.kind == kind else None

    def minimize(self, seed, before, culprit, kind):
        """The fewest cases (ending with `culprit`) that still give `kind`, and their outcome."""
        with self.lock:
            self.minimized += 1
            if self.minimized > self.args.max_minimize or self.stopping:
                return None, None  # enough found: keep the batch as it is
        alone = self.fails(seed, [culprit], kind)
        if alone:
            return [culprit], alone
        if kind == "hang":
            return None, None  # each try costs a whole timeout
        kept = list(before)
        whole = self.fails(seed, kept + [culprit], kind)
        if not whole:
            return None, None
        chunk = max(1, len(kept) // 2)
        tries = 0
        while chunk >= 1 and kept and tries < 10:
            progress = False
            for start in range(0, len(kept), chunk):
                tries += 1
                trial = kept[:start] + kept[start + chunk:]
                outcome = self.fails(seed, trial + [culprit], kind)
                if outcome:
                    kept, whole, progress = trial, outcome, True
                    break
            if not progress:
                if chunk == 1:
                    break
                chunk //= 2
        return kept + [culprit], whole

    def record(self, seed, numbers, outcome, minimized):
        signature = outcome.signature()
        with self.lock:
            self.failures.append((seed, numbers, outcome))
            saved = self.signatures.setdefault(signature, [])
            if len(saved) >= 3:
                return
            os.makedirs(self.args.out, exist_ok=True)
            name = "%s-%s-%d" % (outcome.kind, seed, numbers[-1])
            path = os.path.join(self.args.out, name + ".lua")
            saved.append(path)
        header = ("-- rscript fuzz %s (seed %s, case%s %s)%s\n-- signature: %s\n"
                  "-- replay: tools/fuzz.sh --replay %s   (or: rscript run %s in an empty folder)\n") % (
            outcome.kind, seed, "s" if len(numbers) > 1 else "", ",".join(map(str, numbers)),
            "" if minimized else ", NOT minimized: did not reproduce on its own", signature, path,
            os.path.basename(path))
        with open(path, "w", encoding="utf-8") as f:
            f.write(script_of(self.cases(seed, numbers), header))
        with open(os.path.join(self.args.out, name + ".txt"), "w", encoding="utf-8") as f:
            f.write("status %s\n%s\n" % (outcome.status, outcome.output))

    def batch(self, seed, numbers):
        """Runs the cases `numbers`; returns the ones to run again (cut off by an early end)."""
        outcome = self.run(script_of(self.cases(seed, numbers)))
        if outcome.kind == "ok" and getattr(outcome, "stalled", False):
            with self.lock:
                self.stalled += 1
        if outcome.kind == "ok":
            done = [n for n in numbers if n in outcome.done]
            with self.lock:
                self.passed += len(done)
            rest = [n for n in numbers if n not in outcome.done]
            if rest and outcome.running is not None:
                # the script ended inside a case without crashing (it exited): that case passed
                with self.lock:
                    self.passed += 1
                rest = [n for n in rest if n != outcome.running]
            elif rest and outcome.finished:
                with self.lock:
                    self.passed += len(rest)
                rest = []
            return rest
        culprit = outcome.running
        if culprit is None:
            # died after the last case (at exit): blame the last one, minimize over the rest
            culprit = numbers[-1]
        before = [n for n in numbers[:numbers.index(culprit)] if n in outcome.done]
        minimal, minimal_outcome = self.minimize(seed, before, culprit, outcome.kind)
        self.record(seed, minimal or numbers, minimal_outcome or outcome, minimal is not None)
        finished = [n for n in numbers if n in outcome.done and n != culprit]
        with self.lock:
            self.passed += len(finished)
        # the cases that did not get to run go into another batch
        return [n for n in numbers if n not in outcome.done and n != culprit]

    def progress(self, seed, total):
        """Prints how far the campaign got, at most once a minute (long runs)."""
        now = time.monotonic()
        if now - self.last_report < 60:
            return
        self.last_report = now
        with self.lock:
            print("  seed %s: %d of %d cases, %d failed" % (seed, self.passed + len(self.failures), total,
                                                          len(self.failures)), flush=True)

    def campaign(self, seed, count):
        queue = list(range(1, count + 1))
        size = self.args.batch
        batches = [queue[i:i + size] for i in range(0, len(queue), size)]
        attempts = {}
        pool = concurrent.futures.ThreadPoolExecutor(self.args.jobs)
        try:
            pending = {pool.submit(self.batch, seed, b) for b in batches}
            while pending:
                finished, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
                self.progress(seed, count)
                for future in finished:
                    rest = future.result()
                    again = []
                    for n in rest:
                        attempts[n] = attempts.get(n, 0) + 1
                        if attempts[n] > 2:
                            with self.lock:
                                self.passed += 1  # ran twice and ended the process both times
                        else:
                            again.append(n)
                    for i in range(0, len(again), size):
                        pending.add(pool.submit(self.batch, seed, again[i:i + size]))
        except KeyboardInterrupt:
            # stop: no new batches, no more minimizing; the running ones end within a timeout
            self.stopping = True
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()


def replay(args, files, root):
    """Runs each reproducer; returns (passed, failed)."""
    passed = failed = 0
    for path in files:
        text = open(path, encoding="utf-8").read()
        script = text if is_full_script(text) else script_of([text])
        outcome = runner.run(script, args.bin, REPO, root, case_timeout=args.timeout)
        if outcome.kind == "ok":
            passed += 1
        else:
            failed += 1
            print("FAILED: %s: %s (%s)" % (os.path.relpath(path), outcome.kind, outcome.signature()))
            tail = outcome.output[-1500:]
            print("  " + tail.replace("\n", "\n  "))
    return passed, failed


# Scripts whose outcome is known, to show the runner tells the kinds apart (`--self-test`,
# run before every campaign): if it calls a crash "ok", a campaign of "0 failed" means nothing.
SELF_TESTS = [
    ("crash", 'F.case(1, "direct", function() F.mod("rscript.process").spawn({ "sh", "-c", "kill -SEGV $PPID" }) '
              'F.mod("rscript.time").sleep(5) end)'),
    ("crash", 'F.case(1, "direct", function() F.mark("crash another process: killed by SIGSEGV") end)'),
    # stopped (SIGSTOP), it cannot answer the Ctrl-C the runner sends when it stalls
    ("hang", 'F.case(1, "direct", function() os.execute("kill -STOP $PPID") end)'),
    # a script that loops for ever stalls, and Ctrl-C ends it: the script's doing, not a hang
    ("ok", 'F.case(1, "direct", function() while true do end end)'),
    ("ok", 'F.case(1, "direct", function() error("a script error is not a crash") end)'),
    ("ok", 'F.case(1, "direct", function() F.mod("rscript.task").spawn(function() F.mod("rscript.time").sleep(60) end) end)'),
]


def self_test(args, root):
    """Runs SELF_TESTS; returns the problems (empty when the runner classifies each right)."""
    problems = []
    for expected, case in SELF_TESTS:
        # the crash report of a debug build takes seconds; the loops need short timeouts
        timeout = 3 if "while true" in case or "STOP" in case else args.timeout
        outcome = runner.run(script_of([case + "\n"]), args.bin, REPO, root, case_timeout=timeout, exit_grace=1,
                             stop_window=3)
        if outcome.kind != expected:
            problems.append("self-test: expected %s, got %s (%s) for %s" % (expected, outcome.kind, outcome.signature(), case))
    return problems


def parse_seed(text):
    if text == "daily":
        return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    return text


def main():
    parser = argparse.ArgumentParser(prog="tools/fuzz.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="?", type=int, default=2000, help="cases per seed (default 2000)")
    parser.add_argument("--seed", action="append", help="a seed, or 'daily' (repeatable; default 1)")
    parser.add_argument("--bin", default=os.path.join(REPO, ".build/debug/rscript"), help="the rscript binary")
    parser.add_argument("--out", default=os.path.join(REPO, "fuzz-crashes"), help="where reproducers go")
    parser.add_argument("--jobs", type=int, default=2, help="batches run at once (default 2)")
    parser.add_argument("--batch", type=int, default=20, help="cases per process (default 20)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a case may go without progress (default 30)")
    parser.add_argument("--max-minimize", type=int, default=25, help="failures to minimize (default 25)")
    parser.add_argument("--replay", nargs="+", metavar="FILE", help="run these reproducers only")
    parser.add_argument("--check-surface", action="store_true", help="only the surface check and the runner's self-test")
    parser.add_argument("--no-regressions", action="store_true", help="skip tools/fuzz/regressions/")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)
    if not os.access(args.bin, os.X_OK):
        print("tools/fuzz.sh: no rscript binary at %s (swift build first, or --bin PATH)" % args.bin)
        return 2
    root = runner.scratch_root()
    try:
        if args.replay:
            passed, failed = replay(args, args.replay, root)
            print("%d passed, %d failed" % (passed, failed))
            return 1 if failed else 0
        started = time.monotonic()
        found = surface.read(args.bin, REPO, root)
        entries, classes, modules = found.entries, found.classes, found.modules
        problems = found.problems + surface.check(found, REPO) + self_test(args, root)
        swift = sum(1 for e in entries if found.is_swift(e))
        print("surface: %d modules, %d classes, %d entries (%d Swift)" % (len(modules), len(classes), len(entries), swift))
        unhinted = [generator.entry_id(e) for e in entries if generator.kinds_for(generator.entry_id(e)) is None]
        if unhinted:
            print("note: %d entries have no argument hints (random arguments only): %s" % (
                len(unhinted), ", ".join(unhinted[:10])))
        for problem in problems:
            print("PROBLEM: " + problem)
        if args.check_surface:
            print("%d passed, %d failed" % (0 if problems else 1, 1 if problems else 0))
            return 1 if problems else 0
        passed = failed = 0
        if not args.no_regressions:
            files = sorted(glob.glob(os.path.join(HERE, "regressions/*.lua")))
            passed, failed = replay(args, files, root)
            print("regressions: %d passed, %d failed" % (passed, failed))
        # Swift functions are where a crash can hide: they get three times the calls.
        weighted = [e for e in entries for _ in range(3 if found.is_swift(e) else 1)]
        campaign = Campaign(args, weighted, classes, root)
        interrupted = False
        for seed in [parse_seed(s) for s in (args.seed or ["1"])]:
            before = campaign.passed + len(campaign.failures)
            t0 = time.monotonic()
            try:
                campaign.campaign(seed, args.cases)
            except KeyboardInterrupt:
                interrupted = True
            ran = campaign.passed + len(campaign.failures) - before
            print("seed %s: %d cases in %.0fs%s" % (seed, ran, time.monotonic() - t0,
                                                   " (interrupted)" if interrupted else ""))
            if interrupted:
                break
        by_signature = {}
        for seed, numbers, outcome in campaign.failures:
            by_signature.setdefault(outcome.signature(), []).append("%s/%s" % (seed, numbers[-1]))
        for signature, cases in sorted(by_signature.items(), key=lambda kv: -len(kv[1])):
            print("FAILED x%d: %s (cases %s%s)" % (len(cases), signature, ", ".join(cases[:5]),
                                                   ", ..." if len(cases) > 5 else ""))
            for path in campaign.signatures.get(signature, [])[:1]:
                print("  reproducer: %s" % os.path.relpath(path))
        passed += campaign.passed
        failed += len(campaign.failures) + len(problems)
        print("%d processes, %d calls (%d returned, the rest raised), %d stalled until Ctrl-C, %.0fs" % (
            campaign.runs, campaign.calls, campaign.returned, campaign.stalled, time.monotonic() - started))
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed or interrupted else 0
    finally:
        runner.remove_root(root)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        runner.kill_all_active()
        print("interrupted")
        sys.exit(130)
