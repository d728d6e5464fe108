import ArgumentParser
import RenderAutomation

/// `rscript jobs`: the persistent job queue (list, show, logs, kill, retry, wait, run).
struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Look at and manage the job queue (rscript.jobmanager jobs).",
        discussion: """
            Jobs live in the gallery's SQLite database, written by every rscript process
            as they change. ID is a job's number or its name (the newest job of that
            name).

            Queued jobs are run by the rscript process that added them. Jobs left by an
            rscript process that died (or queued again by `jobs retry`) run when a
            runtime next opens the queue: `JobManager.get_instance()` in a script,
            `rscript jobs run`, or `rscript jobs wait ID`.

            Where: --db PATH, else $RSCRIPT_DB, else $XDG_DATA_HOME/rscript/rscript.db,
            else ~/.local/share/rscript/rscript.db.
            """,
        subcommands: [JobsList.self, JobsShow.self, JobsLogs.self, JobsKill.self, JobsRetry.self, JobsWait.self, JobsRun.self]
    )
}
