import CProcess
import LuaBridge

/// Ctrl-C in the REPL, through the C handler `rscript run` uses (`LuaInterruptHandler`): it
/// interrupts Lua code that is running, counts the signal and wakes the loop. A second Ctrl-C
/// before the REPL has dealt with the first exits at once (status 130).
///
/// At the terminal prompt the handler stays installed (libedit's own handler passes the signal
/// on to it), and `TerminalInput` ends the read when it sees the count; the REPL then drops the
/// line.
enum ReplInterrupt {
    static func install(_ runtime: ScriptRuntime) {
        LuaInterruptHandler.install(on: runtime.state, waking: runtime.scheduler.mailbox.wakeFileDescriptor,
                                    emergencyCleanup: rscript_kill_live_children)
    }

    /// Back to the default action: Ctrl-C ends the process.
    static func uninstall() {
        LuaInterruptHandler.uninstall()
    }

    /// Whether a Ctrl-C arrived since the last `reset`.
    static var pending: Bool { LuaInterruptHandler.count > 0 }

    /// Forgets a Ctrl-C that has been dealt with, and any interrupt request no Lua code consumed.
    static func reset(_ state: LuaState) {
        LuaInterruptHandler.reset()
        state.clearInterrupt()
    }
}
