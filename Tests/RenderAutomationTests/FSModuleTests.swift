import LuaBridge
import RenderAutomation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `rscript.fs`, against a fresh temporary folder per test (passed to the chunk as `...`).
final class FSModuleTests: XCTestCase {
    private var runtime: ScriptRuntime!
    private var root = ""

    override func setUpWithError() throws {
        var options = RuntimeOptions()
        options.libraryDirectory = Self.repositoryRoot + "/scripts/lib"
        runtime = try ScriptRuntime(options: options)
        var template = Array("/tmp/rscript-fs-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw XCTSkip("mkdtemp failed") }
        root = String(cString: made)
    }

    override func tearDown() {
        runtime = nil
        _ = system("rm -rf '\(root)'")
    }

    static let repositoryRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    private static let prelude = """
        local fs = require("rscript.fs"); local root = ...; local function eq(a, b) if a ~= b then error(string.format("expected %q, got %q", tostring(b), tostring(a)), 2) end end; 
        """

    private func run(_ code: String, file: StaticString = #filePath, line: UInt = #line) {
        let outcome = runtime.runSource(Array((Self.prelude + code).utf8), chunkName: "=test", arguments: [root])
        if case .failure(let error) = outcome { XCTFail("Lua failed: \(error)", file: file, line: line) }
        XCTAssertEqual(outcome, .success, file: file, line: line)
    }

    /// Runs `code` and checks its error contains `expected`, with `<root>` standing for the folder.
    private func expectError(_ code: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        let outcome = runtime.runSource(Array((Self.prelude + code).utf8), chunkName: "=test", arguments: [root])
        guard case .failure(let error) = outcome else {
            return XCTFail("expected an error containing \(expected), got \(outcome)", file: file, line: line)
        }
        let wanted = expected.replacingAll("<root>", with: root)
        XCTAssertTrue(error.message.contains(wanted), "\(error.message) does not contain \(wanted)", file: file, line: line)
    }

    private func names(in folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    // MARK: Path text

    func testPathText() {
        run("""
            eq(fs.join("a", "b", "c.txt"), "a/b/c.txt"); eq(fs.join("a/", "b"), "a/b"); eq(fs.join("a", "", "b"), "a/b")
            eq(fs.join("a", "/abs", "c"), "/abs/c"); eq(fs.join("/"), "/"); eq(fs.join("/", "x"), "/x"); eq(fs.join("x"), "x")
            eq(fs.basename("/a/b.txt"), "b.txt"); eq(fs.basename("a/b/"), "b"); eq(fs.basename("b"), "b")
            eq(fs.basename("/"), "/"); eq(fs.basename(""), "")
            eq(fs.dirname("/a/b.txt"), "/a"); eq(fs.dirname("a/b/"), "a"); eq(fs.dirname("a"), ".")
            eq(fs.dirname("/a"), "/"); eq(fs.dirname("/"), "/"); eq(fs.dirname("a//b"), "a")
            eq(fs.abspath("/a/./b/../c//d/"), "/a/c/d"); eq(fs.abspath("/../.."), "/")
            local here = fs.abspath("."); eq(here:sub(1, 1), "/"); eq(fs.abspath("x/../y"), fs.join(here, "y"))
            eq(fs.basename("\\255\\254.bin"), "\\255\\254.bin")  -- bytes, not text
            """)
    }

    // MARK: Reading and writing

    func testWriteThenReadKeepsBytes() {
        run("""
            local path = fs.join(root, "data.bin")
            local bytes = "a\\0b\\255\\254\\r\\n" .. string.rep("x", 100000)
            eq(fs.write(path, bytes), true)
            eq(fs.read(path), bytes)
            fs.write(path, "short"); eq(fs.read(path), "short")  -- replaced, not overwritten in place
            fs.write(path, ""); eq(fs.read(path), "")
            fs.write(path, 42); eq(fs.read(path), "42")
            eq(fs.stat(path).size, 2)
            """)
    }

    func testAtomicWriteLeavesNoTemporaryFiles() throws {
        run("""
            for i = 1, 50 do fs.write(fs.join(root, "out.txt"), "version " .. i) end
            eq(fs.read(fs.join(root, "out.txt")), "version 50")
            -- a failed write (the target is a folder) leaves nothing behind either
            fs.mkdir(fs.join(root, "folder"))
            assert(not pcall(fs.write, fs.join(root, "folder"), "x"))
            """)
        XCTAssertEqual(names(in: root), ["folder", "out.txt"])
        XCTAssertEqual(names(in: root + "/folder"), [])
    }

    func testWriteKeepsPermissionsOfTheFileItReplaces() throws {
        let path = root + "/script.sh"
        run("fs.write(fs.join(root, 'script.sh'), 'one')")
        XCTAssertEqual(chmod(path, 0o750), 0)
        run("fs.write(fs.join(root, 'script.sh'), 'two')")
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o750)
    }

    func testReadAndWriteErrorsNameTheFunctionAndPath() {
        expectError("fs.read(fs.join(root, 'missing.txt'))", "fs.read: cannot open <root>/missing.txt: No such file or directory")
        expectError("fs.read(root)", "fs.read: cannot read <root>: Is a directory")
        expectError("fs.write(fs.join(root, 'no/such/dir.txt'), 'x')", "fs.write: cannot write <root>/no/such/dir.txt: No such file or directory")
        expectError("fs.write(fs.join(root, 'x'))", "bad argument #2 to 'fs.write' (string expected, got no value)")
        expectError("fs.read(nil)", "bad argument #1 to 'fs.read' (string expected, got nil)")
        expectError("fs.read('a\\0b')", "bad argument #1 to 'fs.read' (path contains a NUL byte)")
        expectError("\nfs.read(fs.join(root, 'gone'))", "test:2: fs.read: cannot open")  // the caller's position
    }

    // MARK: Folders

    func testMkdirMakesParentsAndAcceptsExisting() {
        run("""
            local deep = fs.join(root, "a", "b", "c")
            eq(fs.mkdir(deep), true); eq(fs.isdir(deep), true)
            eq(fs.mkdir(deep), true)  -- already there
            eq(fs.mkdir(fs.join(root, "a") .. "/"), true)
            eq(fs.mkdir(fs.join(root, "x//y/")), true); eq(fs.isdir(fs.join(root, "x", "y")), true)
            """)
        XCTAssertEqual(names(in: root), ["a", "x"])
        expectError("fs.write(fs.join(root, 'f'), ''); fs.mkdir(fs.join(root, 'f', 'sub'))",
                    "fs.mkdir: cannot create <root>/f/sub: Not a directory")
        expectError("fs.mkdir(fs.join(root, 'f'))", "fs.mkdir: cannot create <root>/f: File exists")
    }

    func testCopyRenameAndRmtree() {
        run("""
            local tree = fs.join(root, "tree", "a", "b")
            fs.mkdir(tree)
            fs.write(fs.join(tree, "f.txt"), "deep")
            fs.copy(fs.join(tree, "f.txt"), fs.join(root, "copy.txt"))
            eq(fs.read(fs.join(root, "copy.txt")), "deep")
            fs.rename(fs.join(root, "copy.txt"), fs.join(root, "moved.txt"))
            eq(fs.exists(fs.join(root, "copy.txt")), false); eq(fs.read(fs.join(root, "moved.txt")), "deep")
            fs.mkdir(fs.join(root, "kept"))
            fs.write(fs.join(root, "kept", "x"), "x")
            assert(os.execute("ln -s '" .. fs.join(root, "kept") .. "' '" .. fs.join(root, "tree", "link") .. "'"))
            eq(fs.rmtree(fs.join(root, "tree")), true)
            eq(fs.exists(fs.join(root, "tree")), false)
            eq(fs.read(fs.join(root, "kept", "x")), "x")  -- a link is removed, not followed
            eq(fs.rmtree(fs.join(root, "tree")), false)   -- nothing there
            eq(fs.rmtree(fs.join(root, "moved.txt")), true); eq(fs.exists(fs.join(root, "moved.txt")), false)
            """)
        XCTAssertEqual(names(in: root), ["kept"])
        expectError("fs.copy(fs.join(root, 'none'), fs.join(root, 'x'))", "fs.copy: cannot open <root>/none: No such file or directory")
        expectError("fs.rename(fs.join(root, 'none'), fs.join(root, 'x'))", "fs.rename: cannot rename <root>/none to <root>/x")
    }

    func testListIsSortedWithoutDots() {
        run("""
            for _, name in ipairs({"b.txt", "a.txt", "C.txt", ".hidden", "a0"}) do fs.write(fs.join(root, name), "") end
            fs.mkdir(fs.join(root, "dir"))
            eq(table.concat(fs.list(root), ","), ".hidden,C.txt,a.txt,a0,b.txt,dir")
            eq(#fs.list(fs.join(root, "dir")), 0)
            """)
        expectError("fs.list(fs.join(root, 'nope'))", "fs.list: cannot open <root>/nope: No such file or directory")
    }

    func testGlob() {
        run("""
            local function touch(p) fs.mkdir(fs.dirname(fs.join(root, p))); fs.write(fs.join(root, p), p) end
            for _, p in ipairs({"b.lua", "a.lua", "c.txt", "x1.lua", "x2.lua", "xy.lua", ".h.lua",
                                "sub/d.lua", "sub/deeper/e.lua", "sub/deeper/f.txt", ".hid/g.lua", "other/h.lua"}) do touch(p) end
            local function g(pattern)
              local out = {}
              for i, p in ipairs(fs.glob(fs.join(root, pattern))) do out[i] = p:sub(#root + 2) end
              return table.concat(out, ",")
            end
            eq(g("*.lua"), "a.lua,b.lua,x1.lua,x2.lua,xy.lua")
            eq(g("x?.lua"), "x1.lua,x2.lua,xy.lua")
            eq(g("x[0-9].lua"), "x1.lua,x2.lua")
            eq(g("x[!0-9].lua"), "xy.lua")
            eq(g(".*.lua"), ".h.lua")
            eq(g("*/*.lua"), "other/h.lua,sub/d.lua")
            eq(g("**/*.lua"), "a.lua,b.lua,other/h.lua,sub/d.lua,sub/deeper/e.lua,x1.lua,x2.lua,xy.lua")
            eq(g("sub/**/*.txt"), "sub/deeper/f.txt")
            eq(g("sub/**"), "sub/d.lua,sub/deeper,sub/deeper/e.lua,sub/deeper/f.txt")
            eq(g("*.none"), "")
            eq(#fs.glob(fs.join(root, "missing", "*")), 0)
            """)
    }

    func testGlobRelativeDoubleStarHasNoDotPrefix() throws {
        run("""
            fs.mkdir(fs.join(root, "p", "q")); fs.write(fs.join(root, "p", "q", "r.lua"), "")
            """)
        let saved = FSPathTestSupport.currentDirectory()
        XCTAssertEqual(chdir(root), 0)
        defer { _ = chdir(saved) }
        run("eq(table.concat(fs.glob('**/*.lua'), ','), 'p/q/r.lua')")
    }

    // MARK: Questions, stat, remove

    func testExistsIsdirIsfileAndStat() {
        run("""
            local file = fs.join(root, "f.txt"); fs.write(file, "12345")
            eq(fs.exists(file), true); eq(fs.isfile(file), true); eq(fs.isdir(file), false)
            eq(fs.exists(root), true); eq(fs.isdir(root), true); eq(fs.isfile(root), false)
            eq(fs.exists(fs.join(root, "nope")), false); eq(fs.isdir(fs.join(root, "nope")), false)
            local st = fs.stat(file)
            eq(st.size, 5); eq(math.type(st.size), "integer"); eq(st.isdir, false); eq(st.isfile, true)
            assert(math.abs(st.mtime - os.time()) < 5, "mtime is now")
            eq(fs.stat(root).isdir, true)
            """)
        expectError("fs.stat(fs.join(root, 'nope'))", "fs.stat: cannot stat <root>/nope: No such file or directory")
    }

    func testRemove() {
        run("""
            local file = fs.join(root, "f"); fs.write(file, "x")
            eq(fs.remove(file), true); eq(fs.exists(file), false)
            local dir = fs.join(root, "d"); fs.mkdir(dir)
            eq(fs.remove(dir), true); eq(fs.exists(dir), false)
            """)
        expectError("fs.remove(fs.join(root, 'gone'))", "fs.remove: cannot remove <root>/gone: No such file or directory")
        expectError("fs.mkdir(fs.join(root, 'full', 'x')); fs.remove(fs.join(root, 'full'))",
                    "fs.remove: cannot remove <root>/full: Directory not empty")
    }

    /// `write` and `copy` flush off the loop: the calling task waits, the others run meanwhile;
    /// a failure found there is raised where the call was made; where the call cannot suspend
    /// (a gsub callback) it writes in place.
    func testWriteAndCopySuspendTheTaskWhileTheyRun() {
        run("""
            local task = require("rscript.task")
            local order = {}
            local writer = task.spawn(function()
              order[#order + 1] = "write"
              fs.write(root .. "/a", string.rep("a", 1 << 20))
              order[#order + 1] = "written"
              fs.copy(root .. "/a", root .. "/b")
              order[#order + 1] = "copied"
            end)
            local other = task.spawn(function() order[#order + 1] = "other ran" end)
            writer:wait(); other:wait()
            eq(table.concat(order, ","), "write,other ran,written,copied")
            eq(#fs.read(root .. "/b"), 1 << 20)
            local ok, err = pcall(function() return fs.write(root .. "/missing/x", "y") end)
            eq(ok, false)
            eq(err, "test:14: fs.write: cannot write " .. root .. "/missing/x: No such file or directory")
            ok, err = pcall(fs.copy, root .. "/nothing", root .. "/c")
            eq(err, "fs.copy: cannot open " .. root .. "/nothing: No such file or directory")
            string.gsub("x", "x", function() eq(fs.write(root .. "/g", "in place"), true) end)
            eq(fs.read(root .. "/g"), "in place")
            """)
    }

    func testExampleRuns() {
        let outcome = runtime.runFile(Self.repositoryRoot + "/scripts/examples/fs_example.lua", arguments: [])
        XCTAssertEqual(outcome, .success)
    }
}

private enum FSPathTestSupport {
    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        return getcwd(&buffer, buffer.count).map { String(cString: $0) } ?? "/"
    }
}

extension String {
    /// Plain replacement without Foundation.
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
