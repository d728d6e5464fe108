import Foundation
@testable import RenderAutomation
import XCTest

/// Frame specs (`1-240`, `1-240x2`, `1,5,10-20`), their errors, chunking with exact chunk
/// boundaries, and the image checks behind skip/resume.
final class FrameSpecTests: XCTestCase {
    private func frames(_ text: String) throws -> [Int] { try FrameSpec(parsing: text).frames }

    private func error(_ text: String) -> String {
        do {
            _ = try FrameSpec(parsing: text)
            return "no error"
        } catch {
            return error.description
        }
    }

    func testRangesStepsListsAndSingles() throws {
        XCTAssertEqual(try frames("1-5"), [1, 2, 3, 4, 5])
        XCTAssertEqual(try frames("1-240").count, 240)
        XCTAssertEqual(try frames("1-10x2"), [1, 3, 5, 7, 9])
        XCTAssertEqual(try frames("1-240x2").count, 120)
        XCTAssertEqual(try frames("1-10x4"), [1, 5, 9], "the last frame is where the step lands")
        XCTAssertEqual(try frames("1,5,10-12"), [1, 5, 10, 11, 12])
        XCTAssertEqual(try frames("7"), [7])
        XCTAssertEqual(try frames("0"), [0])
        XCTAssertEqual(try frames(" 1 - 3 , 9 "), [1, 2, 3, 9], "spaces around items and bounds are fine")
        XCTAssertEqual(try frames("4-4"), [4])
        XCTAssertEqual(try FrameSpec(parsing: "1-240").span.first, 1)
        XCTAssertEqual(try FrameSpec(parsing: "9,2-4").span.last, 9)
    }

    func testDuplicatesAreDroppedAndTheOrderKept() throws {
        XCTAssertEqual(try frames("1-5,3,2,9"), [1, 2, 3, 4, 5, 9])
        XCTAssertEqual(try frames("9,1-3,9,2"), [9, 1, 2, 3])
        let spec = try FrameSpec(parsing: "1-9x2,3-4")
        XCTAssertEqual(spec.frames, [1, 3, 5, 7, 9, 4])
        XCTAssertEqual(spec.steps, [2, 2, 2, 2, 2, 1], "a frame keeps the step of the item that named it first")
    }

    func testBadSpecsSayWhatIsWrong() {
        XCTAssertTrue(error("10-1").contains("'10-1' runs backwards: write 1-10"), error("10-1"))
        XCTAssertTrue(error("a-b").contains("'a-b' is not a frame or a range"), error("a-b"))
        XCTAssertTrue(error("a-b").contains("1-240x2"), "the message shows the shape: \(error("a-b"))")
        XCTAssertTrue(error("1-10x0").contains("the step must be 1 or more, got 0"), error("1-10x0"))
        XCTAssertTrue(error("1-10x-2").contains("the step must be 1 or more, got -2"), error("1-10x-2"))
        XCTAssertTrue(error("1-10xz").contains("step 'z' is not a whole number"), error("1-10xz"))
        XCTAssertTrue(error("").contains("the frame list is empty"), error(""))
        XCTAssertTrue(error("  ").contains("the frame list is empty"), error("  "))
        XCTAssertTrue(error("1,,5").contains("empty item"), error("1,,5"))
        XCTAssertTrue(error("1,").contains("empty item"), error("1,"))
        XCTAssertTrue(error("-5").contains("cannot be negative"), error("-5"))
        XCTAssertTrue(error("3--1").contains("cannot be negative"), error("3--1"))
        XCTAssertTrue(error("5x2").contains("a step needs a range"), error("5x2"))
        XCTAssertTrue(error("1-2-3").contains("is not a frame or a range"), error("1-2-3"))
        XCTAssertTrue(error("1-2000000").contains("more than 1000000 frames"), error("1-2000000"))
        XCTAssertTrue(error("1-10000000").contains("frame numbers go up to 9999999"), error("1-10000000"))
        XCTAssertTrue(error("1-9223372036854775807").contains("frame numbers go up to"), error("1-9223372036854775807"))
        XCTAssertTrue(error("99999999999999999999").contains("is not a frame"), error("99999999999999999999"))
        XCTAssertEqual(try frames("1-10x9223372036854775807"), [1], "a step past the end is one frame")
        XCTAssertTrue(error("10-1").hasPrefix("bad frame list: "))
    }

    // MARK: Chunking

    private func chunks(_ spec: String, max: Int) throws -> [String] {
        let spec = try FrameSpec(parsing: spec)
        let runs = FrameChunking.runs(spec.frames, steps: spec.steps)
        return FrameChunking.split(runs, maxFrames: max).map(\.description)
    }

    func testEvenContiguousChunks() throws {
        XCTAssertEqual(try chunks("1-10", max: 4), ["1-4", "5-7", "8-10"], "1-10 in 3 chunks")
        XCTAssertEqual(FrameChunking.split(FrameChunk(first: 1, last: 10), into: 3).map(\.description), ["1-4", "5-7", "8-10"])
        XCTAssertEqual(try chunks("1-24", max: 3), ["1-3", "4-6", "7-9", "10-12", "13-15", "16-18", "19-21", "22-24"])
        XCTAssertEqual(try chunks("1-10", max: 10), ["1-10"])
        XCTAssertEqual(try chunks("1-10", max: 100), ["1-10"])
        XCTAssertEqual(try chunks("1-5", max: 1), ["1", "2", "3", "4", "5"])
        XCTAssertEqual(try chunks("1-7", max: 2), ["1-2", "3-4", "5-6", "7"])
        XCTAssertEqual(try chunks("1-11", max: 4), ["1-4", "5-8", "9-11"])
    }

    func testOnlyContiguousRunsShareAChunk() throws {
        XCTAssertEqual(try chunks("1,5,10-20", max: 100), ["1", "5", "10-20"])
        XCTAssertEqual(try chunks("1,5,10-20", max: 4), ["1", "5", "10-13", "14-17", "18-20"])
        XCTAssertEqual(try chunks("1-5,6-8", max: 100), ["1-8"], "touching ranges merge")
        XCTAssertEqual(try chunks("7,8-10", max: 100), ["7-10"])
        XCTAssertEqual(try chunks("3,2,1", max: 100), ["3", "2", "1"], "a run never goes backwards")
        XCTAssertEqual(try chunks("1-10,20-22", max: 100), ["1-10", "20-22"])
    }

    func testStepsMakeStepChunks() throws {
        XCTAssertEqual(try chunks("1-240x2", max: 40), ["1-79x2", "81-159x2", "161-239x2"])
        XCTAssertEqual(try chunks("1-9x2,11", max: 100), ["1-9x2", "11"], "a single frame has step 1")
        XCTAssertEqual(try chunks("1-19x2", max: 3), ["1-5x2", "7-11x2", "13-15x2", "17-19x2"])
        let chunk = FrameChunk(first: 5, last: 11, step: 3)
        XCTAssertEqual(chunk.frames, [5, 8, 11])
        XCTAssertEqual(chunk.count, 3)
    }

    func testRetriesRechunkWhatIsLeft() {
        // A chunk 1-6 that rendered 1, 2 and 4: the retry renders 3 and 5-6.
        let left = [3, 5, 6]
        XCTAssertEqual(FrameChunking.runs(left, steps: [1, 1, 1]).map(\.description), ["3", "5-6"])
        XCTAssertEqual(FrameChunking.runs([3, 7, 9], steps: [2, 2, 2]).map(\.description), ["3", "7-9x2"])
    }

    func testAutoChunkSize() {
        // POV-Ray (fast start): about 4 chunks per worker; Blender (1.4 s start): one, so no
        // Blender starts beyond one per worker.
        XCTAssertEqual(FrameChunking.autoSize(frameCount: 24, workers: 2, startupSeconds: 0.1), 3)
        XCTAssertEqual(FrameChunking.autoSize(frameCount: 240, workers: 4, startupSeconds: 1.4), 60, "slow to start: one chunk per worker")
        XCTAssertEqual(FrameChunking.autoSize(frameCount: 240, workers: 4, startupSeconds: 0.5), 20)
        XCTAssertEqual(FrameChunking.autoSize(frameCount: 3, workers: 8, startupSeconds: 0.1), 1)
        XCTAssertEqual(FrameChunking.autoSize(frameCount: 24, workers: 1, startupSeconds: 0.1), 24, "one worker: one chunk")
        let plan = FrameChunking.plan([1, 2, 3, 4, 5, 6], steps: Array(repeating: 1, count: 6), size: .auto, workers: 2, startupSeconds: 1.4)
        XCTAssertEqual(plan.chunks.map(\.description), ["1-3", "4-6"])
        XCTAssertEqual(FrameChunking.Size(parsing: "auto"), .auto)
        XCTAssertEqual(FrameChunking.Size(parsing: "5"), .frames(5))
        XCTAssertNil(FrameChunking.Size(parsing: "0"))
        XCTAssertNil(FrameChunking.Size(parsing: "-1"))
        XCTAssertNil(FrameChunking.Size(parsing: "big"))
    }

    // MARK: Images

    func testImageChecks() throws {
        let dir = NSTemporaryDirectory() + "rscript-frameimage-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A 1x1 PNG.
        let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")!
        try png.write(to: URL(fileURLWithPath: dir + "/ok.png"))
        try png.prefix(png.count - 5).write(to: URL(fileURLWithPath: dir + "/cut.png"))
        try Data().write(to: URL(fileURLWithPath: dir + "/empty.png"))
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: dir + "/text.png"))
        try Data([0x76, 0x2F, 0x31, 0x01, 2, 0, 0, 0]).write(to: URL(fileURLWithPath: dir + "/ok.exr"))
        XCTAssertEqual(FrameImage.check(dir + "/ok.png"), .valid)
        XCTAssertEqual(FrameImage.check(dir + "/missing.png"), .missing)
        XCTAssertEqual(FrameImage.check(dir + "/empty.png"), .empty)
        XCTAssertFalse(FrameImage.check(dir + "/cut.png").isValid, "a PNG cut short is not whole")
        XCTAssertFalse(FrameImage.check(dir + "/text.png").isValid)
        XCTAssertEqual(FrameImage.check(dir + "/ok.exr"), .valid)
        XCTAssertFalse(FrameImage.check(dir).isValid, "a folder is not an image")
        XCTAssertEqual(FrameImage.pngSize(dir + "/ok.png")?.width, 1)
    }
}
