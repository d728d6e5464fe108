/// An error that came out of Lua, or that the bridge raised on Lua's behalf.
///
/// The message and traceback are copied out of the VM when the error is made, so the error can
/// still be read after the state is closed.
public struct LuaError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A runtime error raised by Lua code or by a Swift function (`LUA_ERRRUN`).
        case runtime
        /// The chunk did not compile (`LUA_ERRSYNTAX`).
        case syntax
        /// An allocation failed; `memoryLimit` when the state's own limit refused it (`LUA_ERRMEM`).
        case memory
        case memoryLimit
        /// The per-entry instruction budget or wall-clock deadline ran out (raised by the hook).
        case instructionLimit
        case deadline
        /// Ctrl-C, or `LuaState.interrupt()`.
        case interrupted
        /// A value could not be converted between Lua and Swift (wrong type, cycle, ...).
        case conversion
        /// A script file could not be read.
        case file
        /// The state was used after `close()`.
        case closed
    }

    public var kind: Kind
    /// The message as Lua gives it, `chunk:line: text` when Lua knew the position.
    public var message: String
    /// `stack traceback:` lines copied from the VM, when the error came from running code.
    public var traceback: String?

    public init(_ kind: Kind, _ message: String, traceback: String? = nil) {
        self.kind = kind
        self.message = message
        self.traceback = traceback
    }

    /// The C shim's code for a limit error (1 budget, 2 deadline, 3 interrupt, 4 memory), or nil
    /// for every other kind: limits are re-raised with their identity when they cross a Swift frame.
    public var limitKind: Int32? {
        switch kind {
        case .instructionLimit: return 1
        case .deadline: return 2
        case .interrupted: return 3
        case .memoryLimit: return 4
        default: return nil
        }
    }

    /// `chunk:line: message`, then the traceback.
    public var description: String {
        guard let traceback, !traceback.isEmpty else { return message }
        return message + "\n" + traceback
    }

    /// The `chunk` and `line` that start the message, if it starts with them.
    public var location: (chunk: String, line: Int)? {
        // Messages look like `path/to/file.lua:12: text`; a path may itself contain ':'.
        var search = message[...]
        while let colon = search.firstIndex(of: ":") {
            let afterColon = message.index(after: colon)
            let digits = message[afterColon...].prefix(while: \.isNumber)
            if !digits.isEmpty, message[digits.endIndex...].hasPrefix(":"), let line = Int(digits) {
                return (String(message[..<colon]), line)
            }
            search = message[afterColon...]
        }
        return nil
    }
}

/// Thrown by a Swift function when an argument has the wrong type or value. The bridge reports it
/// as Lua's auxiliary library does: `bad argument #2 to 'name' (number expected, got string)`.
public struct LuaArgumentError: Error, Sendable {
    public var position: Int32
    public var message: String

    public init(position: Int32, _ message: String) {
        self.position = position
        self.message = message
    }

    public static func typeMismatch(position: Int32, expected: String, got: String) -> LuaArgumentError {
        LuaArgumentError(position: position, "\(expected) expected, got \(got)")
    }
}

/// Thrown by a Swift function to raise a plain Lua error with this message; the caller's
/// `chunk:line:` is put in front of it, as `luaL_error` does.
public struct LuaScriptError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
