import LuaBridge

/// One running (or ended) background render, on the runtime's loop thread. ("Job" means a
/// seed-003 background job, `ManagedJob`, and nothing else.)
public final class BackgroundRender {
    public let id: Int64
    public let label: String
    public let className: String
    public let scene: String
    public let workDir: String
    /// CLOCK_MONOTONIC seconds at start.
    public let startedAt: Double
    public internal(set) var state: RenderState = .rendering
    public internal(set) var error: String?
    public internal(set) var metadata: [String: LuaValue] = [:]
    public internal(set) var imagePaths: [String] = []
    /// Every process the render started (running or not).
    public internal(set) var processes: [ManagedProcess] = []

    var task: LuaScheduler.Task?
    var stopReason: StopReason?
    var clicks: [(x: Double, y: Double)] = []
    var pollToken: LuaScheduler.WakeToken?
    var pollTimer: Int?
    var timeoutTimer: Int?
    /// Metadata keys the plugin set itself: the runtime does not overwrite them.
    var pluginKeys: Set<String> = []
    /// Set while the render waits for its leftover processes to die before it ends.
    var pendingEnd: (state: RenderState, error: String?, processes: Int)?
    var finishedWaiters: [(BackgroundRender) -> Void] = []
    /// The control channel that routes other processes' commands here, while the render runs.
    var controlListener: ControlListener?
    /// The end is in the recorder (landed in the database) and was announced to the waiters.
    public internal(set) var endAnnounced = false
    /// Called on the loop thread after each change (progress lines of the CLI).
    public var observers: [(BackgroundRender, RenderEvent) -> Void] = []

    public enum StopReason: Equatable, Sendable {
        case user, timeout(Double), interrupt
    }

    public enum RenderEvent: Sendable {
        case metadata, image(String), ended
    }

    init(id: Int64, label: String, className: String, scene: String, workDir: String) {
        self.id = id
        self.label = label
        self.className = className
        self.scene = scene
        self.workDir = workDir
        startedAt = MonotonicClock.now()
    }

    public var percentDone: Double? { metadata["percentDone"]?.doubleValue }
    public var latestImage: String? { imagePaths.last }
    public var elapsed: Double { MonotonicClock.now() - startedAt }
    public var stopRequested: Bool { stopReason != nil }

    /// Runs `action` once the render has ended and its end is recorded (at once if it has).
    public func whenEnded(_ action: @escaping (BackgroundRender) -> Void) {
        if endAnnounced { action(self) } else { finishedWaiters.append(action) }
    }

    func notify(_ event: RenderEvent) {
        for observer in observers { observer(self, event) }
    }
}
