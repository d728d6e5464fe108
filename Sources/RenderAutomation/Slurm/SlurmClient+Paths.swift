#if canImport(Glibc)
import Glibc
#endif

extension SlurmClient {
    /// Whether every node of `partition` (the default one when nil) is this machine: a
    /// single-node cluster, whose nodes see what this process sees (`sinfo -h -o %N`).
    public func nodesAreThisHost(partition: String?) throws -> Bool {
        var argv = ["sinfo", "-h", "-o", "%N"]
        if let partition { argv += ["-p", partition] }
        let result = try run(argv)
        guard result.succeeded else { throw SlurmError("sinfo: " + Self.cleaned(result.message)) }
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return false }
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let short = host.split(separator: ".").first.map(String.init) ?? host
        let nodes = result.output.split(whereSeparator: { $0 == "\n" || $0 == "," }).map(String.init)
        return !nodes.isEmpty && nodes.allSatisfy { $0 == short || $0 == host }
    }

    /// The `paths` a node of `partition` cannot read, found by one `srun` on a node (waiting at
    /// most `wait` seconds for one to be free). Submits no render: the step is `rscript-check`.
    public func unseenPaths(_ paths: [String], partition: String?, wait: Int = 60) throws -> [String] {
        var argv = ["srun", "--quiet", "--nodes=1", "--ntasks=1", "--immediate=\(wait)", "--job-name=rscript-check", "--chdir=/"]
        if let partition { argv.append("--partition=\(partition)") }
        argv += ["/bin/sh", "-c", #"for p in "$@"; do test -r "$p" || echo "unseen:$p"; done"#, "rscript-check"] + paths
        let result = try run(argv)
        guard result.succeeded else { throw SlurmError("srun (checking that the nodes see the scene): " + Self.cleaned(result.message)) }
        return result.output.split(separator: "\n").compactMap { line in
            line.hasPrefix("unseen:") ? String(line.dropFirst("unseen:".count)) : nil
        }
    }
}
