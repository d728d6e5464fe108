import LuaBridge

#if canImport(Glibc)
@preconcurrency import Glibc  // `stdout`
#endif

/// How `rscript repl` behaves.
public struct ReplOptions: Sendable {
    /// The history file; nil: `$RSCRIPT_HISTORY` (empty: none), else `~/.rscript_history`.
    public var historyFile: String?
    /// Whether to keep history in a file at all.
    public var savesHistory = true
    /// Terminal mode (libedit, prompts, banner); nil: when standard input is a terminal.
    public var interactive: Bool?

    public init(historyFile: String? = nil, interactive: Bool? = nil) {
        self.historyFile = historyFile
        self.interactive = interactive
    }
}

/// The interactive Lua prompt of `rscript repl`, in the manner of `lua5.4`'s.
///
/// Lines are read with libedit on a terminal (editing, history, tab completion) and plainly
/// otherwise, without prompts. Each complete chunk runs as a task on the runtime's scheduler,
/// and the REPL runs the loop until that task has finished, so chunks may wait
/// (`time.sleep`) and tasks they spawn make progress. Errors print as `stdin:1: message` and a
/// traceback, and the REPL goes on.
///
/// Confined to the runtime's thread. Installs a SIGINT handler while it runs.
public final class Repl {
    public let runtime: ScriptRuntime
    public let options: ReplOptions
    /// The task of the chunk that is running now.
    private var running: LuaScheduler.Task?
    /// Reading from a terminal: the SIGINT handler stays installed throughout (libedit needs
    /// it); otherwise it is installed only while Lua code runs, and Ctrl-C at a read ends
    /// the process.
    private var interactive = false

    public init(runtime: ScriptRuntime, options: ReplOptions = ReplOptions()) {
        self.runtime = runtime
        self.options = options
    }

    /// Reads and runs chunks until `:quit` or end of input; returns the exit status (0, or 1
    /// if the REPL could not start).
    public func run() -> Int32 {
        interactive = options.interactive ?? (isatty(0) != 0)
        let printer: ResultPrinter
        do {
            printer = try ResultPrinter(state: runtime.state)
        } catch {
            StandardError.write("rscript: cannot start the REPL: \(error)\n")
            return 1
        }
        let reader: LineReader
        if interactive {
            let historyFile = options.savesHistory ? options.historyFile ?? LineEditor.defaultHistoryFile() : nil
            reader = LineEditor(
                historyFile: historyFile,
                completer: ReplCompleter(state: runtime.state),
                interruptDescriptor: runtime.scheduler.mailbox.wakeFileDescriptor
            )
            ReplInterrupt.install(runtime)
            let info = RuntimeInfo.current
            print("rscript \(info.version) (\(info.luaVersion))  :help for help, Ctrl-D to quit")
            fflush(nil)
        } else {
            reader = PlainLineReader()
        }
        let savedOnTurn = runtime.scheduler.onTurn
        runtime.scheduler.onTurn = { [unowned self] in self.noticeInterrupt() }
        defer {
            runtime.scheduler.onTurn = savedOnTurn
            ReplInterrupt.uninstall()
            reader.saveHistory()
        }

        let compiler = ChunkCompiler(state: runtime.state)
        var lines: [String] = []
        while true {
            ReplInterrupt.reset(runtime.state)
            let input = reader.readLine(prompt: lines.isEmpty ? "> " : ">> ")
            switch input {
            case .endOfFile:
                if interactive { print() }
                if lines.isEmpty {
                    finish()
                    return 0
                }
                // As lua5.4: end of input inside a chunk reports it unfinished.
                if case .incomplete(let error) = compiler.compile(lines) { report(error.message) }
                lines = []
            case .interrupted:
                print()
                lines = []
            case .line(let line):
                if lines.isEmpty, let command = MetaCommand(line: line) {
                    reader.addHistory(line)
                    if perform(command) { continue }
                    finish()
                    return 0
                }
                reader.addHistory(line)
                lines.append(line)
                switch compiler.compile(lines) {
                case .incomplete:
                    continue
                case .failed(let error):
                    lines = []
                    report(error.message)
                case .complete(let chunk):
                    lines = []
                    withInterruptHandler { execute(chunk, printer: printer) }
                }
            }
        }
    }

    // MARK: Running chunks

    /// Runs `chunk` as a task (through the printer's wrapper) and the loop until it is done,
    /// then prints its values or its error.
    private func execute(_ chunk: LuaFunction, printer: ResultPrinter) {
        let scheduler = runtime.scheduler
        var result: Result<[LuaValue], LuaError>?
        let task = scheduler.spawn(printer.wrapper, name: "stdin", onFinish: { result = $0 }) { L in
            chunk.push(on: L)
            return 1
        }
        running = task
        scheduler.run(until: { result != nil })
        running = nil
        fflush(nil)
        switch result {
        case .success(let values):
            if let line = ResultPrinter.line(for: values) {
                // through C's stdout, the stream Lua's `print` writes to, so the order holds
                _ = (line + [UInt8(ascii: "\n")]).withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, stdout) }
                fflush(nil)
            }
        case .failure(let error):
            report(ResultPrinter.errorText(error))
        case nil:
            // The loop ran dry with the chunk still waiting: nothing is left that could wake it.
            task.thread.close()
            report("stdin: the chunk is waiting for something that can no longer happen; abandoned")
        }
        runReadyTasks()
    }

    /// Lets tasks the chunk made ready (a `task.spawn`) take their first steps, and timers that
    /// are already due fire, before the next prompt; gives up after a moment, so a task that
    /// never waits cannot hold the prompt.
    private func runReadyTasks() {
        let scheduler = runtime.scheduler
        var quiet = false
        let timer = scheduler.after(0) { quiet = true }  // timers fire once no task is ready
        let deadline = MonotonicClock.now() + 0.05
        scheduler.run(until: { quiet || ReplInterrupt.pending || MonotonicClock.now() > deadline })
        scheduler.cancelTimer(timer)
        fflush(nil)
    }

    private func withInterruptHandler(_ body: () -> Void) {
        if !interactive { ReplInterrupt.install(runtime) }
        body()
        if !interactive { ReplInterrupt.uninstall() }
    }

    /// At each turn of the loop: on Ctrl-C, stops the running chunk, even while it waits.
    private func noticeInterrupt() {
        guard ReplInterrupt.pending, let task = running, task.result == nil else { return }
        LuaInterruptHandler.reset()
        runtime.state.interrupt(running: task.thread.thread)
        if task.state == .suspended {
            // Resume it so that the interrupt is raised where it waits.
            runtime.scheduler.wake(task)
        }
    }

    /// Runs a `:command`; false means leave.
    private func perform(_ command: MetaCommand) -> Bool {
        switch command {
        case .help:
            print(MetaCommand.helpText)
        case .quit:
            return false
        case .wait:
            withInterruptHandler {
                runtime.scheduler.run(until: { ReplInterrupt.pending })
            }
            if ReplInterrupt.pending { report("stopped waiting") }
        case .unknown(let name):
            report("unknown command :\(name) (try :help)")
        }
        fflush(nil)
        return true
    }

    /// At the end: the stop hooks run, as when a script ends.
    private func finish() {
        runtime.runStopHooks()
        fflush(nil)
    }

    private func report(_ text: String) {
        fflush(nil)
        StandardError.write(text + "\n")
    }
}
