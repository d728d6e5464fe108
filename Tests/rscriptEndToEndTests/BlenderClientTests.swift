import Foundation
import RScriptTesting
import XCTest

/// `rscript.blender` (seed 004's BlenderClient, BlenderClients and their pool) through the real
/// binary and Debian's real Blender: persistent clients, the shared frame queue, progress,
/// services, a Blender killed mid-render, timeouts, and the ports of visionsim's examples.
final class BlenderClientTests: XCTestCase {
    static let folder = NSTemporaryDirectory() + "rscript-blender-\(UUID().uuidString)"
    static let makeBlend = RScriptBinary.repositoryRoot + "/scripts/examples/scenes/make_blend.py"
    static let examples = RScriptBinary.repositoryRoot + "/scripts/examples/blender"
    /// A 32x24, 4-sample, 6-frame Cycles scene, made once for the class.
    nonisolated(unsafe) static var scene: Result<String, Error>?

    override class func setUp() {
        super.setUp()
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
        super.tearDown()
    }

    // MARK: - helpers

    private static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// The scene, made by make_blend.py once. Fails (never skips) without Blender.
    private func blend() throws -> String {
        guard let blender = Self.which("blender") else {
            XCTFail("blender is not installed: `apt-get install -y blender` (tools/setup.sh installs it)")
            throw XCTSkip("no blender")
        }
        if Self.scene == nil {
            Self.scene = Result {
                let path = Self.folder + "/scene.blend"
                let process = Process()
                process.executableURL = URL(fileURLWithPath: blender)
                process.arguments = ["-b", "--factory-startup", "--python", Self.makeBlend, "--", path,
                                     "--res", "32x24", "--samples", "4", "--frames", "6"]
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                try process.run()
                let output = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else {
                    throw NSError(domain: "make_blend.py", code: Int(process.terminationStatus), userInfo: [
                        NSLocalizedDescriptionKey: String(decoding: output, as: UTF8.self)])
                }
                return path
            }
        }
        return try Self.scene!.get()
    }

    /// Runs `code` as a script in a fresh folder (the scene is `SCENE` there); returns the result
    /// and the folder.
    private func run(_ code: String, timeout: Double = 90) throws -> (RScriptBinary.Result, String) {
        let scene = try blend()
        let dir = Self.folder + "/" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = dir + "/test.lua"
        try ("local SCENE = '\(scene)'\n" + code).write(toFile: script, atomically: true, encoding: .utf8)
        return (try RScriptBinary.run(["run", script], directory: dir, timeout: timeout), dir)
    }

    private func assertPassed(_ result: RScriptBinary.Result, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stdout.hasSuffix("ok\n"), "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)", file: file, line: line)
    }

    private func assertNoServerLeft(in dir: String, file: StaticString = #filePath, line: UInt = #line) {
        BlenderServers.assertNoneLeft(in: dir, file: file, line: line)
    }

    // MARK: - one client

    func testOneClientIsPersistentAndEveryCallWorks() throws {
        let (result, dir) = try run("""
            local blender = require('rscript.blender')
            local process = require('rscript.process')
            local client = blender.BlenderClient.spawn{ timeout = 30, threads = 1, log_dir = 'logs' }
            local pid = client.pid
            assert(math.type(pid) == 'integer' and pid > 0)
            local info = client:initialize(SCENE, 'renders/a')
            assert(info.frame_start == 1 and info.frame_end == 6 and info.camera == 'Camera', info.frame_end)
            assert(client:set_resolution(40, 30)[1] == 40)
            assert(client:set_resolution{ 36, 28 }[2] == 28)
            assert(client:set_current_frame(3) == 3)
            assert(client:set_camera('Camera') == 'Camera')
            assert(client:cycles_settings{ samples = 2 }.samples == 2)
            assert(client:image_settings{ file_format = 'PNG' }.file_format == 'PNG')
            local ok, message = pcall(client.set_camera, client, 'Nope')
            assert(not ok and message:find("no camera named 'Nope'", 1, true), message)
            -- a missing .blend: the Python error reaches Lua, the client goes on
            ok, message = pcall(client.initialize, client, 'missing.blend', 'renders/x')
            assert(not ok and message:find('no such .blend file', 1, true) and message:find('Traceback', 1, true), message)
            local one = client:render_frame(2)
            assert(one.frame == 2 and one.path:find('/renders/a/frames/frame_000002.png$') and one.pid == pid, one.path)
            local list = client:render_frames{ 4, 5 }
            assert(#list == 2 and list[2].frame == 5)
            local seen, last = {}, nil
            local frames = client:render_animation{ frame_start = 1, frame_end = 6, frame_step = 2, update_fn = function(p)
              assert(p.total == 3 and p.done <= 3, 'total and done')
              seen[#seen + 1] = p
              last = p
            end }
            assert(#frames == 3 and frames[1].frame == 1 and frames[3].frame == 5)
            assert(last.done == 3 and last.completed == 3, 'progress reaches the end')
            local samples = false
            for _, p in ipairs(seen) do if p.samples == 2 and p.sample > 0 then samples = true end end
            assert(samples, 'Cycles samples are reported')
            assert(client:move_keyframes{ scale = 2 }[2] == 12)
            assert(#client:animation_range() == 11)
            -- 20 renders with the resolution changed between them: one Blender throughout
            for i = 1, 20 do
              client:set_resolution(16 + i, 16)
              local r = client:render_frame(1 + i % 6)
              assert(r.pid == pid, 'the same Blender')
            end
            assert(client.pid == pid)
            client:close()
            assert(client.closed)
            -- reaped: no such process any more
            assert(process.spawn{ 'kill', '-0', tostring(pid) }:wait() ~= 0, 'Blender is gone')
            print('ok')
            """)
        assertPassed(result)
        let png = dir + "/renders/a/frames/frame_000005.png"
        XCTAssertTrue(FileManager.default.fileExists(atPath: png), png)
        let logs = try FileManager.default.contentsOfDirectory(atPath: dir + "/logs")
        XCTAssertEqual(logs.count, 1, "\(logs)")
        let log = try String(contentsOfFile: dir + "/logs/" + logs[0], encoding: .utf8)
        XCTAssertTrue(log.contains("Blender 3") || log.contains("Blender "), "Blender's own output goes to the log")
        XCTAssertTrue(log.contains("Saved: '"), "Blender's own output goes to the log")
        assertNoServerLeft(in: dir)
    }

    // MARK: - several clients

    func testClientsShareOneFrameQueueAndReportProgress() throws {
        let (result, dir) = try run("""
            local blender = require('rscript.blender')
            local fs = require('rscript.fs')
            local clients <close> = blender.BlenderClients.spawn{ jobs = 2, timeout = 30, threads = 1 }
            assert(#clients.clients == 2 and clients.pids[1] ~= clients.pids[2])
            local infos = clients:initialize(SCENE, 'renders/q')
            assert(#infos == 2 and infos[2].frame_end == 6)
            clients:set_resolution{ 32, 24 }
            local updates, maxDone = 0, 0
            local frames = clients:render_animation{ update_fn = function(p)
              updates = updates + 1
              assert(p.total == 6)
              if p.done > maxDone then maxDone = p.done end
            end }
            assert(#frames == 6, #frames)
            local byPid = {}
            for i, f in ipairs(frames) do
              assert(f.frame == i and fs.exists(f.path), f.path)
              byPid[f.pid] = (byPid[f.pid] or 0) + 1
            end
            assert(byPid[clients.pids[1]] and byPid[clients.pids[2]], 'both clients took frames')
            assert(maxDone == 6 and updates >= 6)
            print('ok')
            """)
        assertPassed(result)
        assertNoServerLeft(in: dir)
    }

    // MARK: - services

    func testServiceCallsAndARaisingServiceFunction() throws {
        let (result, dir) = try run("""
            local blender = require('rscript.blender')
            local client <close> = blender.BlenderClient.spawn{ timeout = 30, service = '\(Self.examples)/extended_service.py' }
            client:initialize(SCENE, 'renders/s')
            local aabb = client:call('scene_aabb')
            assert(#aabb == 2 and aabb[1][1] < aabb[2][1] and aabb[2][3] > 0, 'bounds')
            assert(#client:call('missing_textures') == 0)
            local ok, message = pcall(client.call, client, 'fail', 'on purpose')
            assert(not ok and message:find('ValueError: on purpose', 1, true), message)
            assert(message:find('Traceback', 1, true) and message:find('exposed_fail', 1, true), 'the Python traceback reaches Lua')
            ok, message = pcall(client.call, client, 'nope')
            assert(not ok and message:find('no function exposed_nope', 1, true) and message:find('scene_aabb', 1, true), message)
            assert(#client:call('scene_aabb') == 2, 'the client goes on after errors')
            print('ok')
            """)
        assertPassed(result)
        assertNoServerLeft(in: dir)
    }

    // MARK: - the pool

    func testPoolOfTwoOverSixFilesWithProgress() throws {
        let (result, dir) = try run("""
            local blender = require('rscript.blender')
            local PoolProgress = require('rscript.poolprogress')
            local fs = require('rscript.fs')
            local files = {}
            for i = 1, 6 do files[i] = SCENE end
            local out = {}
            local progress = PoolProgress.new{ stream = { write = function(_, ...) for _, s in ipairs({ ... }) do out[#out + 1] = s end end, flush = function() end } }
            local pool <close> = blender.BlenderClients.pool(2, { log_dir = 'logs', timeout = 30, threads = 1 })
            local function render(client, blend, i, tick)
              client:initialize(blend, 'renders/' .. i)
              client:set_resolution{ 24, 18 }
              return client:render_animation{ frame_end = 3, update_fn = tick }
            end
            for i, blend in ipairs(files) do
              local tick = progress:add_task('file ' .. i)
              pool:apply_async(render, { blend, i, tick })
            end
            progress:wait()
            local text = table.concat(out)
            assert(text:find('total 100%% 6/6 done'), text)
            -- map, imap, imap_unordered, starmap, apply
            local results = pool:map(function(client, i) return client:render_frame(i).frame end, { 1, 2, 3 })
            assert(results[1] == 1 and results[3] == 3)
            local n = 0
            for r, i in pool:imap(function(client, i) return i * 10 end, { 1, 2, 3 }) do n = n + 1 assert(r == i * 10) end
            assert(n == 3)
            local got = {}
            for r, i in pool:imap_unordered(function(client, i) return i end, { 1, 2, 3, 4 }) do got[r] = i end
            assert(got[1] == 1 and got[4] == 4)
            assert(pool:starmap(function(client, a, b) return a + b end, { { 1, 2 }, { 3, 4 } })[2] == 7)
            assert(pool:apply(function(client) return client.pid end) > 0)
            -- a task that raises fails with its traceback; the client is reused
            local pids = { pool.clients.pids[1], pool.clients.pids[2] }
            local ok, message = pcall(pool.map, pool, function(client, i) if i == 2 then error('boom ' .. i) end return i end, { 1, 2 })
            assert(not ok and message:find('task 2 of 2 failed', 1, true) and message:find('boom 2', 1, true) and message:find('traceback', 1, true), message)
            local after = pool:map(function(client) return client.pid end, { 1, 2 })
            assert((after[1] == pids[1] or after[1] == pids[2]) and (after[2] == pids[1] or after[2] == pids[2]), 'no restart after a Lua error')
            pool:close()
            pool:join()
            print('ok')
            """, timeout: 120)
        assertPassed(result)
        for i in 1...6 {
            for frame in 1...3 {
                let png = dir + "/renders/\(i)/frames/frame_00000\(frame).png"
                XCTAssertTrue(FileManager.default.fileExists(atPath: png), png)
            }
        }
        assertNoServerLeft(in: dir)
    }

    // MARK: - failures

    func testAKilledBlenderFailsItsTaskWithLogLinesAndTheClientRestarts() throws {
        let (result, dir) = try run("""
            local blender = require('rscript.blender')
            local process = require('rscript.process')
            local time = require('rscript.time')
            local task = require('rscript.task')
            local function slow(client, blend)
              client:initialize(blend, 'renders/k')
              client:set_resolution{ 200, 150 }
              client:cycles_settings{ samples = 4000 }
              return client:render_frame(1)
            end
            local function killSoon(pid)
              task.spawn(function() time.sleep(1.0) process.spawn{ 'kill', '-9', tostring(pid) }:wait() end)
            end
            local pool <close> = blender.BlenderClients.pool(1, { timeout = 30, threads = 1 })
            local first = pool.clients.pids[1]
            killSoon(first)
            local future = pool:apply_async(slow, { SCENE })
            local ok, message = pcall(future.get, future)
            assert(not ok and message:find('died', 1, true) and message:find('its last lines', 1, true), message)
            assert(message:find('Fra:1', 1, true), 'Blender log lines come with the error: ' .. message)
            local client = pool.clients.clients[1]
            assert(client.pid ~= first and not client.dead and client.restarts == 1, 'restarted')
            -- retried once when asked
            killSoon(client.pid)
            local retried = pool:apply_async(function(c, blend)
              c:initialize(blend, 'renders/r')
              if c.restarts == 1 then c:cycles_settings{ samples = 4000 } c:set_resolution{ 200, 150 } end
              return c:render_frame(2).frame
            end, { SCENE }, { retry = true })
            assert(retried:get() == 2)
            -- BlenderClients: the dead client's frame goes to the queue again; all frames come
            local clients <close> = blender.BlenderClients.spawn{ jobs = 2, timeout = 30, threads = 1 }
            clients:initialize(SCENE, 'renders/c')
            clients.clients[1]:cycles_settings{ samples = 4000 }
            clients.clients[1]:set_resolution{ 200, 150 }
            killSoon(clients.pids[1])
            local frames = clients:render_animation{}
            assert(#frames == 6, #frames)
            print('ok')
            """, timeout: 120)
        assertPassed(result)
        assertNoServerLeft(in: dir)
    }

    func testSpawnTimeoutAndABlenderThatExitsEarly() throws {
        let (result, dir) = try run("""
            local blender = require('rscript.blender')
            local time = require('rscript.time')
            local t0 = time.monotonic()
            local ok, message = pcall(blender.BlenderClient.spawn, { timeout = 0.3 })
            assert(not ok and message:find('not ready within 0.3 s', 1, true) and message:find('its last lines', 1, true), message)
            assert(time.monotonic() - t0 < 10)
            ok, message = pcall(blender.BlenderClient.spawn, { executable = "sh -c 'echo broken start; exit 4'" })
            assert(not ok and message:find('exited with code 4', 1, true) and message:find('broken start', 1, true), message)
            ok, message = pcall(blender.BlenderClient.spawn, { timeout = -1 })
            assert(not ok and message:find('timeout must be', 1, true), message)
            ok, message = pcall(blender.BlenderClient.spawn, { nope = 1 })
            assert(not ok and message:find("unknown option 'nope'", 1, true), message)
            print('ok')
            """)
        assertPassed(result)
        assertNoServerLeft(in: dir)
    }

    func testCloseWithARenderInFlight() throws {
        let (result, dir) = try run("""
            local blender = require('rscript.blender')
            local process = require('rscript.process')
            local time = require('rscript.time')
            local task = require('rscript.task')
            local client = blender.BlenderClient.spawn{ timeout = 30, threads = 1 }
            client:initialize(SCENE, 'renders/f')
            client:cycles_settings{ samples = 4000 }
            client:set_resolution{ 200, 150 }
            local failure
            local renderer = task.spawn(function()
              local ok, message = pcall(client.render_frame, client, 1)
              failure = not ok and message
            end)
            time.sleep(0.8)
            local t0 = time.monotonic()
            client:close()
            assert(time.monotonic() - t0 < 12, 'close does not hang')
            renderer:wait()
            assert(failure and failure:find('render_frame', 1, true), tostring(failure))
            assert(process.spawn{ 'kill', '-0', tostring(client.pid) }:wait() ~= 0, 'Blender is gone')
            print('ok')
            """)
        assertPassed(result)
        assertNoServerLeft(in: dir)
    }

    // MARK: - the CLI

    func testRenderFramesOnPersistentClients() throws {
        let scene = try blend()
        let dir = Self.folder + "/cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let env = ["RSCRIPT_DB": dir + "/gallery.db", "RSCRIPT_PLUGIN_PATH": dir + "/none:&"]
        let args = ["render", scene, "--renderer", "Blender", "--frames", "1-6", "--workers", "2", "--persistent",
                    "--res", "24x18", "--option", "threads=1", "--output", dir + "/out"]
        let result = try RScriptBinary.run(args, environment: env, directory: dir, timeout: 90)
        XCTAssertEqual(result.status, 0, "\(result.stdout)\n\(result.stderr)")
        XCTAssertTrue(result.stdout.contains("on 2 persistent Blenders"), result.stdout)
        for frame in 1...6 {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/out/scene_000\(frame).png"), "frame \(frame): \(result.stdout)")
        }
        let logs = try FileManager.default.contentsOfDirectory(atPath: dir + "/out/logs")
        XCTAssertEqual(logs.count, 2, "one Blender per worker, started once: \(logs)")
        // the same pattern as chunked renders: everything is skipped now
        let again = try RScriptBinary.run(args, environment: env, directory: dir, timeout: 60)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("all 6 frames are already in"), again.stdout)
        let wrong = try RScriptBinary.run(["render", scene, "--renderer", "POV-Ray", "--frames", "1-2", "--persistent"],
                                          environment: env, directory: dir, timeout: 30)
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("POV-Ray has no persistent clients"), wrong.stderr)
        let noFrames = try RScriptBinary.run(["render", scene, "--renderer", "Blender", "--persistent"],
                                             environment: env, directory: dir, timeout: 30)
        XCTAssertTrue(noFrames.stderr.contains("--persistent is for frame ranges"), noFrames.stderr)
        assertNoServerLeft(in: dir)
    }

    // MARK: - the ports of visionsim's examples

    func testTheExamplesRun() throws {
        _ = try blend()
        let dir = Self.folder + "/examples-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for example in ["render_animation", "render_animation_parallel", "renderpool_simple", "renderpool_progressbar", "extended_service"] {
            let result = try RScriptBinary.run(["run", Self.examples + "/\(example).lua"], directory: dir, timeout: 90)
            XCTAssertEqual(result.status, 0, "\(example):\n\(result.stdout)\n\(result.stderr)")
            if example.hasPrefix("render") && example != "renderpool_simple" {
                XCTAssertTrue(result.stdout.contains("100%"), "\(example) reaches 100%:\n\(result.stdout)")
            }
        }
        for scene in ["monkey", "cube", "metaballs"] {
            let frames = try FileManager.default.contentsOfDirectory(atPath: dir + "/renders/\(scene)/frames")
            XCTAssertGreaterThanOrEqual(frames.count, 5, "\(scene): \(frames)")
        }
        assertNoServerLeft(in: dir)
    }
}
