import LuaBridge
@testable import RenderAutomation
import XCTest

/// `JSONValue`: its text form (integers apart from floats) and its Lua form.
final class JSONValueTests: XCTestCase {
    func testTextRoundTripKeepsIntegersApartFromFloats() throws {
        let value: JSONValue = [
            "int": 2, "float": 2.0, "small": 1e-5, "big": 1e20, "negative": -7, "max": .int(Int64.max),
            "text": "tab\t quote\" backslash\\ newline\n bell\u{07} é 😀",
            "list": [nil, true, false, [], [:]],
        ]
        let text = value.jsonText
        XCTAssertTrue(text.contains(#""float":2.0"#), text)
        XCTAssertTrue(text.contains(#""int":2,"#), text)
        XCTAssertTrue(text.contains(#"bell\u0007"#), text)
        XCTAssertEqual(try JSONValue(jsonText: text), value)
        XCTAssertEqual(try JSONValue(jsonText: value.prettyJSONText), value)
    }

    func testTextIsCompactWithSortedKeys() {
        XCTAssertEqual(JSONValue.object(["b": 1, "a": [1, 2.5, "x"], "c": [:]]).jsonText, #"{"a":[1,2.5,"x"],"b":1,"c":{}}"#)
    }

    func testParsingStandardJSON() throws {
        XCTAssertEqual(try JSONValue(jsonText: " [1, -0, 1.5e3, 2E-2, 12345678901234567890] "),
                       [1, 0, 1500.0, 0.02, 12345678901234567890.0])
        XCTAssertEqual(try JSONValue(jsonText: #""\u00e9\ud83d\ude00\/\b\f""#), .string("é😀/\u{08}\u{0C}"))
        XCTAssertEqual(try JSONValue(jsonText: "{}"), .object([:]))
        XCTAssertEqual(try JSONValue(jsonText: "null"), .null)
        // Lenient where json.decode is strict, as this reader always was: a lone surrogate reads as U+FFFD.
        XCTAssertEqual(try JSONValue(jsonText: #""a\ud800b\udc00\ud83d\u0041""#), .string("a\u{FFFD}b\u{FFFD}\u{FFFD}A"))
        XCTAssertEqual(try JSONValue(jsonText: #"{"k":1,"k":2}"#), ["k": 2])
    }

    func testMalformedTextGivesTheOffset() {
        for (text, offset) in [("[1,", 3), ("{\"a\" 1}", 5), ("01", 1), ("\"open", 5), ("[1] x", 4), ("tru", 0)] {
            XCTAssertThrowsError(try JSONValue(jsonText: text), text) { error in
                XCTAssertEqual((error as? JSONValue.ParseError)?.offset, offset, "\(text): \(error)")
            }
        }
        // Deeper than any data Lua can hold (LuaState.maxDataDepth), with room for a message around it.
        let deep = String(repeating: "[", count: 1100) + String(repeating: "]", count: 1100)
        XCTAssertThrowsError(try JSONValue(jsonText: deep))
    }

    func testCodableWithFoundation() throws {
        let value: JSONValue = ["a": [1, "two", nil, true], "b": 2.5]
        let data = try JSONEncoder().encode(value)
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: data), value)
    }

    func testLuaConversionsBothWays() throws {
        let lua: LuaValue = .object([
            "i": .int(3), "d": .double(3.0), "s": .string("x"), "b": .bool(true), "n": .null,
            "arr": .array([.int(1), .object([:])]),
            "t": .table([.string("k"): .int(1)]),
            "bytes": .bytes([0x61, 0xFF]),
        ])
        let json = try JSONValue(lua)
        XCTAssertEqual(json, [
            "i": .int(3), "d": .double(3.0), "s": "x", "b": true, "n": nil,
            "arr": [1, [:]], "t": ["k": 1], "bytes": "a\u{FFFD}",
        ])
        XCTAssertEqual(JSONValue.object(["x": [1, nil]]).luaValue, .object(["x": .array([.int(1), .null])]))
        XCTAssertEqual(JSONValue.double(2).luaValue, .double(2))
        XCTAssertEqual(try JSONValue(json.luaValue), json)
    }

    func testLuaValuesJSONCannotHoldAreRefusedWithTheirPlace() {
        XCTAssertThrowsError(try JSONValue(.object(["tiles": .table([.int(1): .int(1), .int(3): .int(3)])]), at: "metadata")) { error in
            XCTAssertTrue("\(error)".hasPrefix("metadata.tiles is a table with a non-string key"), "\(error)")
        }
        XCTAssertThrowsError(try JSONValue(.array([.double(.nan)]), at: "metadata")) { error in
            XCTAssertEqual("\(error)", "metadata[1] is nan, which JSON cannot hold")
        }
    }
}
