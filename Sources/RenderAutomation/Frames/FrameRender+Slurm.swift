#if canImport(Glibc)
import Glibc
#endif

/// `--farm slurm`: queued chunks go to Slurm as one job array per batch; each poll follows
/// every array at once. A run takes a worker slot when its task starts on a node, and leaves
/// it when Slurm reports the task over, so the bars, events and records are those of a local
/// render.
extension FrameRender {
    /// Submits every queued chunk: one array (split at MaxArraySize). A chunk that cannot be
    /// prepared, or a batch Slurm refuses, fails like a chunk whose renderer cannot start.
    func submitQueued() {
        guard let farm, !queue.isEmpty else { return }
        let batch = queue
        queue.removeAll()
        var ready: [(FrameChunkRun, SpawnSpec)] = []
        var failures: [(FrameChunkRun, String)] = []
        // The failures are settled last: settling one may end the render or submit its retry.
        defer { for (run, reason) in failures { failBeforeStart(run, reason: reason) } }
        for (chunk, attempt) in batch {
            let (run, prepared) = prepareRun(chunk, attempt: attempt, slot: 0)
            switch prepared {
            case .success(let spec): ready.append((run, spec))
            case .failure(let error): failures.append((run, "\(error)"))
            }
        }
        guard !ready.isEmpty else { return }
        let began = MonotonicClock.now()
        let before = farm.arrays.count
        defer {
            let arrays = Array(farm.arrays.dropFirst(before))
            let tasks = ready.filter { $0.0.slurmTask?.arrayJob != nil }.count
            if !arrays.isEmpty { notify(.submitted(arrays: arrays, tasks: tasks, seconds: MonotonicClock.now() - began)) }
        }
        do {
            let files = try farm.taskFiles(count: ready.count)
            var tasks: [SlurmChunkTask] = []
            var specs: [SlurmTaskFiles.Spec] = []
            for ((run, spec), file) in zip(ready, files) {
                var environment: [String: String] = [:]
                for (key, value) in spec.environment { if let value { environment[key] = value } }
                let task = SlurmChunkTask(files: file, command: spec.command, logPath: run.logPath)
                run.execution = task
                tasks.append(task)
                specs.append(SlurmTaskFiles.Spec(argv: spec.command, directory: spec.directory,
                                                 environment: environment, logPath: run.logPath))
            }
            try farm.submit(tasks, specs: specs)
        } catch {
            // Those submitted before the refusal go on; the others fail now.
            for (run, _) in ready where run.slurmTask?.arrayJob == nil {
                appendToLog(run.logPath, "rscript: chunk \(run.chunk) cannot be submitted: \(error)\n")
                failures.append((run, "\(error)"))
            }
        }
        for (run, _) in ready where run.slurmTask?.arrayJob != nil { farmRuns.append(run) }
    }

    private func failBeforeStart(_ run: FrameChunkRun, reason: String) {
        occupySlot(run)
        notify(.chunkStarted(run))
        runEnded(run, reason: reason)
    }

    /// Puts a run in a free slot, adding one when all are taken.
    private func occupySlot(_ run: FrameChunkRun) {
        if let free = slots.firstIndex(where: { $0 == nil }) {
            slots[free] = run
            run.slot = free + 1
        } else {
            slots.append(run)
            run.slot = slots.count
        }
    }

    func schedulePoll() {
        let interval = request.slurm?.pollInterval ?? 1
        pollTimer = runtime.scheduler.after(interval) { [weak self] in
            guard let self else { return }
            self.pollTimer = nil
            self.pollFarm()
            if !self.isEnded { self.schedulePoll() }
        }
    }

    /// One poll: runs whose task started take a slot; runs whose task is over are settled.
    func pollFarm() {
        guard let farm else { return }
        let (started, ended) = farm.poll()
        for task in started {
            guard let run = farmRuns.first(where: { $0.slurmTask === task }), run.slot == 0 else { continue }
            task.markStarted()
            run.markStarted()
            occupySlot(run)
            notify(.chunkStarted(run))
        }
        for task in ended {
            guard let index = farmRuns.firstIndex(where: { $0.slurmTask === task }) else { continue }
            let run = farmRuns.remove(at: index)
            if run.slot == 0 {
                run.markStarted()
                occupySlot(run)
                notify(.chunkStarted(run))
            }
            executionEnded(run)
        }
    }

    /// squeue calls made so far (one per poll, however many arrays).
    public var slurmPollCount: Int { farm?.pollCount ?? 0 }
    /// The job ids of the arrays submitted.
    public var slurmArrays: [Int] { farm?.arrays ?? [] }
}
