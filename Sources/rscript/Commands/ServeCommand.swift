import ArgumentParser
import RenderAutomation

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the gallery, the job queue and frame renders as a web page and a REST API.",
        discussion: """
            One process serves everything in the database, live, whichever rscript process \
            wrote it: renders with their images and metadata, jobs and their logs, frame \
            renders and their chunks. Open the printed URL in a browser. Scripts use the REST \
            API under /api/v1/ (described at /api/v1/openapi.json) and follow changes at \
            /api/v1/events (server-sent events); Prometheus scrapes /metrics. /api stays \
            Houdini's hwebserver RPC endpoint, for the apiFunctions of --script.

            The server listens on 127.0.0.1. Any other --address needs a token: --token, else \
            $RSCRIPT_WEB_TOKEN, else a random one is made and printed in the URL. Ctrl-C stops \
            it. See docs/serve.md.
            """
    )

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8008

    @Option(help: "The address to listen on.")
    var address = "127.0.0.1"

    @Option(help: ArgumentHelp(
        "The gallery database (default: $RSCRIPT_DB, else ~/.local/share/rscript/rscript.db). Created when missing.",
        valueName: "PATH"))
    var db: String?

    @Option(help: ArgumentHelp("The token every request must carry (Authorization: Bearer TOKEN).", valueName: "TOKEN"))
    var token: String?

    @Option(help: ArgumentHelp(
        "A Lua file that registers its own urlHandler/apiFunction/webSocket handlers (rscript.webserver) beside the built-in routes.",
        valueName: "FILE"))
    var script: String?

    @Flag(help: "Open the page in the browser ($BROWSER, else xdg-open).")
    var open = false

    @OptionGroup var runtimeOptions: RuntimeFlags

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535 (got \(port))") }
        guard !address.isEmpty else { throw ValidationError("--address must not be empty") }
        if let token, token.isEmpty { throw ValidationError("--token must not be empty") }
    }

    mutating func run() throws {
        var options = ServeLauncher.Options(databasePath: db ?? GalleryStore.defaultPath())
        options.port = port
        options.address = address
        options.token = token
        options.script = script
        options.openBrowser = open
        let status = ServeLauncher.run(options, runtimeOptions: runtimeOptions.runtimeOptions())
        if status != 0 { throw ExitCode(status) }
    }
}
