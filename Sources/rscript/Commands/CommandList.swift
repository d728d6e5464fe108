import ArgumentParser

extension RScript {
    /// Every subcommand, in the order `--help` lists them.
    static let commands: [any ParsableCommand.Type] = [
        Run.self,
        RenderCommand.self,
        RenderersCommand.self,
        CreateCommand.self,
        InstancesCommand.self,
        PublishCommand.self,
        PluginsCommand.self,
        WorkerCommand.self,
        SlurmTaskCommand.self,
        SlurmJobCommand.self,
        GalleryCommand.self,
        JobsCommand.self,
        ServeCommand.self,
        ReplCommand.self,
        Version.self,
    ]
}
