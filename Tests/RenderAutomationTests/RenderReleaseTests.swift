import Foundation
import LuaBridge
import RenderAutomation
import XCTest

/// An ended render gives back what only a running render needs (`RenderManager.release`): it
/// leaves `RenderManager.jobs`, and its processes drop their output lines; a handle still reads
/// its state and metadata.
final class RenderReleaseTests: LuaModuleTestCase {
    var folder = ""
    var savedPluginPath: String?

    static let plugin = """
        local BackgroundRenderer = require("rscript.backgroundrenderer")
        local process = require("rscript.process")
        local Chatty = BackgroundRenderer:extend("ChattyRender")
        function Chatty:pollFrequency() return 0.05 end
        function Chatty:startBackgroundRender(scene, options)
          self.proc = process.spawn{ "sh", "-c", "seq 1 5000" }
        end
        function Chatty:isRenderFinished()
          if self.proc:poll() == nil then return false end
          self:updateMetadata{ percentDone = 100, lines = #self.proc:tail(5) }
          return true
        end
        function registerBackgroundRenderers(manager) manager:registerBackgroundRenderer("Chatty", Chatty) end
        """

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-release-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/plugins/backgroundrenderers", withIntermediateDirectories: true)
        try Self.plugin.write(toFile: folder + "/plugins/backgroundrenderers/chatty.lua", atomically: true, encoding: .utf8)
        try "scene".write(toFile: folder + "/scene.txt", atomically: true, encoding: .utf8)
        savedPluginPath = ProcessInfo.processInfo.environment["RSCRIPT_PLUGIN_PATH"]
        setenv("RSCRIPT_PLUGIN_PATH", folder + "/plugins:&", 1)
        try super.setUpWithError()
        runtime.renders.record(with: MemoryRenderRecorder())
    }

    override func tearDown() {
        super.tearDown()
        if let savedPluginPath { setenv("RSCRIPT_PLUGIN_PATH", savedPluginPath, 1) } else { unsetenv("RSCRIPT_PLUGIN_PATH") }
        try? FileManager.default.removeItem(atPath: folder)
    }

    override var scriptArguments: [String] { [folder + "/scene.txt"] }

    func testAnEndedRenderLeavesTheMapAndDropsItsProcessesLines() throws {
        var heldAtEnd: [Int] = []
        var jobsAtEnd = 0
        let job = try runtime.renders.start(.init(label: "Chatty", scene: folder + "/scene.txt"))
        job.observers.append { [unowned self] job, event in
            guard case .ended = event else { return }
            heldAtEnd = job.processes.map(\.heldLineCount)
            jobsAtEnd = self.runtime.renders.jobs.count
        }
        XCTAssertNotNil(runtime.renders.jobs[job.id], "a running render is in the map")
        runtime.scheduler.run()
        XCTAssertEqual(job.state, .finished, job.error ?? "")
        XCTAssertEqual(jobsAtEnd, 1, "still there as it ended")
        XCTAssertEqual(heldAtEnd.count, 1)
        XCTAssertGreaterThan(heldAtEnd.first ?? 0, 1000, "its process held its output while it ran")
        XCTAssertTrue(runtime.renders.jobs.isEmpty, "the ended render left the map")
        XCTAssertEqual(job.processes.map(\.heldLineCount), [0], "its process's lines were dropped")
        XCTAssertEqual(job.metadata["lines"], .int(5))
    }

    func testAHandleStillReadsAnEndedRendersStateAndMetadata() {
        run("""
            local gallery = require("rscript.gallery")
            local scene = ...
            local handles = {}
            for i = 1, 20 do handles[i] = gallery.startRender{ renderer = "Chatty", scene = scene } end
            for _, r in ipairs(handles) do assert(r:wait() == "finished") end
            collectgarbage() collectgarbage()
            for _, r in ipairs(handles) do
              assert(r:state() == "finished", r:state())
              assert(r:metadata().percentDone == 100)
              assert(r:metadata().lines == 5)
            end
            """)
        XCTAssertTrue(runtime.renders.jobs.isEmpty)
    }
}
