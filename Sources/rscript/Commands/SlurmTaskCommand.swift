import ArgumentParser
import RenderAutomation

/// What a Slurm array task runs on its node (`rscript render --farm slurm` submits it); not for
/// direct use.
struct SlurmTaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm-task",
        abstract: "Run one Slurm array task of a frame render (started by Slurm on a node).",
        shouldDisplay: false
    )

    @Argument(help: "The array's folder in the shared job folder.")
    var folder: String

    @Option(help: "The task's index (default: $SLURM_ARRAY_TASK_ID).")
    var index: Int?

    func run() throws {
        let status = SlurmTaskRunner.run(folder: folder, index: index)
        if status != 0 { throw ExitCode(status) }
    }
}
