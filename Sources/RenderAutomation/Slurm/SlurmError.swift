/// A Slurm command that failed, or a cluster that cannot be used, with the message to show
/// (Slurm's own words where it gave some).
public struct SlurmError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) { self.description = description }

    /// The command that starts the development cluster, named in every "no cluster" message.
    public static let startHint = "start one with: bash tools/slurm.sh start"

    static func noCluster(_ why: String) -> SlurmError {
        SlurmError("no Slurm cluster answers (\(why)): \(startHint)")
    }
}
