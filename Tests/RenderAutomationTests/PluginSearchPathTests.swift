@testable import RenderAutomation
import XCTest

/// `RSCRIPT_PLUGIN_PATH` read as Houdini reads HOUDINI_PATH: `&` is the defaults, a path without
/// it is the whole search path, and an unset or entry-less value means the defaults.
final class PluginSearchPathTests: XCTestCase {
    let defaults = ["/home/u/.config/rscript", "/opt/rscript/scripts/plugins"]

    func testUnsetOrEntryLessMeansTheDefaults() {
        XCTAssertEqual(PluginDiscovery.roots(pluginPath: nil, defaults: defaults), defaults)
        XCTAssertEqual(PluginDiscovery.roots(pluginPath: "", defaults: defaults), defaults)
        XCTAssertEqual(PluginDiscovery.roots(pluginPath: "::", defaults: defaults), defaults)
    }

    func testAmpersandStandsForTheDefaultsWhereItIs() {
        XCTAssertEqual(PluginDiscovery.roots(pluginPath: "/studio:&", defaults: defaults), ["/studio"] + defaults)
        XCTAssertEqual(PluginDiscovery.roots(pluginPath: "&:/fallback", defaults: defaults), defaults + ["/fallback"])
        XCTAssertEqual(PluginDiscovery.roots(pluginPath: "&", defaults: defaults), defaults)
    }

    func testAPathWithoutAmpersandIsTheWholeSearchPath() {
        XCTAssertEqual(PluginDiscovery.roots(pluginPath: "/studio", defaults: defaults), ["/studio"])
        XCTAssertEqual(PluginDiscovery.roots(pluginPath: "/a:/b", defaults: defaults), ["/a", "/b"])
    }

    func testEmptyEntriesAreSkipped() {
        XCTAssertEqual(PluginDiscovery.roots(pluginPath: ":/a::&:", defaults: defaults), ["/a"] + defaults)
    }

    func testOnlyAWholeEntryIsTheAmpersand() {
        XCTAssertEqual(PluginDiscovery.roots(pluginPath: "/a&b:&x", defaults: defaults), ["/a&b", "&x"])
    }
}
