import Foundation
import RScriptTesting
import XCTest
@testable import LuaBridge

/// State lifetime, memory accounting and loading code (`State/LuaState.swift`,
/// `State/LuaState+Load.swift`).
final class LuaStateTests: XCTestCase {
    func testFreshStateAndClose() throws {
        let state = try LuaState()
        XCTAssertEqual(state.stackTop, 0)
        XCTAssertGreaterThan(state.memoryUsed, 10_000)
        XCTAssertGreaterThanOrEqual(state.memoryPeak, state.memoryUsed)
        XCTAssertEqual(state.limits, .none)
        XCTAssertEqual(state.libraries, .full)
        XCTAssertFalse(state.isClosed)
        state.close()
        XCTAssertTrue(state.isClosed)
        state.close()
        assertLuaError(try state.doString("return 1"), kind: .closed, message: "the Lua state is closed")
    }

    func testMemoryAccountingFollowsAllocations() throws {
        try withLuaState { state in
            try state.doString("collectgarbage() collectgarbage()")
            let before = state.memoryUsed
            try state.doString("big = string.rep('x', 1000000)")
            XCTAssertGreaterThan(state.memoryUsed, before + 1_000_000)
            try state.doString("big = nil collectgarbage() collectgarbage()")
            XCTAssertLessThan(state.memoryUsed, before + 50_000)
            XCTAssertGreaterThan(state.memoryPeak, before + 1_000_000)
            let count = try XCTUnwrap(state.doString("return collectgarbage('count') * 1024").first?.doubleValue)
            XCTAssertEqual(count, Double(state.memoryUsed), accuracy: 1024)
        }
    }

    func testDoStringAndLoad() throws {
        try withLuaState { state in
            XCTAssertEqual(try state.doString("return 1, 'two'"), [1, "two"])
            XCTAssertEqual(try state.doString("local x = 1"), [])
            let chunk = try state.load("return ... ", chunkName: "=args")
            XCTAssertEqual(try chunk.call(1, 2), [1, 2])
            let bytes = Array("return 'from bytes'".utf8)
            XCTAssertEqual(try state.load(bytes[...], chunkName: "=slice").call(), ["from bytes"])
            XCTAssertEqual(try state.load(bytes.lazy.map { $0 }, chunkName: "=lazy").call(), ["from bytes"])
            // Chunk names follow Lua's rules.
            assertLuaError(try state.doString("error('x')", chunkName: "@dir/file.lua"), kind: .runtime, message: "dir/file.lua:1: x")
            assertLuaError(try state.doString("error('x')", chunkName: "=verbatim"), kind: .runtime, message: "verbatim:1: x")
            assertLuaError(try state.doString("error('x')", chunkName: "code"), kind: .runtime, message: "[string \"code\"]:1: x")
        }
    }

    func testLoadFile() throws {
        // Short: Lua abbreviates chunk names longer than LUA_IDSIZE in messages.
        let directory = URL(fileURLWithPath: "/tmp/lb-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("script.lua").path
        try "#!/usr/bin/env rscript\nlocal x = ...\nif x then error('line three') end\nreturn 'ran'\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        try withLuaState { state in
            XCTAssertEqual(try state.loadFile(script).call(), ["ran"], "the shebang line is skipped")
            assertLuaError(try state.loadFile(script).call(true), kind: .runtime, message: "\(script):3: line three")
            let missing = directory.appendingPathComponent("missing.lua").path
            assertLuaError(try state.loadFile(missing), kind: .file,
                           message: "cannot open \(missing): No such file or directory")
            assertLuaError(try state.loadFile(directory.path), kind: .file,
                           message: "cannot run \(directory.path): it is a directory")
            let broken = directory.appendingPathComponent("broken.lua").path
            try "local ok = true\nlocal = 1\n".write(toFile: broken, atomically: true, encoding: .utf8)
            let error = assertLuaError(try state.loadFile(broken), kind: .syntax)
            XCTAssertTrue(error?.message.hasPrefix("\(broken):2:") == true, error?.message ?? "")
        }
    }

    func testOwnerIsHeldWeakly() throws {
        final class Runtime {}
        try withLuaState { state in
            var runtime: Runtime? = Runtime()
            state.owner = runtime
            XCTAssertTrue(state.owner === runtime)
            runtime = nil
            XCTAssertNil(state.owner)
        }
    }

    func testStackBalanceHelperCatchesALeak() throws {
        XCTAssertThrowsError(try withLuaState { state in state.pushString("left behind") }) { error in
            guard let imbalance = error as? StackImbalanceError else { return XCTFail("\(error)") }
            XCTAssertEqual(imbalance.top, 1)
            XCTAssertNil(imbalance.bodyError)
            XCTAssertTrue(imbalance.description.contains("LuaStateTests.swift"), imbalance.description)
        }
        XCTAssertThrowsError(try withLuaState { state in
            state.pushString("left behind")
            try state.doString("error('and failed')")
        }) { error in
            XCTAssertTrue((error as? StackImbalanceError)?.bodyError is LuaError, "\(error)")
        }
        XCTAssertEqual(try withLuaState { _ in 7 }, 7)
        XCTAssertThrowsError(try withLuaState { state in try state.doString("error('plain')") }) { error in
            XCTAssertEqual((error as? LuaError)?.message, "(string):1: plain")
        }
    }
}
