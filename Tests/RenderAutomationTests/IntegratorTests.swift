import LuaBridge
import RenderAutomation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `rscript.integrator` (scripts/lib/rscript/integrator.lua): templates, versions and the
/// integration transaction, against a fresh temporary folder per test (the chunk's `root`).
final class IntegratorTests: LuaModuleTestCase {
    private var root = ""
    override var scriptArguments: [String] { [root] }

    override func setUpWithError() throws {
        try super.setUpWithError()
        var template = Array("/tmp/rscript-integrator-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw XCTSkip("mkdtemp failed") }
        root = String(cString: made)
    }

    override func tearDown() {
        super.tearDown()
        _ = system("rm -rf '\(root)'")
    }

    /// `I` the integrator, `root` the test's folder, `stage(names...)` writes files (content: their
    /// name) into `root/stage`, `ls(dir)` lists a folder as one string, `publish(reps, extra)` an
    /// instance of subset renderMain on asset sh010 with those representations.
    override class var prelude: String { """
        local I = require("rscript.integrator"); local fs = require("rscript.fs"); local json = require("rscript.json")
        local root = ...
        local function eq(a, b) if a ~= b then error(string.format("expected %q, got %q", tostring(b), tostring(a)), 2) end end
        local function stage(...) fs.mkdir(root .. "/stage"); for _, n in ipairs({...}) do fs.write(root .. "/stage/" .. n, n) end end
        local function ls(dir) return fs.isdir(dir) and table.concat(fs.list(dir), " ") or "<none>" end
        local subsetDir = root .. "/proj/sh010/publish/render/renderMain"
        local function instance(reps, extra)
          local data = { family = "render", families = { "review" }, subset = "renderMain", variant = "Main", asset = "sh010",
            task = "lighting", instance_id = "0b6f0a8e-1111-4222-8333-944445555666", id = "pyblish.avalon.instance",
            frameStart = 1, frameEnd = 3, representations = reps }
          for k, v in pairs(extra or {}) do data[k] = v end
          return data
        end
        local context = { root = root, project = "proj", asset = "sh010", task = "lighting", user = "ada",
          workfile = "/work/shot.rscript.json", comment = "first pass", host = "rscript" }

        """ }

    func testFormatTemplateFollowsPythonFormat() {
        run("""
            local f = I.format_template
            eq(f("v{version:0>3}", { version = 3 }), "v003")
            eq(f("[{n:>5}][{n:<4}][{n:^6}][{n:03d}][{n:d}][{n}]", { n = 7 }), "[    7][7   ][  7   ][007][7][7]")
            eq(f("[{s:*^7}][{s:>4}][{s}][{s:.1}]", { s = "ab" }), "[**ab***][  ab][ab][a]")
            eq(f("{n:05d} {n:+d} {x:.2f}", { n = -3, x = 3.14159 }), "-0003 -3 3.14")
            eq(f("{frame:04d}", { frame = "12" }), "0012")  -- digits given as text are numbers for d
            eq(f("{{literal}} {a}}}", { a = 1 }), "{literal} 1}")
            eq(f("{shot.name}_{shot.cut}", { shot = { name = "sh010", cut = 2 } }), "sh010_2")
            eq(f(I.DEFAULT_TEMPLATE, { root = "/p", project = "P", asset = "a", family = "render", subset = "s",
              version = 12, ext = "exr" }), "/p/P/a/publish/render/s/v012/a_s_v012.exr")
            eq(table.concat(I.template_keys("{a}/{b:0>3}/{a}{{c}}"), ","), "a,b")
            """)
    }

    func testFormatTemplateErrors() {
        expectError("I.format_template('{root}/{asset}', { root = '/r' })",
                    "integrator: template key 'asset' has no value in '{root}/{asset}'")
        expectError("I.format_template('{root}/{task}', { root = '/r', task = null })",
                    "integrator: template key 'task' has no value in '{root}/{task}'")
        expectError("I.format_template('{a}}', { a = 1 })", "integrator: single '}' at position 4 in '{a}}'")
        expectError("I.format_template('{a', { a = 1 })", "integrator: unclosed '{' at position 1 in '{a'")
        expectError("I.format_template('{a:zz}', { a = 1 })", "integrator: bad format spec 'zz' for key 'a' in '{a:zz}'")
        expectError("I.format_template('{a:03d}', { a = 'abc' })",
                    "integrator: template key 'a' needs a whole number, got 'abc'")
        expectError("I.format_template('{a b}', {})", "integrator: bad template field '{a b}'")
        expectError("I.format_template(5, {})", "integrator.format_template: argument 'template' must be a string, got number")
        expectError("I.format_template('x')", "integrator.format_template: argument 'values' must be a table, got nil")
    }

    func testNextVersionIsLatestPlusOne() {
        run("""
            local values = { root = root, project = "proj", asset = "sh010", family = "render", subset = "renderMain" }
            eq(I.next_version(I.DEFAULT_TEMPLATE, values), 1)  -- the folder does not even exist
            fs.mkdir(subsetDir)
            eq(I.next_version(I.DEFAULT_TEMPLATE, values), 1)
            for _, name in ipairs({ "v001", "v002", "v007", ".v009.tmp-x", "vabc", "v010_old", "notes" }) do fs.mkdir(subsetDir .. "/" .. name) end
            fs.write(subsetDir .. "/v011", "a file, not a version")
            eq(I.next_version(I.DEFAULT_TEMPLATE, values), 8)  -- gaps: latest + 1
            fs.mkdir(subsetDir .. "/v1234")  -- wider than the padding still counts
            eq(I.next_version(I.DEFAULT_TEMPLATE, values), 1235)
            -- the version folder's name may hold other keys; they are matched literally
            local t = "{root}/{asset}/{subset}_v{version}/{subset}.{ext}"
            fs.mkdir(root .. "/sh010/renderMain_v4"); fs.mkdir(root .. "/sh010/other_v9")
            eq(I.next_version(t, { root = root, asset = "sh010", subset = "renderMain" }), 5)
            """)
        expectError("I.next_version('{root}/{asset}/{asset}_v{version:0>3}.{ext}', { root = root, asset = 'a' })",
                    "integrator: template puts {version} only in the file name; it must name a folder")
        expectError("I.next_version('{root}/{asset}.{ext}', { root = root, asset = 'a' })",
                    "integrator: template has no {version} field")
        expectError("I.next_version(I.DEFAULT_TEMPLATE, { root = root })",
                    "integrator: template key 'project' has no value")
    }

    func testIntegrateCopiesIntoTheVersionFolder() {
        run("""
            stage("beauty.png")
            local result = I.integrate(instance({ { name = "png", ext = "png", files = "beauty.png", stagingDir = root .. "/stage" } }), context)
            eq(result.version, 1)
            eq(result.folder, subsetDir .. "/v001")
            eq(#result.files, 1)
            eq(result.files[1], subsetDir .. "/v001/sh010_renderMain_v001.png")
            eq(fs.read(result.files[1]), "beauty.png")
            eq(result.metadata, subsetDir .. "/v001/version.json")
            eq(ls(result.folder), "sh010_renderMain_v001.png version.json")
            eq(ls(subsetDir), "v001")  -- the staging folder is gone
            -- a second publish gives v002, the first untouched
            local second = I.integrate(instance({ { name = "png", ext = "png", files = "beauty.png", stagingDir = root .. "/stage" } }), context)
            eq(second.version, 2)
            eq(second.files[1], subsetDir .. "/v002/sh010_renderMain_v002.png")
            eq(ls(subsetDir), "v001 v002")
            eq(ls(subsetDir .. "/v001"), "sh010_renderMain_v001.png version.json")
            """)
    }

    func testSequencesKeepTheirFrameNumbers() {
        run("""
            stage("beauty.0001.png", "beauty.0002.png", "beauty.0010.png", "thumb.jpg", "shot_1001.exr", "shot_1002.exr")
            local result = I.integrate(instance({
              { name = "png", ext = "png", files = { "beauty.0001.png", "beauty.0002.png", "beauty.0010.png" }, stagingDir = root .. "/stage" },
              { name = "thumbnail", ext = "jpg", files = "thumb.jpg", stagingDir = root .. "/stage" },
            }), context)
            eq(ls(result.folder), "sh010_renderMain_v001.0001.png sh010_renderMain_v001.0002.png sh010_renderMain_v001.0010.png sh010_renderMain_v001.jpg version.json")
            eq(fs.read(result.folder .. "/sh010_renderMain_v001.0010.png"), "beauty.0010.png")
            eq(result.representations[1].name, "png"); eq(#result.representations[1].files, 3)
            -- a template with {frame} places it; a single file drops it with its separator
            local ctx = { publish_template = "{root}/{asset}/{subset}/v{version:0>2}/{subset}_{frame}.{ext}" }
            for k, v in pairs(context) do ctx[k] = ctx[k] or v end
            local other = I.integrate(instance({
              { name = "exr", files = { "shot_1001.exr", "shot_1002.exr" }, stagingDir = root .. "/stage" },
              { name = "thumbnail", files = "thumb.jpg", stagingDir = root .. "/stage" },
            }), ctx)
            eq(other.folder, root .. "/sh010/renderMain/v01")
            eq(ls(other.folder), "renderMain.jpg renderMain_1001.exr renderMain_1002.exr version.json")
            """)
        expectError("""
            stage("a.0001.png", "b.png")
            I.integrate(instance({ { name = "png", files = { "a.0001.png", "b.png" }, stagingDir = root .. "/stage" } }), context)
            """, "integrator: representation 'png' is a frame sequence but its file 'b.png' has no frame number")
    }

    func testRepresentationsThatWouldCollideGetTheirName() {
        run("""
            stage("review.png", "thumb.png", "beauty.exr")
            local result = I.integrate(instance({
              { name = "review", ext = "png", files = "review.png", stagingDir = root .. "/stage" },
              { name = "thumbnail", ext = "png", files = "thumb.png", stagingDir = root .. "/stage" },
              { name = "exr", ext = "exr", files = "beauty.exr", stagingDir = root .. "/stage" },
            }), context)
            eq(ls(result.folder), "sh010_renderMain_v001.exr sh010_renderMain_v001_review.png sh010_renderMain_v001_thumbnail.png version.json")
            eq(fs.read(result.folder .. "/sh010_renderMain_v001_thumbnail.png"), "thumb.png")
            """)
        expectError("""
            stage("review.png", "thumb.png")
            I.integrate(instance({
              { name = "png", files = "review.png", stagingDir = root .. "/stage" },
              { name = "png", files = "thumb.png", stagingDir = root .. "/stage" },
            }), context)
            """, "integrator: representations 'png' and 'png' would both write 'sh010_renderMain_v002.png'")
    }

    func testMetadataDescribesTheVersion() {
        run("""
            stage("beauty.0001.png", "beauty.0002.png", "beauty.0003.png")
            local before = os.time()
            local result = I.integrate(instance({
              { name = "png", ext = "png", files = { "beauty.0001.png", "beauty.0002.png", "beauty.0003.png" },
                stagingDir = root .. "/stage", frameStart = 1, frameEnd = 3 },
            }, { task = null }), context)
            local meta = json.decode(fs.read(result.metadata))
            eq(meta.family, "render"); eq(table.concat(meta.families, ","), "render,review")
            eq(meta.subset, "renderMain"); eq(meta.asset, "sh010"); eq(meta.project, "proj"); eq(meta.variant, "Main")
            eq(meta.task, "lighting")  -- the instance's null task falls back to the context's
            eq(meta.version, 1); eq(meta.author, "ada"); eq(meta.source, "/work/shot.rscript.json")
            eq(meta.comment, "first pass"); eq(meta.host, "rscript")
            eq(meta.frameStart, 1); eq(meta.frameEnd, 3)
            eq(meta.instance_id, "0b6f0a8e-1111-4222-8333-944445555666")
            eq(meta.template, I.DEFAULT_TEMPLATE)
            assert(meta.time:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"), meta.time)
            local after = os.time()
            local minute = meta.time:sub(1, 16)
            assert(minute == os.date("!%Y-%m-%dT%H:%M", before) or minute == os.date("!%Y-%m-%dT%H:%M", after), "not UTC now: " .. meta.time)
            eq(#meta.representations, 1)
            local rep = meta.representations[1]
            eq(rep.name, "png"); eq(rep.ext, "png"); eq(rep.frameStart, 1); eq(rep.frameEnd, 3)
            eq(table.concat(rep.files, " "), "sh010_renderMain_v001.0001.png sh010_renderMain_v001.0002.png sh010_renderMain_v001.0003.png")
            -- without a user in the context the author is $USER; without frames in the data, the sequence's
            local ctx = { root = root, project = "proj" }
            local data = instance({ { name = "png", files = { "beauty.0002.png", "beauty.0003.png" }, stagingDir = root .. "/stage" } })
            data.frameStart, data.frameEnd = nil, nil
            local meta2 = json.decode(fs.read(I.integrate(data, ctx).metadata))
            eq(meta2.author, os.getenv("USER") or null); eq(meta2.source, null); eq(meta2.comment, "")
            eq(meta2.frameStart, 2); eq(meta2.frameEnd, 3); eq(meta2.version, 2)
            """)
    }

    func testFailureRollsBackWithoutAPartialVersion() {
        run("""
            stage("beauty.0001.png", "beauty.0002.png")
            I.integrate(instance({ { name = "png", files = { "beauty.0001.png" }, stagingDir = root .. "/stage" } }), context)
            eq(ls(subsetDir), "v001")
            -- the third frame is missing: two files are copied, then the copy fails
            local ok, err = pcall(I.integrate, instance({
              { name = "png", files = { "beauty.0001.png", "beauty.0002.png", "beauty.0003.png" }, stagingDir = root .. "/stage" },
            }), context)
            eq(ok, false)
            assert(err:find("integrator: representation 'png': fs.copy: cannot open " .. root .. "/stage/beauty.0003.png", 1, true), err)
            eq(ls(subsetDir), "v001")  -- no v002, no hidden staging folder
            -- a fresh subset leaves no version either
            local ok2 = pcall(I.integrate, instance({ { name = "png", files = "missing.png", stagingDir = root .. "/stage" } },
              { subset = "renderFresh" }), context)
            eq(ok2, false)
            eq(ls(root .. "/proj/sh010/publish/render/renderFresh"), "")
            -- the next publish still gets v002
            eq(I.integrate(instance({ { name = "png", files = "beauty.0002.png", stagingDir = root .. "/stage" } }), context).version, 2)
            """)
    }

    func testConcurrentPublishTakesTheNextVersion() {
        run("""
            stage("beauty.png")
            local rename, calls = fs.rename, 0
            -- another publish takes v001 between our staging and our rename
            fs.rename = function(from, to)
              calls = calls + 1
              if calls == 1 then fs.mkdir(to); fs.write(to .. "/theirs.png", "theirs") end
              return rename(from, to)
            end
            local ok, result = pcall(I.integrate, instance({ { name = "png", files = "beauty.png", stagingDir = root .. "/stage" } }), context)
            fs.rename = rename
            assert(ok, result)
            eq(result.version, 2)
            eq(result.files[1], subsetDir .. "/v002/sh010_renderMain_v002.png")
            eq(ls(subsetDir), "v001 v002")
            eq(ls(subsetDir .. "/v001"), "theirs.png")
            eq(json.decode(fs.read(result.metadata)).version, 2)
            -- a fixed version that exists is an error
            local ok2, err = pcall(I.integrate, instance({ { name = "png", files = "beauty.png", stagingDir = root .. "/stage" } }), context, { version = 2 })
            eq(ok2, false); assert(err:find("version 2 of 'renderMain' already exists", 1, true), err)
            """)
    }

    func testTemplateChoiceAndBadInput() {
        run("""
            eq(I.resolve_template({ publish_template = "{root}/a/v{version}/x.{ext}" }, "{root}/b/v{version}/x.{ext}"), "{root}/a/v{version}/x.{ext}")
            if not os.getenv("RSCRIPT_PUBLISH_TEMPLATE") then
              eq(I.resolve_template({}, "{root}/b/v{version}/x.{ext}"), "{root}/b/v{version}/x.{ext}")
              eq(I.resolve_template({}), I.DEFAULT_TEMPLATE)
            end
            stage("a.png")
            local r = I.integrate(instance({ { files = "a.png", stagingDir = root .. "/stage" } }), context,
              { template = "{root}/flat/{subset}/{version:04d}/{representation}.{ext}" })
            eq(r.files[1], root .. "/flat/renderMain/0001/png.png")  -- name defaults to the extension
            """)
        expectError("I.integrate(instance({}), context)", "integrator: instance 'renderMain' has no representations to integrate")
        expectError("I.integrate(instance({ { name = 'png', files = 'a.png' } }), context)",
                    "integrator: representation 'png' has no stagingDir for its file 'a.png'")
        expectError("stage('a.png'); I.integrate(instance({ { files = 'a.png', stagingDir = root .. '/stage' } }), context, { template = '{root}/{asset}_v{version}.{ext}' })",
                    "integrator: template puts {version} only in the file name; it must name a folder")
        expectError("stage('a.png'); I.integrate(instance({ { files = 'a.png', stagingDir = root .. '/stage' } }), { project = 'p' })",
                    "integrator: template key 'root' has no value in '{root}/{project}/{asset}/publish/")  // the whole template
        expectError("I.integrate('x')", "integrator.integrate: argument 'instance_data' must be a table, got string")
    }
}
