@testable import RenderAutomation
import XCTest

/// The control channel's lines: commands read from JSON (and refused with a message naming what
/// is wrong), answers read back by the client into the right error kind.
final class RenderControlCommandTests: XCTestCase {
    private func parse(_ line: String) throws -> RenderControlCommand {
        try RenderControlCommand(jsonLine: line)
    }

    private func refusal(_ line: String, file: StaticString = #filePath, line number: UInt = #line) -> String {
        do {
            let command = try parse(line)
            XCTFail("\(line) was read as \(command)", file: file, line: number)
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testReadsStopAndClick() throws {
        XCTAssertEqual(try parse(#"{"command":"stop","render":12}"#), .stop(render: 12))
        XCTAssertEqual(try parse(#"{"command":"click","render":12,"x":0.5,"y":0.25}"#), .click(render: 12, x: 0.5, y: 0.25))
        XCTAssertEqual(try parse(#" {"render":3,"command":"click","x":0,"y":1} "#), .click(render: 3, x: 0, y: 1), "integers are numbers too")
        XCTAssertEqual(try parse(#"{"command":"stop","render":12,"x":9,"from":"web"}"#), .stop(render: 12), "members a command does not use are ignored")
    }

    func testWritesWhatItReads() throws {
        for command in [RenderControlCommand.stop(render: 7), .click(render: 8, x: 0.125, y: 1)] {
            XCTAssertEqual(try parse(command.jsonValue.jsonText), command)
        }
        XCTAssertEqual(RenderControlCommand.click(render: 8, x: 0.5, y: 0.25).jsonValue.jsonText,
                       #"{"command":"click","render":8,"x":0.5,"y":0.25}"#)
    }

    func testRefusesBadLinesWithWhatIsWrong() {
        XCTAssertTrue(refusal("stop 12").hasPrefix("the command is not JSON: invalid JSON at byte 0"), refusal("stop 12"))
        XCTAssertTrue(refusal(#"{"command":"stop""#).hasPrefix("the command is not JSON"))
        XCTAssertEqual(refusal("[1,2]"), #"a command is a JSON object, like {"command":"stop","render":12}"#)
        XCTAssertEqual(refusal(#"{"render":12}"#), #"the command has no "command" string, like {"command":"stop","render":12}"#)
        XCTAssertEqual(refusal(#"{"command":"pause","render":12}"#), "unknown command 'pause' (known: click, stop)")
        XCTAssertEqual(refusal(#"{"command":"stop"}"#), #"stop: "render" must be a render id (a positive integer), got nothing"#)
        XCTAssertEqual(refusal(#"{"command":"stop","render":"12"}"#), #"stop: "render" must be a render id (a positive integer), got "12""#)
        XCTAssertEqual(refusal(#"{"command":"stop","render":1.5}"#), #"stop: "render" must be a render id (a positive integer), got 1.5"#)
        XCTAssertEqual(refusal(#"{"command":"stop","render":-3}"#), #"stop: "render" must be a render id (a positive integer), got -3"#)
        XCTAssertEqual(refusal(#"{"command":"click","render":1,"y":0.5}"#), #"click: "x" must be a number from 0 to 1, got nothing"#)
        XCTAssertEqual(refusal(#"{"command":"click","render":1,"x":"left","y":0.5}"#), #"click: "x" must be a number from 0 to 1, got "left""#)
        XCTAssertEqual(refusal(#"{"command":"click","render":1,"x":0.5,"y":1.5}"#), #"click: "y" must be from 0 to 1 (a fraction of the image), got 1.5"#)
        XCTAssertEqual(refusal(#"{"command":"click","render":1,"x":-0.0001,"y":0}"#), #"click: "x" must be from 0 to 1 (a fraction of the image), got -0.0001"#)
        XCTAssertEqual(refusal(#"{"command":"click","render":1,"x":1e400,"y":0}"#), #"click: "x" must be a number from 0 to 1, got null"#,
                       "an infinite number (JSON has none; it reads as inf) is refused")
    }

    func testAnswersAreOneJSONLine() {
        XCTAssertEqual(ControlAnswer.ok.jsonLine, #"{"ok":true}"# + "\n")
        XCTAssertEqual(ControlAnswer.failure(.notRunning, "render 3 is not running in process 9").jsonLine,
                       #"{"code":"notRunning","error":"render 3 is not running in process 9","ok":false}"# + "\n")
    }

    func testClientReadsEachAnswerAsItsKind() throws {
        XCTAssertEqual(try RenderControlClient.read(answer: #"{"ok":true}"#, render: 3, pid: 9), ["ok": true])
        let cases: [(String, RenderControlError.Kind, String)] = [
            (#"{"ok":false,"code":"notRunning","error":"render 3 is not running in process 9"}"#, .notRunning, "render 3 is not running in process 9"),
            (#"{"ok":false,"code":"busy","error":"process 9 did not take the command"}"#, .timedOut, "process 9 did not take the command"),
            (#"{"ok":false,"code":"badRequest","error":"unknown command 'x'"}"#, .refused, "unknown command 'x'"),
            (#"{"ok":false,"code":"fromTheFuture","error":"later"}"#, .refused, "later"),
            ("HTTP/1.1 400 Bad Request", .refused, "process 9 answered something that is not a control answer: HTTP/1.1 400 Bad Request"),
        ]
        for (line, kind, message) in cases {
            XCTAssertThrowsError(try RenderControlClient.read(answer: line, render: 3, pid: 9), line) { error in
                let control = error as? RenderControlError
                XCTAssertEqual(control?.kind, kind, line)
                XCTAssertEqual(control?.message, message, line)
            }
        }
    }
}
