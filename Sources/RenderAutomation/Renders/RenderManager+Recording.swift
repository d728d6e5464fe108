import LuaBridge

/// What the plugin reports while it renders (images, metadata) and the writes that record it.
extension RenderManager {
    func updateImagePath(_ job: BackgroundRender, _ path: String) {
        job.imagePaths.append(path)
        record { try $0.appendImage(id: job.id, path: path) }
        job.notify(.image(path))
    }

    func updateMetadata(_ job: BackgroundRender, _ patch: [String: LuaValue]) {
        for (key, value) in patch {
            job.metadata[key] = value
            job.pluginKeys.insert(key)
        }
        fillRuntimeMetadata(job, force: true, extra: patch)
        job.notify(.metadata)
    }

    /// totalClockTime and peakMemory, unless the plugin sets them itself.
    ///
    /// The peak is sampled from /proc (at most every 5 s per process) only when it is about to
    /// be written or someone watches the render (a progress printer); otherwise a poll skips
    /// the read, and the peak is at most `metadataFlushInterval` old when a script reads it.
    /// Why: 500 renders polled each second made 100 /proc reads a second for a figure written
    /// every 30 s (VmHWM is the kernel's running maximum, so a later read loses nothing but the
    /// growth after it).
    func fillRuntimeMetadata(_ job: BackgroundRender, force: Bool, extra: [String: LuaValue] = [:]) {
        var patch = extra
        if !job.pluginKeys.contains("totalClockTime") {
            let clock = LuaValue.double((job.elapsed * 1000).rounded() / 1000)
            job.metadata["totalClockTime"] = clock
            patch["totalClockTime"] = clock
        }
        let now = MonotonicClock.now()
        let flushDue = force || now - (lastFlush[job.id] ?? 0) >= metadataFlushInterval
        if !job.pluginKeys.contains("peakMemory") && (flushDue || !job.observers.isEmpty) {
            let peak = job.processes.map { $0.peakRss(maxAge: force ? 0 : 5) }.max() ?? 0
            if peak > 0 {
                job.metadata["peakMemory"] = .int(Int64(peak))
                patch["peakMemory"] = .int(Int64(peak))
            }
        }
        guard flushDue else { return }
        lastFlush[job.id] = now
        record { try $0.mergeMetadata(id: job.id, patch) }
    }

    func record(_ write: (RenderRecorder) throws -> Void) {
        do {
            try write(try recorder)
        } catch {
            runtime.errorReporter("rscript: cannot record the render: \(error)")
        }
    }
}
