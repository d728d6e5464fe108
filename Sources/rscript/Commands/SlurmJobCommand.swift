import ArgumentParser
import RenderAutomation

/// What a job on Slurm runs on its node (`add_job(..., {farm = "slurm"})` submits it); not for
/// direct use.
struct SlurmJobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm-job",
        abstract: "Run one attempt of a job on a Slurm node (started by Slurm).",
        shouldDisplay: false
    )

    @Argument(help: "The attempt's folder (job.json, then status, progress and result).")
    var folder: String

    func run() throws {
        let status = SlurmJobRunner.run(folder: folder)
        if status != 0 { throw ExitCode(status) }
    }
}
