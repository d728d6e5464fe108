/// The renders' side of the control channel (`ControlListener`): each render recorded in a
/// gallery database is offered to this process's listener for that database when it starts,
/// withdrawn when it ends, and the commands that arrive run here, on the loop.
extension RenderManager {
    /// Offers `job` to the control channel when it is recorded in a gallery database (renders
    /// kept in memory have no id another process could know).
    func offerToControlChannel(_ job: BackgroundRender) {
        guard let gallery = (try? recorder) as? GalleryRecorder else { return }
        job.controlListener = ControlListener.offer(render: job.id, database: gallery.databasePath,
                                                    mailbox: runtime.scheduler.mailbox)
    }

    func withdrawFromControlChannel(_ job: BackgroundRender) {
        job.controlListener?.withdraw(render: job.id)
        job.controlListener = nil
    }

    /// Runs a command that came over the control channel. Only a live render of this runtime
    /// takes one; the answer says so otherwise.
    func apply(_ command: RenderControlCommand) -> ControlAnswer {
        guard let job = jobs[command.render], !job.state.isEnded else {
            return Self.notRunning(command.render, pid: ProcessLiveness.current)
        }
        switch command {
        case .stop:
            stop(job)
        case .click(_, let x, let y):
            click(job, x: x, y: y)
        }
        return .ok
    }

    static func notRunning(_ id: Int64, pid: Int32) -> ControlAnswer {
        .failure(.notRunning, "render \(id) is not running in process \(pid)")
    }
}
