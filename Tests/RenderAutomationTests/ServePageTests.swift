import Foundation
import RenderAutomation
import XCTest

/// `ServePage`: the page of `rscript serve` as the binary carries it (SwiftPM `embedInCode`).
final class ServePageTests: XCTestCase {
    static let folder: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Sources/RenderAutomation/Serve/Page"
    }()

    func testEveryFileOfThePageIsServedAsItIsInTheSourceTree() throws {
        let files = ["/": "index.html", "/index.html": "index.html", "/app/app.js": "app.js", "/app/app.css": "app.css"]
        XCTAssertEqual(Set(ServePage.paths), Set(files.keys))
        for (path, file) in files {
            let asset = try XCTUnwrap(ServePage.asset(path), path)
            let source = try XCTUnwrap(FileManager.default.contents(atPath: Self.folder + "/" + file), file)
            XCTAssertEqual(asset.bytes, [UInt8](source), "\(path) is \(file) as committed (rebuild after editing it)")
        }
        XCTAssertEqual(ServePage.asset("/")?.contentType, "text/html; charset=utf-8")
        XCTAssertEqual(ServePage.asset("/app/app.js")?.contentType, "text/javascript; charset=utf-8")
        XCTAssertEqual(ServePage.asset("/app/app.css")?.contentType, "text/css; charset=utf-8")
        XCTAssertEqual(ServePage.asset("/app/app.js?v=2")?.bytes, ServePage.asset("/app/app.js")?.bytes, "a query is ignored")
    }

    func testOtherPathsAreNotServed() {
        for path in ["/app/", "/app/x.js", "/app/../Package.swift", "/app/app.js/", "/favicon.ico", "/api/v1/renders", "", "index.html", "/APP/app.js"] {
            XCTAssertNil(ServePage.asset(path), path)
        }
    }

    /// The machines have no internet: no CDN, no web font, no remote script. The page's own
    /// references all resolve in `ServePage`.
    func testThePageNeedsNothingFromOutsideTheBinary() throws {
        for file in ["index.html", "app.js", "app.css"] {
            let text = try String(contentsOfFile: Self.folder + "/" + file, encoding: .utf8)
                // the inline icon's SVG namespace is a name, not a fetch
                .replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            XCTAssertFalse(text.contains("http://") || text.contains("https://"), "\(file) names a remote URL")
            XCTAssertFalse(text.contains("@import"), "\(file) imports a style sheet")
        }
        let html = try String(contentsOfFile: Self.folder + "/index.html", encoding: .utf8)
        let references = try NSRegularExpression(pattern: #"(?:src|href)="(/[^"]*)""#)
            .matches(in: html, range: NSRange(html.startIndex..., in: html))
            .compactMap { Range($0.range(at: 1), in: html).map { String(html[$0]) } }
        XCTAssertEqual(Set(references), ["/app/app.css", "/app/app.js"])
        for path in references { XCTAssertNotNil(ServePage.asset(path), path) }
    }
}
