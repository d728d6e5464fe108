import CLuaShim

/// Which standard libraries a state opens.
public enum LuaLibraries: Sendable {
    /// Every standard library: for trusted pipeline scripts.
    case full
    /// For untrusted code: no `io`, `os.execute`/`os.exit`/`os.remove`/`os.rename`/`os.tmpname`/
    /// `os.getenv`, no `package.loadlib` or C searchers, no binary chunks (`load` and `require`
    /// take text only), no `debug`, no `dofile`/`loadfile`.
    case safe
}

/// Per-state limits. Exceeding one raises a Lua error (which `pcall` in Lua cannot swallow for
/// long: the hook raises again) and leaves the state usable.
public struct LuaLimits: Sendable, Equatable {
    /// Bytes the state may hold; 0: no limit.
    public var memoryBytes: Int
    /// VM instructions per entry from Swift (a call, a resume); 0: no limit. Counted in steps of 1000.
    public var instructions: Int64
    /// Wall-clock seconds per entry from Swift; 0: no limit.
    public var deadlineSeconds: Double

    public init(memoryBytes: Int = 0, instructions: Int64 = 0, deadlineSeconds: Double = 0) {
        self.memoryBytes = memoryBytes
        self.instructions = instructions
        self.deadlineSeconds = deadlineSeconds
    }

    public static let none = LuaLimits()
}

/// One Lua state.
///
/// A state is not thread-safe: it belongs to exactly one isolation domain (the runtime's loop
/// thread, or the test that made it) and is never sent elsewhere; the type is deliberately not
/// `Sendable`. Every call that can raise a Lua error runs protected, so no `longjmp` ever crosses
/// a Swift frame; Lua errors come out as thrown `LuaError`s.
///
/// Registry keys owned by rscript: `rscript.null`, `rscript.object` (the installed data markers),
/// `rscript.classes`, and the light-userdata keys of the C shim (function boxes' metatable, the
/// saved traceback).
public final class LuaState {
    /// The main thread's `lua_State*`.
    public let L: OpaquePointer
    /// The shim's bookkeeping for this state (inlined calls pass it to rscript_pcall_info).
    @usableFromInline let info: UnsafeMutablePointer<rscript_state_info>
    // Unchecked: every inlined fast path (LuaFunction.call, LuaTable.get/set) reads this, and a
    // checked read of a class property from another module costs a runtime exclusivity check
    // (swift_beginAccess, ~10 ns, as much as the table read itself). Only close() writes it,
    // with no access held across, and a state is confined to one thread.
    @exclusivity(unchecked) public private(set) var isClosed = false
    public let libraries: LuaLibraries
    /// Registry references of class metatables, per Swift type.
    var classMetatables: [ObjectIdentifier: Int32] = [:]
    var classNames: [ObjectIdentifier: String] = [:]
    /// The identity of the installed null value (see `installDataMarkers`), for fast comparison.
    private(set) var nullPointer: UnsafeRawPointer?
    /// Anything the embedding runtime wants to find from a `LuaCall` (it holds it weakly).
    public weak var owner: AnyObject?

    public init(libraries: LuaLibraries = .full, limits: LuaLimits = .none) throws {
        Self.installCallbacks
        info = .allocate(capacity: 1)
        guard let L = rscript_newstate(info) else {
            info.deallocate()
            throw LuaError(.memory, "cannot create a Lua state")
        }
        self.L = L
        self.libraries = libraries
        luaL_openlibs(L)
        if libraries == .safe { applySafeProfile() }
        installCoroutineForwarding()
        self.limits = limits
        applyLimits()  // `didSet` does not run for assignments in an initializer
    }

    deinit { close() }

    /// Closes the state: runs every pending `__gc`, releases every Swift object and function it
    /// held. References made from it become inert.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        lua_close(L)
        info.deallocate()
    }

    /// Memory, instruction and deadline limits; changing them takes effect at the next entry.
    public var limits: LuaLimits = .none {
        didSet { applyLimits() }
    }

    private func applyLimits() {
        info.pointee.limit = limits.memoryBytes > 0 ? size_t(limits.memoryBytes) : 0
        info.pointee.instruction_budget = limits.instructions
        info.pointee.deadline_span = limits.deadlineSeconds
        rscript_update_hook(L)
    }

    /// Bytes the state holds now, and its high-water mark.
    public var memoryUsed: Int { Int(info.pointee.used) }
    public var memoryPeak: Int { Int(info.pointee.peak) }

    /// Asks running Lua code to stop with an "interrupted" error. Async-signal-safe for the
    /// main thread and `thread`; call it from a signal handler through `interruptHandle`.
    public func interrupt(running thread: OpaquePointer? = nil) {
        rscript_request_interrupt(L)
        if let thread { rscript_request_interrupt(thread) }
    }

    /// Clears a pending interrupt that no Lua code consumed (the loop was idle).
    public func clearInterrupt() {
        info.pointee.interrupt_requested = 0
        rscript_update_hook(L)
    }

    public var stackTop: Int32 { lua_gettop(L) }

    // MARK: - Setup

    private static let installCallbacks: Void = {
        rscript_set_callbacks(swiftFunctionDispatch, swiftObjectRelease)
    }()

    private func applySafeProfile() {
        let code = """
            local loadTextFile = ...
            io = nil; debug = nil; dofile = nil; loadfile = nil
            package.loaded.io = nil; package.loaded.debug = nil
            package.loadlib = nil; package.cpath = ""
            local searchers = package.searchers
            for i = #searchers, 3, -1 do searchers[i] = nil end
            -- Lua's own file searcher would load a binary chunk: this one loads text only.
            local searchpath, pcall, format = package.searchpath, pcall, string.format
            searchers[2] = function(name)
              local path, notFound = searchpath(name, package.path)
              if not path then return notFound end
              local ok, chunk = pcall(loadTextFile, path)
              if not ok then
                error(format("error loading module '%s' from file '%s':\\n\\t%s", name, path, chunk), 0)
              end
              return chunk, path
            end
            local allowed = { clock = true, date = true, difftime = true, time = true }
            for k in pairs(os) do if not allowed[k] then os[k] = nil end end
            local rawload = load
            load = function(chunk, name, mode, env)
              if mode ~= nil and mode ~= "t" then error("load: binary chunks are not allowed", 2) end
              return rawload(chunk, name, "t", env)
            end
            string.dump = nil
            """
        let profile = try! load(code, chunkName: "=safe-profile")
        profile.push()
        push(function: "require") { [unowned self] call in
            call.push(try self.loadFile(try call.string(1)))  // text only: the safe profile's load mode
            return 1
        }
        try! protectedCall(arguments: 1, results: 0)
    }

    /// Installs the two values that `LuaValue` cannot tell by type alone: the value that stands
    /// for `.null`, and the metatable that marks a table as `.object` even when empty. LuaBridge
    /// gives them no meaning of its own and makes neither: the embedder does. Until they are
    /// installed, `.null` pushes as nil, no value reads as `.null`, and
    /// an empty table reads as `.array([])`. Takes the values at the two stack indices of
    /// `thread` (the main thread by default); the stack is unchanged.
    public func installDataMarkers(nullAt nullIndex: Int32, objectMetatableAt markerIndex: Int32, on thread: OpaquePointer? = nil) {
        let L = thread ?? self.L
        let marker = lua_absindex(L, markerIndex)
        lua_pushvalue(L, nullIndex)
        nullPointer = lua_topointer(L, -1)
        lua_setfield(L, rscript_registryindex(), "rscript.null")
        lua_pushvalue(L, marker)
        lua_setfield(L, rscript_registryindex(), "rscript.object")
    }

    /// Pushes the installed null value (nil if none is installed).
    public func pushNull(on thread: OpaquePointer? = nil) {
        lua_getfield(thread ?? L, rscript_registryindex(), "rscript.null")
    }

    /// Pushes the installed metatable that marks a table as an object even when empty (nil if
    /// none is installed).
    public func pushObjectMarker(on thread: OpaquePointer? = nil) {
        lua_getfield(thread ?? L, rscript_registryindex(), "rscript.object")
    }

    @inline(__always)
    func isNull(_ L: OpaquePointer, _ index: Int32) -> Bool {
        lua_type(L, index) == LUA_TUSERDATA && lua_topointer(L, index) == nullPointer
    }
}
