import Foundation
import RScriptTesting
import XCTest
@testable import LuaBridge

/// The safe profile for untrusted code, and the full one (`LuaLibraries` in `State/LuaState.swift`).
final class LuaLibrariesTests: XCTestCase {
    func testSafeProfileRemovesDangerousFunctions() throws {
        try withLuaState(libraries: .safe) { state in
            try state.doString("""
                assert(io == nil and debug == nil)
                assert(package.loaded.io == nil and package.loaded.debug == nil)
                assert(dofile == nil and loadfile == nil)
                assert(os.execute == nil and os.exit == nil and os.remove == nil and os.rename == nil)
                assert(os.tmpname == nil and os.getenv == nil and os.setlocale == nil)
                assert(package.loadlib == nil and package.cpath == "" and #package.searchers == 2)
                assert(string.dump == nil and ("").dump == nil)
                assert(not pcall(require, "io") and not pcall(require, "debug"))
                -- what stays
                assert(type(os.time()) == "number" and os.time{year = 2024, month = 1, day = 1, hour = 12} > 0)
                assert(type(os.clock()) == "number" and type(os.date("%Y")) == "string")
                assert(os.difftime(10, 5) == 5)
                assert(string.format("%d", 3) == "3" and table.concat({1, 2}, ",") == "1,2")
                assert(math.floor(2.5) == 2 and utf8.char(233) == "é" and coroutine.running())
                assert(load("return 1 + 1")() == 2)
                assert(load("return x", "=env", "t", {x = 7})() == 7)
                assert(type(require) == "function" and type(collectgarbage("count")) == "number")
                """)
        }
    }

    func testSafeProfileRefusesBinaryChunks() throws {
        let binary = try withLuaState(libraries: .full) { state in
            try XCTUnwrap(state.doString("return string.dump(function() return 'from bytecode' end)").first)
        }
        guard case .bytes(let bytes) = binary else { return XCTFail("expected bytes, got \(binary)") }
        XCTAssertEqual(bytes.first, 0x1b, "a binary chunk starts with ESC")

        try withLuaState(libraries: .safe) { state in
            try state.setGlobal("bin", binary)
            try state.doString("""
                local f, e = load(bin)
                assert(f == nil and e:find("attempt to load a binary chunk"), e)
                for _, mode in ipairs{"b", "bt"} do
                  local ok, e2 = pcall(load, bin, "x", mode)
                  assert(not ok and e2:find("binary chunks are not allowed"), e2)
                end
                local given = false
                local f3, e3 = load(function() if given then return nil end given = true return bin end)
                assert(f3 == nil and e3:find("attempt to load a binary chunk"), e3)
                """)
            let error = assertLuaError(try state.load(bytes, chunkName: "=bin", allowBinary: true), kind: .syntax)
            XCTAssertTrue(error?.message.contains("attempt to load a binary chunk") == true, error?.message ?? "")
        }

        try withLuaState(libraries: .full) { state in
            assertLuaError(try state.load(bytes, chunkName: "=bin"), kind: .syntax)
            XCTAssertEqual(try state.load(bytes, chunkName: "=bin", allowBinary: true).call(), ["from bytecode"])
        }
    }

    func testSafeRequireLoadsTextModulesButNotBinaryOnes() throws {
        let binary = try withLuaState(libraries: .full) { state in
            try XCTUnwrap(state.doString("return string.dump(function() return 'from bytecode' end)").first)
        }
        guard case .bytes(let bytes) = binary else { return XCTFail("expected bytes, got \(binary)") }
        let directory = URL(fileURLWithPath: "/tmp/lb-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(bytes).write(to: directory.appendingPathComponent("compiled.lua"))
        try "return {answer = 42}\n".write(to: directory.appendingPathComponent("plain.lua"), atomically: true, encoding: .utf8)
        try "#!/usr/bin/env rscript\nreturn ...\n".write(
            to: directory.appendingPathComponent("shebang.lua"), atomically: true, encoding: .utf8)
        try "return = 1\n".write(to: directory.appendingPathComponent("broken.lua"), atomically: true, encoding: .utf8)

        try withLuaState(libraries: .safe) { state in
            try state.setGlobal("dir", .string(directory.path))
            try state.doString(#"""
                package.path = dir .. "/?.lua"
                assert(require("plain").answer == 42)
                assert(require("shebang") == "shebang", "a module gets its name, as with Lua's searcher")
                local ok, e = pcall(require, "compiled")
                assert(not ok and e:find("attempt to load a binary chunk", 1, true), e)
                assert(e:find("error loading module 'compiled' from file '" .. dir .. "/compiled.lua'", 1, true), e)
                ok, e = pcall(require, "broken")
                assert(not ok and e:find("broken.lua:1:", 1, true), e)
                ok, e = pcall(require, "absent")
                assert(not ok and e:find("no file '" .. dir .. "/absent.lua'", 1, true), e)
                """#)
        }
    }

    func testFullProfileKeepsEverything() throws {
        try withLuaState(libraries: .full) { state in
            try state.doString("""
                assert(io and debug and os.execute and os.getenv and package.loadlib and dofile and loadfile)
                assert(string.dump and #package.searchers == 4)
                """)
        }
    }
}
