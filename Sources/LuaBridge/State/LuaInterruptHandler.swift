import CLuaShim

/// Ctrl-C for one state, through the C handler in CLuaShim (a signal handler may touch only a
/// few atomics, so it lives in C). A SIGINT asks the Lua code running on the state to raise
/// "interrupted" at its next instruction, counts the signal and wakes the loop. A second SIGINT
/// exits at once with status 130, and so does a first one that nothing acknowledges within 2 s
/// (code the hooks cannot reach: a looping `__gc` finalizer, a long C call).
public enum LuaInterruptHandler {
    /// Installs the handler for `state`, writing to `wakeFileDescriptor` (the loop's mailbox).
    /// `emergencyCleanup` runs before an exit that cannot wait for the loop; it must be
    /// async-signal-safe (it kills the children's process groups, say).
    public static func install(on state: LuaState, waking wakeFileDescriptor: Int32,
                               emergencyCleanup: (@convention(c) () -> Void)?) {
        rscript_install_sigint(state.L, wakeFileDescriptor, emergencyCleanup)
    }

    /// Back to the default action: Ctrl-C ends the process.
    public static func uninstall() { rscript_uninstall_sigint() }

    /// How many SIGINTs arrived since install or the last `reset`.
    public static var count: Int { Int(rscript_sigint_count()) }

    /// Forgets the SIGINTs so far: they have been dealt with.
    public static func reset() { rscript_sigint_reset() }

    /// Says the latest SIGINT reached the runtime (its loop turned), so the watchdog stands down.
    public static func acknowledge() { rscript_acknowledge_interrupt() }
}
