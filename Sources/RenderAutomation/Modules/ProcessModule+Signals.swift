import LuaBridge

/// A signal as a script names it: a number (1 to 64) or a name such as "TERM" (see SignalName).
extension ProcessModule {
    static func signalArgument(_ call: LuaCall, position: Int32, default value: Int32) throws -> Int32 {
        if call.isNoneOrNil(position) { return value }
        if call.luaType(position) == .number {
            let n = try call.integer(position)
            guard n > 0 && n < 65 else { throw LuaArgumentError(position: position - 1, "no signal number \(n)") }
            return Int32(n)
        }
        let name = try call.string(position)
        guard let number = SignalName.number(of: name) else {
            throw LuaArgumentError(position: position - 1, "unknown signal '\(name)'")
        }
        return number
    }
}
