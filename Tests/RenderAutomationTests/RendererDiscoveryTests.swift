import Foundation
import LuaBridge
import RenderAutomation
import XCTest

/// Renderer plugin files load through `rscript.plugindiscovery`, the loader of creators and
/// publish plugins, and so follow its rule: a file must itself define
/// `registerBackgroundRenderers` (looked up with rawget). The Swift loader this replaced read it
/// through the file's `__index` to `_G`, so a file defining none called the running script's.
final class RendererDiscoveryTests: LuaModuleTestCase {
    var folder = ""
    var savedPluginPath: String?

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-discovery-\(UUID().uuidString)"
        let renderers = folder + "/plugins/backgroundrenderers"
        try FileManager.default.createDirectory(atPath: renderers, withIntermediateDirectories: true)
        try """
            local B = require("rscript.backgroundrenderer")
            local Own = B:extend("OwnRender")
            function Own:startBackgroundRender() end
            function Own:isRenderFinished() return true end
            function registerBackgroundRenderers(m) m:registerBackgroundRenderer("Own", Own) end
            """.write(toFile: renderers + "/own.lua", atomically: true, encoding: .utf8)
        try "local nothing = 1".write(toFile: renderers + "/inherits.lua", atomically: true, encoding: .utf8)
        try "\nerror('boom')".write(toFile: renderers + "/raises.lua", atomically: true, encoding: .utf8)
        savedPluginPath = ProcessInfo.processInfo.environment["RSCRIPT_PLUGIN_PATH"]
        setenv("RSCRIPT_PLUGIN_PATH", folder + "/plugins", 1)  // no &: these files only
        try super.setUpWithError()
    }

    override func tearDown() {
        super.tearDown()
        if let savedPluginPath { setenv("RSCRIPT_PLUGIN_PATH", savedPluginPath, 1) } else { unsetenv("RSCRIPT_PLUGIN_PATH") }
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testAFileMustDefineItsOwnRegistrationFunction() {
        run("""
            local B = require("rscript.backgroundrenderer")
            local FromScript = B:extend("FromScript")
            function FromScript:startBackgroundRender() end
            function FromScript:isRenderFinished() return true end
            function registerBackgroundRenderers(m) m:registerBackgroundRenderer("FromScript", FromScript) end
            """)
        runtime.discoverRenderers()
        XCTAssertEqual(runtime.renderers.labels, ["Own"], "the script's global is not called for inherits.lua")
        let file = folder + "/plugins/backgroundrenderers/"
        XCTAssertEqual(runtime.renderers.entry(label: "Own")?.file, file + "own.lua")
        XCTAssertEqual(runtime.renderers.loadErrors, [
            file + "inherits.lua: defines no registerBackgroundRenderers(manager)",
            file + "raises.lua:2: boom",
        ])
    }
}
