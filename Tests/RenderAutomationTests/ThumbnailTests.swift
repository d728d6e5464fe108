import Foundation
@testable import RenderAutomation
import RScriptTesting
import Synchronization
import XCTest

/// Thumbnails and contact sheets on real image files: PPM written here, PNG and JPEG made by the
/// `vips` command, OpenEXR saved by Blender. Checks the PNGs' sizes, the cache (hits, an image
/// that changes, many threads at once), the placeholders, and that rscript does not link libvips.
final class ThumbnailTests: XCTestCase {
    var folder: String!
    var cache: ThumbnailCache!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "rscript-thumbs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        cache = ThumbnailCache(directory: folder + "/thumbnails")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    // MARK: Formats

    func testPPMGivesAPNG256PixelsOnTheLongSideWithItsAspect() throws {
        let image = try writePPM("frame.ppm", width: 640, height: 360)
        let thumb = cache.thumbnail(of: image)
        XCTAssertFalse(thumb.isPlaceholder, thumb.reason ?? "")
        XCTAssertNil(thumb.reason)
        XCTAssertEqual(try pngSize(thumb.bytes), Size(256, 144))
    }

    func testPNGAndJPEGKeepTheirAspectWhicheverSideIsLong() throws {
        let tall = try convert(try writePPM("tall.ppm", width: 300, height: 600), to: "tall.png")
        let wide = try convert(try writePPM("wide.ppm", width: 1000, height: 500), to: "wide.jpg")
        XCTAssertEqual(try pngSize(cache.thumbnail(of: tall).bytes), Size(128, 256))
        XCTAssertEqual(try pngSize(cache.thumbnail(of: wide).bytes), Size(256, 128))
        // Other sizes on request; a small image is scaled up to the size asked for.
        XCTAssertEqual(try pngSize(cache.thumbnail(of: wide, size: 64).bytes), Size(64, 32))
        let small = try writePPM("small.ppm", width: 40, height: 20)
        XCTAssertEqual(try pngSize(cache.thumbnail(of: small).bytes), Size(256, 128))
        // A size from a URL is clamped.
        XCTAssertEqual(try pngSize(cache.thumbnail(of: small, size: 0).bytes), Size(16, 8))
        XCTAssertEqual(try pngSize(cache.thumbnail(of: small, size: 1_000_000).bytes), Size(2048, 1024))
    }

    /// 16-bit, grey and RGBA PNGs all become 8-bit thumbnails, and tile one contact sheet.
    func testSixteenBitGreyAndAlphaPNGsMixInOneSheet() throws {
        let source = try writePPM("src.ppm", width: 300, height: 200)
        let deep = folder + "/deep.png", grey = folder + "/grey.png", alpha = folder + "/alpha.png"
        _ = try vipsOutput(["colourspace", source, deep, "rgb16"])
        _ = try vipsOutput(["colourspace", source, grey, "b-w"])
        _ = try vipsOutput(["bandjoin_const", source, alpha, "128"])
        for image in [deep, grey, alpha] {
            let thumb = cache.thumbnail(of: image)
            XCTAssertFalse(thumb.isPlaceholder, thumb.reason ?? "")
            XCTAssertEqual(try pngSize(thumb.bytes), Size(256, 171), image)
            XCTAssertEqual(thumb.bytes[24], 8, "\(image): not 8 bits per sample")  // IHDR bit depth
        }
        let sheet = cache.contactSheet([(1, deep), (2, grey), (3, alpha)])
        XCTAssertNil(sheet.reason)
        XCTAssertEqual(try pngSize(sheet.bytes), Size(3 * 160 + 2 * ThumbnailCache.tileGap, 107 + ThumbnailCache.labelHeight(forTile: 160)))
    }

    /// One Blender start (a second or two): the only OpenEXR writer on the machine.
    func testOpenEXRFromBlenderIsConvertedToSRGBNotBlack() throws {
        let exr = folder + "/beauty.exr"
        try makeEXR(exr, width: 64, height: 32)
        let thumb = cache.thumbnail(of: exr)
        XCTAssertFalse(thumb.isPlaceholder, thumb.reason ?? "")
        XCTAssertEqual(try pngSize(thumb.bytes), Size(256, 128))
        // Linear float light converted to 8-bit sRGB: mid-greys and brights, not black or clipped noise.
        let png = folder + "/exr-thumb.png"
        try Data(thumb.bytes).write(to: URL(fileURLWithPath: png))
        let mean = try Double(vipsOutput(["avg", png]).trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertGreaterThan(try XCTUnwrap(mean), 100)
    }

    // MARK: Cache

    func testSecondCallIsServedFromTheCache() throws {
        let image = try writePPM("frame.ppm", width: 320, height: 240)
        let first = cache.thumbnail(of: image)
        let files = try cachedFiles()
        XCTAssertEqual(files.count, 1, "\(files)")
        let written = try modified(files[0])
        let made = ThumbnailCache.generated.load(ordering: .relaxed)

        let second = cache.thumbnail(of: image)
        XCTAssertEqual(ThumbnailCache.generated.load(ordering: .relaxed), made, "the second call made it again")
        XCTAssertEqual(second, first)
        XCTAssertEqual(try modified(files[0]), written)
        // Another value on the same folder (as each request may make) shares the cache.
        XCTAssertEqual(ThumbnailCache(directory: folder + "/thumbnails").thumbnail(of: image), first)
        XCTAssertEqual(ThumbnailCache.generated.load(ordering: .relaxed), made)
        // A different size is a different entry.
        XCTAssertNotEqual(cache.thumbnail(of: image, size: 128).etag, first.etag)
        XCTAssertEqual(try cachedFiles().count, 2)
    }

    func testAChangedImageIsMadeAgainAndItsOldThumbnailRemoved() throws {
        let image = try writePPM("frame.ppm", width: 400, height: 200)
        let before = cache.thumbnail(of: image)
        XCTAssertEqual(try pngSize(before.bytes), Size(256, 128))

        // Re-rendered in place: new pixels, a later mtime.
        _ = try writePPM("frame.ppm", width: 200, height: 400)
        try setModified(image, Date().addingTimeInterval(5))
        let after = cache.thumbnail(of: image)
        XCTAssertEqual(try pngSize(after.bytes), Size(128, 256))
        XCTAssertNotEqual(after.etag, before.etag)
        let files = try cachedFiles()
        XCTAssertEqual(files.count, 1, "the outdated thumbnail stays: \(files)")

        // Only the mtime changes (touch): made again too, since the key is path + mtime.
        let made = ThumbnailCache.generated.load(ordering: .relaxed)
        try setModified(image, Date().addingTimeInterval(10))
        XCTAssertNotEqual(cache.thumbnail(of: image).etag, after.etag)
        XCTAssertEqual(ThumbnailCache.generated.load(ordering: .relaxed), made + 1)
    }

    func testManyThreadsAskingForOneThumbnailMakeItOnce() throws {
        let image = try writePPM("big.ppm", width: 1920, height: 1080)
        let made = ThumbnailCache.generated.load(ordering: .relaxed)
        let results = Mutex<[Thumbnail]>([])
        let cache = self.cache!
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let thumb = cache.thumbnail(of: image)
            results.withLock { $0.append(thumb) }
        }
        let all = results.withLock { $0 }
        XCTAssertEqual(all.count, 16)
        XCTAssertEqual(Set(all.map(\.bytes)).count, 1, "threads got different bytes")
        XCTAssertFalse(all[0].isPlaceholder, all[0].reason ?? "")
        XCTAssertEqual(ThumbnailCache.generated.load(ordering: .relaxed), made + 1, "made more than once")
        // One cache file, and no temporary file left behind.
        let folderFiles = try FileManager.default.subpathsOfDirectory(atPath: folder + "/thumbnails")
            .filter { !$0.hasSuffix("/") && $0.contains(".") }
        XCTAssertEqual(folderFiles.count, 1, "\(folderFiles)")
        XCTAssertEqual(try CacheFile.read(cachedFiles()[0]), all[0].bytes)
    }

    func testDifferentImagesAtOnceAllGetTheirOwnThumbnails() throws {
        let images = try (0..<6).map { try writePPM("f\($0).ppm", width: 100 + 50 * $0, height: 100) }
        let results = Mutex<[String: Thumbnail]>([:])
        let cache = self.cache!
        DispatchQueue.concurrentPerform(iterations: images.count * 3) { i in
            let image = images[i % images.count]
            let thumb = cache.thumbnail(of: image)
            results.withLock { $0[image + "#\(i)"] = thumb }
        }
        for (i, image) in images.enumerated() {
            let thumb = results.withLock { $0[image + "#\(i)"] }
            XCTAssertEqual(try pngSize(XCTUnwrap(thumb).bytes), Size(256, Int((256 * 100 / Double(100 + 50 * i)).rounded())))
        }
        XCTAssertEqual(try cachedFiles().count, images.count)
    }

    func testTheCacheSitsBesideTheDatabase() {
        // Named after the database, as the gallery's work folders (NAME-renders) are.
        XCTAssertEqual(ThumbnailCache.beside(database: "/srv/gallery/rscript.db").directory, "/srv/gallery/rscript-thumbnails")
        XCTAssertEqual(ThumbnailCache.beside(database: "shots.v2.db").directory, "./shots.v2-thumbnails")
        XCTAssertEqual(ThumbnailCache.beside(database: "/gallery").directory, "/gallery-thumbnails")
        XCTAssertEqual(ThumbnailCache.beside(database: "/srv/.db").directory, "/srv/.db-thumbnails")
    }

    func testAnUnwritableCacheStillServesTheThumbnailAndSaysWhy() throws {
        let image = try writePPM("frame.ppm", width: 300, height: 150)
        let blocked = folder + "/not-a-folder"
        _ = FileManager.default.createFile(atPath: blocked, contents: Data("x".utf8))
        let thumb = ThumbnailCache(directory: blocked).thumbnail(of: image)
        XCTAssertFalse(thumb.isPlaceholder)
        XCTAssertEqual(try pngSize(thumb.bytes), Size(256, 128))
        XCTAssertTrue(thumb.reason?.contains("cannot make the thumbnail cache folder \(blocked)") == true,
                      thumb.reason ?? "no reason")
    }

    // MARK: Placeholders

    func testAMissingImageGivesAPlaceholderAndTheReason() throws {
        let missing = folder + "/renders/0042.exr"
        let thumb = cache.thumbnail(of: missing)
        XCTAssertTrue(thumb.isPlaceholder)
        XCTAssertEqual(thumb.reason, "cannot read \(missing): No such file or directory")
        XCTAssertEqual(try pngSize(thumb.bytes), Size(256, 256))
        XCTAssertEqual(try cachedFiles(), [])
        // A folder is not an image either.
        XCTAssertEqual(cache.thumbnail(of: folder).reason, "\(folder!) is not a file")
    }

    func testAGarbageFileGivesAPlaceholderOnceAndIsNotRetried() throws {
        let garbage = folder + "/broken.png"
        _ = FileManager.default.createFile(atPath: garbage, contents: Data((0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))
        let thumb = cache.thumbnail(of: garbage, size: 100)
        XCTAssertTrue(thumb.isPlaceholder)
        let reason = try XCTUnwrap(thumb.reason)
        XCTAssertTrue(reason.hasPrefix("cannot make a thumbnail of \(garbage): "), reason)
        XCTAssertTrue(reason.contains("not a known file format") || reason.contains("png"), reason)
        XCTAssertEqual(try pngSize(thumb.bytes), Size(100, 100))
        XCTAssertEqual(try cachedFiles(), [])
        // Asked again (a page reloading): the same answer, from memory.
        XCTAssertEqual(cache.thumbnail(of: garbage, size: 100), thumb)
        // Replaced by a real image: tried afresh.
        try FileManager.default.removeItem(atPath: garbage)
        _ = try convert(try writePPM("good.ppm", width: 50, height: 100), to: "broken.png")
        let fixed = cache.thumbnail(of: garbage, size: 100)
        XCTAssertFalse(fixed.isPlaceholder, fixed.reason ?? "")
        XCTAssertEqual(try pngSize(fixed.bytes), Size(50, 100))
    }

    /// A frame still being written (cut short): a placeholder, not a half-grey thumbnail that
    /// would be cached; once complete (a new mtime and length) it gets its thumbnail.
    func testATruncatedImageGivesAPlaceholderUntilItIsComplete() throws {
        let whole = try convert(try writePPM("noise.ppm", width: 640, height: 360, noise: true), to: "whole.jpg")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        let frame = folder + "/frame.jpg"
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: frame))
        let partial = cache.thumbnail(of: frame)
        XCTAssertTrue(partial.isPlaceholder, "a truncated JPEG gave a thumbnail")
        let reason = try XCTUnwrap(partial.reason)
        XCTAssertTrue(reason.hasPrefix("cannot make a thumbnail of \(frame): "), reason)
        XCTAssertFalse(reason.contains("\n"), reason)
        XCTAssertEqual(try cachedFiles(), [])

        try bytes.write(to: URL(fileURLWithPath: frame))
        try setModified(frame, Date().addingTimeInterval(2))
        let complete = cache.thumbnail(of: frame)
        XCTAssertFalse(complete.isPlaceholder, complete.reason ?? "")
        XCTAssertEqual(try pngSize(complete.bytes), Size(256, 144))
    }

    /// Without libvips (`RSCRIPT_LIBVIPS` names a missing library): plain placeholders and the
    /// reason. libvips loads once per process, so this test runs itself again in a child process
    /// of the test binary with that environment.
    func testWithoutLibvipsEveryImageGetsAPlainPlaceholderAndTheReason() throws {
        let missing = "/nonexistent/libvips.so.42"
        if ProcessInfo.processInfo.environment["RSCRIPT_LIBVIPS"] == missing {
            let image = try writePPM("frame.ppm", width: 64, height: 32)
            let thumb = cache.thumbnail(of: image)
            XCTAssertTrue(thumb.isPlaceholder)
            XCTAssertEqual(thumb.reason, "libvips could not be loaded: \(missing): cannot open shared object file: "
                           + "No such file or directory (Debian: apt-get install libvips42)")
            XCTAssertEqual(thumb.bytes, PlainPNG.grey(width: 256, height: 256))
            let sheet = cache.contactSheet([(1, image)])
            XCTAssertTrue(sheet.isPlaceholder)
            XCTAssertTrue(sheet.reason?.contains("frame 1: libvips could not be loaded") == true, sheet.reason ?? "")
            XCTAssertEqual(try pngSize(sheet.bytes), Size(160, 160))
            XCTAssertEqual(try cachedFiles(), [])
            return
        }
        let name = "RenderAutomationTests.ThumbnailTests/testWithoutLibvipsEveryImageGetsAPlainPlaceholderAndTheReason"
        let child = try RScriptBinary.run([name], environment: ["RSCRIPT_LIBVIPS": missing],
                                          executable: CommandLine.arguments[0])
        XCTAssertEqual(child.status, 0, child.stdout + child.stderr)
        XCTAssertTrue(child.stdout.contains("Executed 1 test, with 0 failures"), child.stdout + child.stderr)
    }

    func testThePlainPlaceholderMadeWithoutLibvipsIsAPNGOthersRead() throws {
        for (width, height) in [(1, 1), (20, 10), (256, 256), (300, 300)] {
            let bytes = PlainPNG.grey(width: width, height: height)
            XCTAssertEqual(try pngSize(bytes), Size(width, height))
            let file = folder + "/plain-\(width).png"
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            XCTAssertEqual(Double(try vipsOutput(["avg", file]).trimmingCharacters(in: .whitespacesAndNewlines)), 128)
        }
    }

    // MARK: Contact sheets

    func testAContactSheetTilesFramesWithAPlaceholderForAMissingOne() throws {
        var frames: [(frame: Int, path: String)] = []
        for frame in 1...5 {
            let path = folder + String(format: "/shot.%04d.ppm", frame)
            if frame != 3 { _ = try writePPM(URL(fileURLWithPath: path).lastPathComponent, width: 320, height: 180) }
            frames.append((frame, path))
        }
        let size = 160, label = ThumbnailCache.labelHeight(forTile: 160), gap = ThumbnailCache.tileGap
        let row = cache.contactSheet(frames)
        XCTAssertFalse(row.isPlaceholder, row.reason ?? "")
        // Cells the size of the 16:9 thumbnails (160 x 90), the missing frame's placeholder too.
        XCTAssertEqual(try pngSize(row.bytes), Size(5 * size + 4 * gap, 90 + label))
        let reason = try XCTUnwrap(row.reason, "the missing frame is not reported")
        XCTAssertTrue(reason.hasPrefix("frame 3: cannot read \(frames[2].path)"), reason)

        let grid = cache.contactSheet(frames, columns: 2)
        XCTAssertEqual(try pngSize(grid.bytes), Size(2 * size + gap, 3 * (90 + label) + 2 * gap))
        XCTAssertNotEqual(grid.etag, row.etag)
        XCTAssertEqual(cache.contactSheet(frames, columns: 2).etag, grid.etag)

        // Tiles of the size asked for; the per-frame thumbnails are cached for the next sheet.
        let small = cache.contactSheet(Array(frames.prefix(2)), size: 64)
        XCTAssertEqual(try pngSize(small.bytes), Size(2 * 64 + gap, 36 + ThumbnailCache.labelHeight(forTile: 64)))
        XCTAssertNil(small.reason)
        XCTAssertEqual(try cachedFiles().filter { $0.hasSuffix("/160-") || $0.contains("/160-") }.count, 4)
    }

    func testAContactSheetShowsAtMostItsMaximumOfFrames() throws {
        let image = try writePPM("frame.ppm", width: 32, height: 32)
        let count = ThumbnailCache.maximumSheetFrames + 5
        let sheet = cache.contactSheet((1...count).map { ($0, image) }, columns: 50, size: 16)
        XCTAssertFalse(sheet.isPlaceholder, sheet.reason ?? "")
        XCTAssertEqual(sheet.reason, "the sheet shows the first \(ThumbnailCache.maximumSheetFrames) of \(count) frames")
        let rows = ThumbnailCache.maximumSheetFrames / 50, label = ThumbnailCache.labelHeight(forTile: 16)
        XCTAssertEqual(try pngSize(sheet.bytes), Size(50 * 16 + 49 * ThumbnailCache.tileGap, rows * (16 + label) + (rows - 1) * ThumbnailCache.tileGap))
    }

    func testAContactSheetOfNoFramesIsAPlaceholder() throws {
        let sheet = cache.contactSheet([])
        XCTAssertTrue(sheet.isPlaceholder)
        XCTAssertEqual(sheet.reason, "a contact sheet of no frames")
        XCTAssertEqual(try pngSize(sheet.bytes), Size(160, 160))
    }

    func testTheAsyncCallsGiveTheSameResults() async throws {
        let image = try writePPM("frame.ppm", width: 200, height: 100)
        let sync = { self.cache.thumbnail(of: image) }()  // a sync context picks the blocking call
        let async = await cache.thumbnail(of: image)
        XCTAssertEqual(async, sync)
        let sheet = await cache.contactSheet([(7, image)])
        XCTAssertEqual(try pngSize(sheet.bytes), Size(160, 80 + ThumbnailCache.labelHeight(forTile: 160)))
    }

    // MARK: Figures

    /// The figure in docs/thumbnails.md: a 1920 x 1080 PNG of noise (the slowest kind to decode)
    /// thumbnailed cold, then served from the cache. Prints both; checks only that the cache is
    /// the faster, by a wide margin.
    func testAFullHDPNGColdThenCached() throws {
        let image = try convert(try writePPM("hd.ppm", width: 1920, height: 1080, noise: true), to: "hd.png")
        let loadStart = ContinuousClock.now
        try VipsImage.load()
        let load = ContinuousClock.now - loadStart
        let coldStart = ContinuousClock.now
        let cold = cache.thumbnail(of: image)
        let coldTime = ContinuousClock.now - coldStart
        XCTAssertFalse(cold.isPlaceholder, cold.reason ?? "")
        let runs = 200
        let cachedStart = ContinuousClock.now
        for _ in 0..<runs { XCTAssertEqual(cache.thumbnail(of: image).etag, cold.etag) }
        let cached = (ContinuousClock.now - cachedStart) / runs
        print("thumbnail of a 1920x1080 PNG: cold \(ms(coldTime)), cached \(ms(cached)) (libvips load \(ms(load)), \(cold.bytes.count) bytes)")
        XCTAssertLessThan(cached * 10, coldTime)
    }

    private func ms(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.3f ms", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }

    // MARK: Start-up

    /// libvips is opened with dlopen at the first thumbnail, so no rscript start pays for loading
    /// it and glib; a link-time dependency would show here.
    func testTheRScriptBinaryDoesNotLinkLibvips() throws {
        let binary = RScriptBinary.path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build rscript first (swift build), or set RSCRIPT_BIN: \(binary)")
        let ldd = try RScriptBinary.run([binary], executable: "/usr/bin/ldd")
        XCTAssertEqual(ldd.status, 0, ldd.stderr)
        XCTAssertTrue(ldd.stdout.contains("libc.so"), ldd.stdout)
        for library in ["libvips", "libglib", "libgobject"] {
            XCTAssertFalse(ldd.stdout.contains(library), "rscript links \(library):\n\(ldd.stdout)")
        }
    }

    // MARK: Helpers

    struct Size: Equatable, CustomStringConvertible {
        let width: Int, height: Int
        init(_ width: Int, _ height: Int) { self.width = width; self.height = height }
        var description: String { "\(width)x\(height)" }
    }

    /// The dimensions in a PNG's IHDR chunk; fails when `bytes` is not a PNG.
    func pngSize(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> Size {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 24, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            XCTFail("not a PNG (\(bytes.count) bytes: \(bytes.prefix(16).map { String($0, radix: 16) }))", file: file, line: line)
            throw CocoaError(.fileReadCorruptFile)
        }
        func word(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return Size(word(16), word(20))
    }

    /// A binary PPM (P6) of a colour gradient (or of noise, which compresses badly) in the test's folder.
    func writePPM(_ name: String, width: Int, height: Int, noise: Bool = false) throws -> String {
        var bytes = Array("P6\n\(width) \(height)\n255\n".utf8)
        bytes.reserveCapacity(bytes.count + width * height * 3)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15  // xorshift: noise fast enough in a debug build
        for y in 0..<height {
            for x in 0..<width {
                if noise {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17
                    bytes += [UInt8(truncatingIfNeeded: state), UInt8(truncatingIfNeeded: state >> 8), UInt8(truncatingIfNeeded: state >> 16)]
                } else {
                    bytes += [UInt8(x * 255 / max(width - 1, 1)), UInt8(y * 255 / max(height - 1, 1)), 96]
                }
            }
        }
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `image` converted by the `vips` command to the format `name`'s extension says.
    func convert(_ image: String, to name: String) throws -> String {
        let out = folder + "/" + name
        _ = try vipsOutput(["copy", image, out])
        return out
    }

    /// The standard output of `vips ARGS...`.
    func vipsOutput(_ arguments: [String]) throws -> String {
        let vips = "/usr/bin/vips"
        guard FileManager.default.isExecutableFile(atPath: vips) else {
            XCTFail("vips is not installed: `apt-get install -y libvips-tools` (tools/setup.sh installs it)")
            throw CocoaError(.fileNoSuchFile)
        }
        let result = try RScriptBinary.run(arguments, executable: vips)
        XCTAssertEqual(result.status, 0, "vips \(arguments.joined(separator: " ")): \(result.stderr)")
        return result.stdout
    }

    /// A float OpenEXR saved by Blender: a gradient in linear light from 0 to 4 (over-bright).
    func makeEXR(_ path: String, width: Int, height: Int) throws {
        let blender = "/usr/bin/blender"
        guard FileManager.default.isExecutableFile(atPath: blender) else {
            XCTFail("blender is not installed: `apt-get install -y blender` (tools/setup.sh installs it)")
            throw CocoaError(.fileNoSuchFile)
        }
        let script = """
        import bpy
        w, h = \(width), \(height)
        img = bpy.data.images.new("t", width=w, height=h, float_buffer=True)
        img.pixels = [v for y in range(h) for x in range(w) for v in (x / w * 4.0, y / h, 0.25, 1.0)]
        img.filepath_raw = \(String(reflecting: path))
        img.file_format = "OPEN_EXR"
        img.save()
        """
        let result = try RScriptBinary.run(["-b", "--factory-startup", "--python-exit-code", "1", "--python-expr", script],
                                           timeout: 120, executable: blender)
        XCTAssertEqual(result.status, 0, "blender: \(result.stdout)\(result.stderr)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "blender saved no EXR: \(result.stdout)")
    }

    /// The PNG files in the cache, sorted.
    func cachedFiles() throws -> [String] {
        let root = folder + "/thumbnails"
        guard FileManager.default.fileExists(atPath: root) else { return [] }
        return try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".png") }
            .map { root + "/" + $0 }.sorted()
    }

    func modified(_ path: String) throws -> Date {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
    }

    func setModified(_ path: String, _ date: Date) throws {
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
    }
}
