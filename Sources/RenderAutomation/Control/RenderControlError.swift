/// Why a command did not reach a live render (thrown by `RenderControlClient.send`). The
/// `description` is the whole message for a person; `kind` tells the cases apart.
public struct RenderControlError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A struct, so that new kinds do not break callers' switches.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The process that owned the render is gone (killed, crashed): nothing will ever
        /// answer for it. (REST: 409.)
        public static let processGone = Kind("processGone")
        /// The process is alive but the render is not live in it (it ended, or never ran
        /// there). (REST: 409.)
        public static let notRunning = Kind("notRunning")
        /// The process is alive but has no control channel (no socket to connect to: an older
        /// rscript, or one whose listener could not start). (REST: 502.)
        public static let noChannel = Kind("noChannel")
        /// The listener answered with an error: the command was malformed, or the client runs
        /// as another user. (REST: 502; the message is the listener's.)
        public static let refused = Kind("refused")
        /// No answer in time, or the process's loop was too busy to take the command (which it
        /// may still apply later). (REST: 504.)
        public static let timedOut = Kind("timedOut")
    }

    public let kind: Kind
    /// The render the command was for.
    public let render: Int64
    /// The process it was sent to.
    public let pid: Int32
    public let message: String

    public init(_ kind: Kind, render: Int64, pid: Int32, message: String) {
        self.kind = kind
        self.render = render
        self.pid = pid
        self.message = message
    }

    public var description: String { message }

    static func processGone(render: Int64, pid: Int32) -> RenderControlError {
        RenderControlError(.processGone, render: render, pid: pid, message: "process \(pid), which owned render \(render), is gone")
    }
}
