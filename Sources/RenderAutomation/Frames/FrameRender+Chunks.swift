import LuaBridge

#if canImport(Glibc)
import Glibc
#endif

extension FrameRender {
    /// Gives queued chunks to free worker slots.
    func fillSlots() {
        guard state == .rendering else { return }
        if farm != nil {
            submitQueued()
            return
        }
        while !queue.isEmpty, let slot = slots.firstIndex(where: { $0 == nil }) {
            let (chunk, attempt) = queue.removeFirst()
            startRun(chunk, attempt: attempt, slot: slot)
        }
    }

    /// The log of a chunk's frames (a retry of the same frames appends to it).
    func logPath(for chunk: FrameChunk) -> String {
        let name = chunk.first == chunk.last
            ? "chunk-\(pad(chunk.first))"
            : "chunk-\(pad(chunk.first))-\(pad(chunk.last))" + (chunk.step == 1 ? "" : "x\(chunk.step)")
        return logFolder + "/" + name + ".log"
    }

    private func pad(_ frame: Int) -> String {
        let digits = String(frame)
        return digits.count >= 4 ? digits : String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// A new run of `chunk` with its plugin object and command, or the error that keeps it
    /// from starting (the run is made either way).
    func prepareRun(_ chunk: FrameChunk, attempt: Int, slot: Int) -> (FrameChunkRun, Result<SpawnSpec, any Error>) {
        let id = nextRunID
        nextRunID += 1
        // The pid keeps two rscripts rendering into one folder apart.
        let workDir = workFolder + "/\(getpid())-\(id)"
        let log = logPath(for: chunk)
        var instance: LuaTable?
        var setupError: (any Error)?
        do {
            try FSFile.makeDirectories(Array(workDir.utf8))
            instance = try plugin.instance(workDir: workDir, id: id, scene: request.scene)
        } catch {
            setupError = error
        }
        let run = FrameChunkRun(id: id, chunk: chunk, attempt: attempt, slot: slot, logPath: log, workDir: workDir, instance: instance)
        do {
            if let setupError { throw setupError }
            guard let instance else { throw FrameRenderError("no plugin object") }
            var spec = try plugin.command(instance, scene: request.scene, chunk: run.luaChunk(span: request.spec.span), output: pattern, options: options)
            spec.logPath = log
            let place = farm == nil ? "worker \(slot)" : "Slurm"
            appendToLog(log, "rscript: chunk \(chunk), attempt \(attempt) of \(request.retries + 1), \(place): "
                + spec.command.map(shellQuoted).joined(separator: " ") + "\n")
            return (run, .success(spec))
        } catch {
            return (run, .failure(error))
        }
    }

    private func startRun(_ chunk: FrameChunk, attempt: Int, slot: Int) {
        let (run, prepared) = prepareRun(chunk, attempt: attempt, slot: slot + 1)
        slots[slot] = run
        do {
            let spec = try prepared.get()
            let process = try runtime.processes.spawn(spec)
            run.execution = process
            runsByProcess[ObjectIdentifier(process)] = run
            notify(.chunkStarted(run))
        } catch {
            let reason = "\(error)"
            appendToLog(run.logPath, "rscript: chunk \(chunk) cannot start: \(reason)\n")
            notify(.chunkStarted(run))
            runEnded(run, reason: reason)
        }
    }

    /// A process exited (any process of the runtime; ours are looked up).
    func processExited(_ process: ManagedProcess) {
        guard let run = runsByProcess.removeValue(forKey: ObjectIdentifier(process)) else { return }
        if let timer = run.killTimer { runtime.scheduler.cancelTimer(timer) }
        // Whatever the renderer left in its group goes with it.
        process.signalGroup(SIGKILL)
        executionEnded(run)
    }

    /// A run's process or Slurm task is over: its last output and images are taken, then it is
    /// settled.
    func executionEnded(_ run: FrameChunkRun) {
        ingest(run)
        verifyPending(run)
        runEnded(run, reason: nil)
    }

    /// Settles a run whose process is gone (or never started): its frames with a fresh, whole
    /// image are done; the others are queued again while attempts remain, else failed.
    func runEnded(_ run: FrameChunkRun, reason startError: String?) {
        if startError == nil {
            for frame in run.remaining where run.pending[frame] == nil {
                let path = framePaths[frame]!
                if isFresh(path, run: run), FrameImage.check(path).isValid { frameFinished(frame, run: run, path: path) }
            }
        }
        if run.slot > 0 { slots[run.slot - 1] = nil }
        removeTree(run.workDir)
        let missing = run.remaining
        if missing.isEmpty {
            notify(.chunkDone(run))
        } else if run.interrupted || wasInterrupted {
            notify(.chunkFailed(run, reason: "interrupted", frames: missing, retry: false))
        } else {
            let reason = startError ?? failureReason(run, missing: missing)
            let retry = run.attempt <= request.retries
            appendToLog(run.logPath, "rscript: chunk \(run.chunk) attempt \(run.attempt) failed: \(reason)\n")
            failures.append((run, reason, !retry))
            if retry {
                for chunk in Self.retryChunks(missing, step: run.chunk.step) { queue.append((chunk, run.attempt + 1)) }
            } else {
                for frame in missing { failed.insert(frame) }
            }
            notify(.chunkFailed(run, reason: reason, frames: missing, retry: retry))
        }
        fillSlots()
        finishIfDone()
    }

    private func failureReason(_ run: FrameChunkRun, missing: [Int]) -> String {
        let program = run.execution.map { Self.programName($0.command) } ?? "renderer"
        var reason: String
        if run.stalled {
            reason = "\(program) printed nothing for \(SecondsText.exact(request.stallSeconds ?? 0)): killed"
        } else if let note = run.execution?.endNote {
            reason = note
        } else if let status = run.execution?.exitStatus, !status.succeeded {
            reason = "\(program) \(status)"
            if let task = run.slurmTask { reason += " (Slurm task \(task.jobName)" + (task.host.map { " on \($0)" } ?? "") + ")" }
        } else {
            let list = FrameChunking.runs(missing, steps: Array(repeating: run.chunk.step, count: missing.count))
                .map(\.description).joined(separator: ",")
            let sample = framePaths[missing[0]]!
            var why = ""
            switch FrameImage.check(sample) {
            case .missing: why = "no image at \(sample)"
            case .empty: why = "\(sample) is empty"
            case .damaged(let what): why = "\(sample): \(what)"
            case .valid: why = "\(sample) was not written by this run"
            }
            reason = "\(program) exited without rendering frame(s) \(list) (\(why))"
        }
        if let error = run.pluginError { reason += ": " + error }
        return reason
    }

    /// The chunks that retry a run's missing frames: its runs of consecutive frames, each one
    /// chunk (they are at most one chunk long).
    static func retryChunks(_ missing: [Int], step: Int) -> [FrameChunk] {
        FrameChunking.runs(missing, steps: Array(repeating: step, count: missing.count))
    }

    static func programName(_ command: [String]) -> String {
        command.first.map { String($0.split(separator: "/").last ?? Substring($0)) } ?? "renderer"
    }

    // MARK: Progress of a run

    /// Feeds what the run's renderer printed since the last call to the plugin's
    /// `parseChunkProgress`. A plugin error there is kept as the run's error and parsing stops
    /// for the run (its frames are still checked when it exits).
    func ingest(_ run: FrameChunkRun) {
        guard let execution = run.execution, let instance = run.instance else { return }
        let lines = execution.takeLines()
        guard !lines.isEmpty, run.pluginError?.hasPrefix("parseChunkProgress") != true else { return }
        let reports: [FrameProgress]
        do {
            reports = try plugin.parse(instance, lines: lines)
        } catch {
            run.pluginError = "parseChunkProgress: \(error)"
            return
        }
        var moved = false
        for report in reports {
            if let error = report.error, run.pluginError == nil { run.pluginError = error }
            guard let frame = report.frame ?? run.currentFrame, run.chunk.frames.contains(frame) else { continue }
            if report.done {
                if !run.done.contains(frame) { run.pending[frame] = report.path ?? framePaths[frame]! }
                continue
            }
            if run.currentFrame != frame {
                run.currentFrame = frame
                run.percent = report.percent ?? 0
                moved = true
            } else if let percent = report.percent, percent != run.percent {
                run.percent = percent
                moved = true
            }
        }
        if moved { notify(.progress(run)) }
    }

    /// Accepts the frames reported done once their image is whole: moves an image the renderer
    /// wrote elsewhere to its place.
    func verifyPending(_ run: FrameChunkRun) {
        for (frame, path) in run.pending.sorted(by: { $0.key < $1.key }) {
            guard isFresh(path, run: run), FrameImage.check(path).isValid else { continue }
            let target = framePaths[frame]!
            if path != target, rename(path, target) != 0 {
                run.pluginError = run.pluginError ?? "cannot move \(path) to \(target): \(String(cString: strerror(errno)))"
                run.pending[frame] = nil
                continue
            }
            run.pending[frame] = nil
            frameFinished(frame, run: run, path: target)
        }
    }

    private func frameFinished(_ frame: Int, run: FrameChunkRun, path: String) {
        guard !run.done.contains(frame) else { return }
        let now = MonotonicClock.now()
        let seconds = now - run.lastDoneAt
        run.lastDoneAt = now
        run.done.insert(frame)
        done.insert(frame)
        frameSeconds += seconds
        if run.currentFrame == frame { run.percent = 100 }
        notify(.frameDone(frame: frame, run: run, seconds: seconds, path: path))
    }

    /// Written since the run started (file times are coarse: 50 ms of slack).
    private func isFresh(_ path: String, run: FrameChunkRun) -> Bool {
        guard let mtime = FrameImage.modificationTime(path) else { return false }
        return mtime >= run.startedWall - 0.05
    }

    // MARK: Files

    func appendToLog(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var text = text
        text.withUTF8 { _ = write(fd, $0.baseAddress, $0.count) }
    }

    /// Removes a scratch folder and what is in it.
    func removeTree(_ path: String) {
        let bytes = Array(path.utf8)
        guard let st = FSPath.status(bytes) else { return }
        if FSPath.isDirectory(st), let names = try? FSFile.list(bytes) {
            for name in names { removeTree(path + "/" + String(decoding: name, as: UTF8.self)) }
        }
        try? FSFile.remove(bytes)
    }

    func removeFolderIfEmpty(_ path: String) {
        rmdir(path)
    }
}

/// A word as a shell would need it (for the command line written at the top of a chunk log).
func shellQuoted(_ word: String) -> String {
    let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "+-_./=:,@%^".contains($0) }
    if safe && !word.isEmpty { return word }
    return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
}
