import Foundation

/// One render in the gallery, as read from the database at one moment (Houdini's snapshot).
///
/// A value: it does not change when the render does; read a new one with
/// `GalleryStore.snapshot(id:)`.
public struct RenderSnapshot: Sendable, Hashable {
    /// The render's unique id (Houdini's `_item_id`): never reused, even after `remove`.
    public var id: Int64
    /// The renderer's label, as registered (`"POV-Ray"`).
    public var label: String
    /// The renderer's class name (`"PovRayRenderer"`).
    public var renderer: String
    /// The scene file rendered.
    public var scene: String
    /// The options the render started with (`plugin`, `viewport`, ...), usually an object.
    public var options: JSONValue
    public var state: RenderState
    /// The `updateImagePath` calls, oldest first; the same path may appear many times (each
    /// call is an update). `GalleryStore.list` fills only the latest one; see `imageCount`.
    public var imagePaths: [ImageUpdate]
    /// How many image updates the render has in all (`imagePaths` may hold fewer).
    public var imageCount: Int
    /// The merged `updateMetadata` calls: `totalClockTime` (seconds, float), `percentDone`
    /// (0-100), `peakMemory` (bytes) and any other key.
    public var metadata: [String: JSONValue]
    public var startedAt: Date
    /// When the render finished, failed or stopped (nil while rendering).
    public var endedAt: Date?
    /// When anything about the render last changed.
    public var updatedAt: Date
    public var logPath: String?
    public var workDir: String?
    /// Why the render failed (or was stopped), when known.
    public var error: Failure?
    /// The process of the runtime that runs the render (nil when not recorded).
    public var pid: Int32?
    /// Bumped by every write to this render: compare two to know whether anything changed.
    public var changeCount: Int64

    /// One `updateImagePath` call.
    public struct ImageUpdate: Sendable, Hashable {
        public var path: String
        public var time: Date

        public init(path: String, time: Date) {
            self.path = path
            self.time = time
        }
    }

    /// A failure message and, for a Lua error, its traceback.
    public struct Failure: Sendable, Hashable, Error, CustomStringConvertible {
        public var message: String
        public var traceback: String?

        public init(message: String, traceback: String? = nil) {
            self.message = message
            self.traceback = traceback
        }

        public var description: String {
            guard let traceback, !traceback.isEmpty else { return message }
            return message + "\n" + traceback
        }
    }

    /// The latest image update, if any.
    public var latestImage: ImageUpdate? { imagePaths.last }

    /// `metadata.percentDone` as a number, if set.
    public var percentDone: Double? { metadata["percentDone"]?.doubleValue }

    /// Seconds from start to end; while rendering, to `now`; for an orphan, to its last update.
    public func duration(now: Date = Date()) -> TimeInterval {
        if let endedAt { return endedAt.timeIntervalSince(startedAt) }
        return (isOrphaned ? updatedAt : now).timeIntervalSince(startedAt)
    }

    /// True when the render is still `rendering` but the process that ran it is gone (killed,
    /// crashed): nobody will ever finish it. Checked with `kill(pid, 0)`, so a reused pid can
    /// hide an orphan; a render without a pid is never called orphaned.
    public var isOrphaned: Bool {
        guard state == .rendering, let pid else { return false }
        return !ProcessLiveness.isAlive(pid)
    }

    /// `"rendering (orphaned)"` for an orphan, else the state's raw value.
    public var displayState: String {
        isOrphaned ? "rendering (orphaned)" : state.rawValue
    }
}
