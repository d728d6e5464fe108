import LuaBridge

/// The renderer classes a runtime knows, by label: what `registerBackgroundRenderers(manager)`
/// registered, from plugin files or from the running script.
public final class RendererCatalog {
    public struct Entry {
        public let label: String
        public let className: String
        /// The file that registered it ("" for the running script).
        public let file: String
        public let rendererClass: LuaTable
    }

    public private(set) var entries: [Entry] = []
    /// Plugin files that failed to load: `file:line: message` each.
    public private(set) var loadErrors: [String] = []
    public internal(set) var discovered = false

    public func entry(label: String) -> Entry? { entries.first { $0.label == label } }

    public var labels: [String] { entries.map(\.label) }

    func add(_ entry: Entry) {
        entries.removeAll { $0.label == entry.label }
        entries.append(entry)
    }

    func noteLoadError(_ message: String) { loadErrors.append(message) }

    /// An error for an unknown label that lists the known ones.
    public func unknownLabelError(_ label: String) -> String {
        let known = labels.isEmpty ? "none are registered" : "known renderers: " + labels.map { "'\($0)'" }.joined(separator: ", ")
        return "unknown renderer '\(label)' (\(known))"
    }
}

extension ScriptRuntime {
    /// Pushes on `thread` (the main thread by default) a `manager` object whose
    /// `registerBackgroundRenderer(label, Class)` adds to the catalog, attributing the renderers
    /// to `file`.
    func pushRegistrationManager(file: String, on thread: OpaquePointer? = nil) {
        state.pushModule("manager", functions: [
            ("registerBackgroundRenderer", { [unowned self] call in
                // called as manager:registerBackgroundRenderer(label, Class): self is argument 1
                let label = try call.string(2)
                guard !label.isEmpty else { throw LuaArgumentError(position: 1, "the label must not be empty") }
                let rendererClass = try call.table(3)
                let className = (try? rendererClass.get("name", as: String.self)) ?? label
                // may run the class's __index (protected: an error in it counts as no method)
                for method in ["startBackgroundRender", "isRenderFinished"] where rendererClass.function(method) == nil {
                    throw LuaScriptError("registerBackgroundRenderer: class \(className) for '\(label)' has no \(method) method")
                }
                self.renderers.add(.init(label: label, className: className, file: file, rendererClass: rendererClass))
                return 0
            }),
        ], on: thread)
    }

    /// Calls the global `registerBackgroundRenderers(manager)` the running script defined, if any.
    /// Returns false when the script defines none.
    public func registerScriptRenderers(file: String) throws -> Bool {
        guard let register = state.globalFunction("registerBackgroundRenderers") else { return false }
        pushRegistrationManager(file: file)
        let manager = LuaTable(state: state, popping: state.L)
        try register.callDiscarding(manager)
        return true
    }
}
