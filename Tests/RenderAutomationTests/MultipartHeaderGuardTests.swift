import XCTest
@testable import RenderAutomation

/// `MultipartHeaderGuard`: a non-ASCII byte in a part's header name is caught before
/// multipart-kit's parser sees it (it traps on one), wherever the chunks split the body.
final class MultipartHeaderGuardTests: XCTestCase {
    private func passes(_ body: [UInt8], splitEvery size: Int) -> Bool {
        var guardian = MultipartHeaderGuard(boundary: "XyZ")
        var start = 0
        while start < body.count {
            let chunk = Array(body[start..<min(start + size, body.count)])
            if !chunk.withUnsafeBytes({ guardian.check($0) }) { return false }
            start += size
        }
        return true
    }

    private func body(name: [UInt8], value: [UInt8], content: [UInt8]) -> [UInt8] {
        Array("--XyZ\r\n".utf8) + name + Array(": ".utf8) + value + Array("\r\n\r\n".utf8) + content
            + Array("\r\n--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nv\r\n--XyZ--\r\n".utf8)
    }

    func testValidBodiesPassWhereverTheyAreSplit() {
        // UTF-8 in a header value (a file name) and 0xFF bytes in a body are fine.
        let good = body(name: Array("Content-Disposition".utf8),
                        value: Array("form-data; name=\"f\"; filename=\"plan_é.blend\"".utf8),
                        content: [0xFF, 0x0D, 0xFE, 0x0D, 0x0A, 0x2D, 0x2D, 0x58, 0x80] + Array(repeating: 0xC3, count: 100))
        for size in [1, 2, 3, 7, 64, good.count] {
            XCTAssertTrue(passes(good, splitEvery: size), "split every \(size)")
        }
    }

    func testANonASCIIByteInAHeaderNameIsCaught() {
        let bad = body(name: Array("Content-Dispo".utf8) + [0xC3, 0xA9], value: Array("x".utf8), content: [1, 2])
        for size in [1, 2, 5, bad.count] {
            XCTAssertFalse(passes(bad, splitEvery: size), "split every \(size)")
        }
        // In the second part's headers too.
        let second = Array("--XyZ\r\nA: b\r\n\r\nbody\r\n--XyZ\r\n".utf8) + [0xFF] + Array(": v\r\n\r\n\r\n--XyZ--".utf8)
        XCTAssertFalse(passes(second, splitEvery: 3))
        // After the closing delimiter nothing is parsed, so nothing is checked.
        let epilogue = Array("--XyZ\r\nA: b\r\n\r\nbody\r\n--XyZ--\r\n".utf8) + [0xFF, 0x3A]
        XCTAssertTrue(passes(epilogue, splitEvery: 4))
    }
}
