import ArgumentParser
import RenderAutomation

/// The worker process rscript starts for pools and jobs; not for direct use.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Serve pool tasks and jobs for a parent rscript (started by rscript itself).",
        shouldDisplay: false
    )

    @Option(help: "This worker's number (client.id in task scripts).")
    var id: Int = 0

    func run() throws {
        let worker = try WorkerMain(workerID: id)
        WorkerMain.current = worker
        let status = worker.run()
        if status != 0 { throw ExitCode(status) }
    }
}
