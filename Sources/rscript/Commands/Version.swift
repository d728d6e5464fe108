import ArgumentParser
import RenderAutomation

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print rscript's version and the Lua it embeds.")

    @Flag(help: "Print as JSON.")
    var json = false

    func run() {
        let info = RuntimeInfo.current
        if json {
            print(#"{"rscript":"\#(info.version)","lua":"\#(info.luaVersion)"}"#)
        } else {
            print("rscript \(info.version) (\(info.luaVersion))")
        }
    }
}
