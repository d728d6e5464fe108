import ArgumentParser
import RenderAutomation

/// The flags of `rscript render --frames ...` (frame-range rendering).
struct FrameRenderFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Render these frames: 1-240, 1-240x2 (every 2nd), 1,5,10-20.", valueName: "SPEC"))
    var frames: String?

    @Option(help: ArgumentHelp("Chunks rendered at once, one renderer process each (default: the number of processors).", valueName: "N"))
    var workers: Int?

    @Option(help: ArgumentHelp("Frames per chunk (split evenly), or auto: a few chunks per worker, bigger for slow-starting renderers.", valueName: "K|auto"))
    var chunk: String?

    @Option(help: ArgumentHelp("Folder for the images (default ./frames), or a pattern with #### for the frame number.", valueName: "DIR"))
    var output: String?

    @Flag(help: "Render every frame, even those whose image is already there and whole.")
    var noSkip = false

    @Option(help: ArgumentHelp("Times a failed chunk's missing frames are tried again (default 2).", valueName: "N"))
    var retries: Int?

    @Option(help: ArgumentHelp("Kill (and retry) a renderer that prints nothing for S seconds.", valueName: "S"))
    var stall: Double?

    @Option(help: ArgumentHelp("Where the chunks render: local (default), or slurm (one job array; --workers K throttles it to K tasks at once). See docs/slurm.md.", valueName: "local|slurm"))
    var farm: String?

    @Option(help: ArgumentHelp("With --farm slurm: the Slurm partition.", valueName: "P"))
    var partition: String?

    @Option(name: .customLong("slurm-opt"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("With --farm slurm: an sbatch argument, as it is (repeatable), e.g. --slurm-opt=--time=10.", valueName: "ARG"))
    var slurmOptions: [String] = []

    @Flag(help: "Render the range on persistent clients (Blender): each worker starts its renderer once and takes the next free frame.")
    var persistent = false

    func validateFrames() throws {
        guard frames != nil else {
            let given = [(workers != nil, "--workers"), (chunk != nil, "--chunk"), (output != nil, "--output"),
                         (noSkip, "--no-skip"), (retries != nil, "--retries"), (stall != nil, "--stall"),
                         (farm != nil, "--farm"), (partition != nil, "--partition"), (!slurmOptions.isEmpty, "--slurm-opt"),
                         (persistent, "--persistent")]
            if let flag = given.first(where: { $0.0 })?.1 {
                throw ValidationError("\(flag) is for frame ranges: add --frames SPEC (e.g. --frames 1-24)")
            }
            return
        }
        _ = try spec()
        if let workers, workers < 1 { throw ValidationError("--workers must be 1 or more, got \(workers)") }
        if let chunk, FrameChunking.Size(parsing: chunk) == nil {
            throw ValidationError("--chunk must be a number of frames (1 or more) or auto, got '\(chunk)'")
        }
        if let retries, retries < 0 { throw ValidationError("--retries must be 0 or more, got \(retries)") }
        if let stall, !(stall > 0) { throw ValidationError("--stall must be a positive number of seconds") }
        if let output, output.isEmpty { throw ValidationError("--output must not be empty") }
        if let farm, farm != "local", farm != "slurm" { throw ValidationError("--farm must be local or slurm, got '\(farm)'") }
        if farm != "slurm", partition != nil || !slurmOptions.isEmpty {
            throw ValidationError("--partition and --slurm-opt are for --farm slurm")
        }
        if persistent, chunk != nil { throw ValidationError("--chunk is for chunked renders: with --persistent each free client takes the next frame") }
        if persistent, farm == "slurm" { throw ValidationError("--persistent renders on this machine's clients: it cannot go with --farm slurm") }
    }

    /// The parsed --frames, or nil without it.
    func spec() throws -> FrameSpec? {
        guard let frames else { return nil }
        do {
            return try FrameSpec(parsing: frames)
        } catch {
            throw ValidationError("--frames: \(error)")
        }
    }

    func apply(to request: inout FrameRenderRequest) {
        if let chunk, let size = FrameChunking.Size(parsing: chunk) { request.chunkSize = size }
        if let output { request.output = output }
        request.skipExisting = !noSkip
        if let retries { request.retries = retries }
        request.stallSeconds = stall
        if farm == "slurm" {
            var slurm = SlurmFarmOptions()
            slurm.throttle = workers
            slurm.partition = partition
            slurm.extraArguments = slurmOptions
            request.slurm = slurm
        }
    }
}
