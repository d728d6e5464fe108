import Foundation
import LuaBridge
import RenderAutomation
import XCTest

/// `rscript.json`: the Lua side checks itself with `assert`, as mlua's tests do.
final class JSONModuleTests: LuaModuleTestCase {

    /// Kept on the first line so that line numbers in messages are those of the snippets.
    override class var prelude: String { """
        local json = require("rscript.json"); local function eq(a, b) if a ~= b then error(string.format("expected %q, got %q", tostring(b), tostring(a)), 2) end end; 
        """ }

    // MARK: Round trips and types

    func testDuplicateKeysLastErrorOrRename() {
        run("""
            local text = '{"a":1,"b":{"x":1,"x":5,"x":6},"a":2}'
            eq(json.decode(text).a, 2)
            local kept = json.decode(text, {duplicate_keys = "rename"})
            eq(kept.a, 1); eq(kept["a#2"], 2); eq(kept.b.x, 1); eq(kept.b["x#2"], 5); eq(kept.b["x#3"], 6)
            local taken = json.decode('{"k":1,"k#2":2,"k":3}', {duplicate_keys = "rename"})
            eq(taken["k#2"], 2); eq(taken["k#3"], 3)
            """)
        expectError("json.decode('{\"a\":1,\\n  \"a\":2}', {duplicate_keys = 'error'})", "duplicate key \"a\" at line 2, column 3")
        expectError("json.decode('{}', {duplicate_keys = 'first'})", "option 'duplicate_keys' must be")
        expectError("json.decode('{}', {sort_keys = true})", "unknown option 'sort_keys'")
    }

    func testRoundTripKeepsStructureAndTypes() {
        run("""
            local text = '{"name":"render","frames":[1,2,3],"scale":1.5,"ok":true,"off":false,"none":null,"empty":{},"list":[],"nested":{"a":{"b":[{"c":"d"}]}}}'
            local v = json.decode(text)
            eq(v.name, "render"); eq(#v.frames, 3); eq(math.type(v.frames[2]), "integer")
            eq(v.scale, 1.5); eq(v.ok, true); eq(v.off, false); eq(v.none, json.null)
            eq(next(v.empty), nil); eq(next(v.list), nil); eq(v.nested.a.b[1].c, "d")
            local again = json.decode(json.encode(v))
            eq(json.encode(again, {sort_keys = true}), json.encode(v, {sort_keys = true}))
            eq(json.encode(v, {sort_keys = true}),
               '{"empty":{},"frames":[1,2,3],"list":[],"name":"render","nested":{"a":{"b":[{"c":"d"}]}},"none":null,"off":false,"ok":true,"scale":1.5}')
            """)
    }

    func testIntegersStayIntegersAndFloatsStayFloats() {
        run("""
            eq(math.type(json.decode("1")), "integer")
            eq(math.type(json.decode("-42")), "integer")
            eq(math.type(json.decode("1.0")), "float")
            eq(math.type(json.decode("1e2")), "float"); eq(json.decode("1e2"), 100.0)
            eq(math.type(json.decode("2E-1")), "float")
            eq(json.decode("-9223372036854775808"), math.mininteger)
            eq(math.type(json.decode("9223372036854775807")), "integer")
            eq(math.type(json.decode("9223372036854775808")), "float")  -- too big: a float, as in Lua
            eq(json.encode(3), "3"); eq(json.encode(3.0), "3.0"); eq(json.encode(-0.0), "-0.0")
            eq(json.encode(0.1), "0.1"); eq(json.encode(1e300), "1e+300"); eq(json.encode(2^53), "9007199254740992.0")
            eq(json.encode(math.mininteger), "-9223372036854775808"); eq(json.encode(math.maxinteger), "9223372036854775807")
            for _, x in ipairs({0.1, 1/3, 1e-300, 123456.789, -2.5e-7, 5e-324}) do
              local back = json.decode(json.encode(x)); eq(back, x); eq(math.type(back), "float")
            end
            eq(json.encode({1, 2.0, -3}), "[1,2.0,-3]")
            """)
    }

    func testNullIsTheSentinelNotNil() {
        run("""
            eq(json.null, null); eq(json.null, require("rscript").null)
            local v = json.decode('{"a":null,"b":[null,1]}')
            assert(v.a ~= nil and v.a == null); eq(v.b[1], null); eq(#v.b, 2)
            eq(json.encode({a = null}), '{"a":null}')
            eq(json.encode({null, null}), "[null,null]")
            eq(json.encode(null), "null")
            eq(json.decode("null"), null)
            """)
    }

    /// The sentinel the JSON module makes (`JSONMarkers`; LuaBridge only holds it).
    func testNullSentinelLooksLikeNull() {
        run("""
            assert(null ~= nil and type(null) == "userdata" and tostring(null) == "null")
            assert(getmetatable(null) == "null", "the sentinel's metatable is locked")
            eq(getmetatable(json.object()).__jsontype, "object")
            """)
    }

    func testEmptyTablesAndMarkers() {
        run("""
            eq(json.encode({}), "[]")
            eq(json.encode(json.object()), "{}")
            eq(json.encode(json.array()), "[]")
            eq(json.encode(json.decode("{}")), "{}")
            eq(json.encode(json.decode("[]")), "[]")
            eq(json.encode(json.decode('{"a":{},"b":[]}'), {sort_keys = true}), '{"a":{},"b":[]}')
            local t = {}; eq(json.object(t), t); eq(json.encode(t), "{}")
            t.x = 1; eq(json.encode(t), '{"x":1}')
            eq(json.encode(json.array(json.object())), "[]")  -- the last marker wins
            eq(json.encode(setmetatable({}, {__jsontype = "object"})), "{}")
            -- decoded objects carry the marker; arrays do not need one
            eq(getmetatable(json.decode("{}")), getmetatable(json.object()))
            eq(getmetatable(json.decode("[]")), nil)
            """)
        expectError("json.object(setmetatable({}, {}))", "bad argument #1 to 'json.object' (table already has a metatable)")
        expectError("json.array(5)", "bad argument #1 to 'json.array' (table or nil expected, got number)")
    }

    // MARK: Strings

    func testStringEscapes() {
        run(#"""
            eq(json.encode("a\"b\\c\n\r\t\b\f/"), [["a\"b\\c\n\r\t\b\f/"]])
            eq(json.encode("\0\1\31"), [["\u0000\u0001\u001f"]])
            eq(json.encode("h\195\169llo"), '"h\195\169llo"')  -- UTF-8 is written as is
            eq(json.decode([["\u00e9\u20AC\/\"\\\b\f\n\r\t"]]), "\195\169\226\130\172/\"\\\b\f\n\r\t")
            eq(json.decode([["\ud83d\ude00"]]), "\240\159\152\128")  -- a surrogate pair
            eq(json.decode([["\u0000x"]]), "\0x")
            local bytes = "\0\1 \127 \"\\ \226\130\172"
            eq(json.decode(json.encode(bytes)), bytes)
            eq(json.encode({["k\n"] = 1}), [[{"k\n":1}]])
            """#)
    }

    func testInvalidUTF8IsAnError() {
        expectError(#"json.encode("ab\255")"#, "json.encode: invalid UTF-8 in string (byte 3) at $")
        expectError(#"json.encode({name = {"\192\128"}})"#, "json.encode: invalid UTF-8 in string (byte 1) at $.name[1]")
        expectError(#"json.encode({["\237\160\128"] = 1})"#, "json.encode: invalid UTF-8 in string")  // an encoded surrogate
        expectError(#"json.decode('"\255"')"#, "json.decode: invalid UTF-8 in string at line 1, column 2")
        expectError(#"json.decode([["\ud800"]])"#, "json.decode: invalid \\u escape (unpaired surrogate) at line 1, column 2")
        expectError(#"json.decode([["\udc00\ud800"]])"#, "unpaired surrogate")
        expectError(#"json.decode([["\u12G4"]])"#, "json.decode: invalid \\u escape (4 hex digits expected) at line 1, column 6")
    }

    // MARK: Decode errors

    func testDecodeErrorsGivePositions() {
        let cases: [(String, String)] = [
            (#"'{"a":1,}'"#, "json.decode: unexpected character '}' at line 1, column 8"),
            (#"'[1 2]'"#, "json.decode: unexpected character '2' at line 1, column 4"),
            (#"'{"a" 1}'"#, "json.decode: unexpected character '1' at line 1, column 6"),
            (#"'[1,]'"#, "json.decode: unexpected character ']' at line 1, column 4"),
            (#"'[01]'"#, "json.decode: unexpected character '1' at line 1, column 3"),
            (#"'1 x'"#, "json.decode: unexpected character 'x' at line 1, column 3"),
            (#"'{1:2}'"#, "json.decode: unexpected character '1' at line 1, column 2"),
            (#"'tru'"#, "json.decode: unexpected end of input at line 1, column 4"),
            (#"'trUe'"#, "json.decode: unexpected character 'U' at line 1, column 3"),
            (#"''"#, "json.decode: unexpected end of input at line 1, column 1"),
            (#"'   '"#, "json.decode: unexpected end of input at line 1, column 4"),
            (#"'"abc'"#, "json.decode: unexpected end of input at line 1, column 5"),
            (#"'["a\tb"]'"#, "json.decode: control character in string at line 1, column 4"),
            (#"[["\q"]]"#, "json.decode: invalid escape '\\q' in string at line 1, column 2"),
            (#"'[-]'"#, "json.decode: unexpected character ']' at line 1, column 3"),
            (#"'[1.]'"#, "json.decode: unexpected character ']' at line 1, column 4"),
            (#"'[1e]'"#, "json.decode: unexpected character ']' at line 1, column 4"),
            (#"'NaN'"#, "json.decode: unexpected character 'N' at line 1, column 1"),
            (#"'{\n  "a": 1,\n  "b": x\n}'"#, "json.decode: unexpected character 'x' at line 3, column 8"),
            (#"'["é", é]'"#, "json.decode: unexpected character 'é' at line 1, column 7"),  // columns count characters
            (#"'[\1]'"#, "json.decode: unexpected character '\\x01' at line 1, column 2"),
        ]
        for (text, message) in cases {
            expectError("json.decode(\(text))", message)
        }
    }

    func testDecodeErrorsCarryTheCallersPosition() {
        expectError("\nlocal v = json.decode('[')", "test:2: json.decode: unexpected end of input at line 1, column 2")
        run("""
            local ok, message = pcall(json.decode, "[1,,]")
            assert(not ok); eq(message, "json.decode: unexpected character ',' at line 1, column 4")
            """)
    }

    func testNestingIsBounded() {
        run("""
            local ok = json.decode(string.rep("[", 1000) .. string.rep("]", 1000)); assert(type(ok) == "table")
            local okObj = json.decode(string.rep('{"a":', 1000) .. "1" .. string.rep("}", 1000)); assert(type(okObj) == "table")
            local deep = {}; local cur = deep; for i = 2, 1000 do cur[1] = {}; cur = cur[1] end
            assert(#json.encode(deep) == 2000)
            """)
        expectError("json.decode(string.rep('[', 1001) .. string.rep(']', 1001))",
                    "json.decode: nesting deeper than 1000 levels at line 1, column 1001")
        expectError("json.decode(string.rep('[', 100000))", "json.decode: nesting deeper than 1000 levels")
        expectError("local d = {}; local c = d; for i = 1, 1000 do c[1] = {}; c = c[1] end; json.encode(d)",
                    "json.encode: nesting deeper than 1000 levels")
    }

    /// The reader and writer keep their own stacks: 1000 levels fit in a 256 KB thread.
    func testDeepNestingNeedsLittleNativeStack() {
        final class Result: @unchecked Sendable { var outcome: ScriptRuntime.Outcome? }
        let result = Result()
        let done = DispatchSemaphore(value: 0)
        let libraryDirectory = Self.repositoryRoot + "/scripts/lib"
        let thread = Thread {
            var options = RuntimeOptions()
            options.libraryDirectory = libraryDirectory
            let code = """
                local json = require("rscript.json")
                local deep = json.decode(string.rep('[{"a":', 500) .. "1" .. string.rep("}]", 500))
                assert(#json.encode(deep, {sort_keys = true, pretty = true}) > 0)
                assert(not pcall(json.decode, string.rep("[", 5000)))
                local t = {}; t.t = t; assert(not pcall(json.encode, t))
                """
            result.outcome = (try? ScriptRuntime(options: options))?.runSource(Array(code.utf8), chunkName: "=test")
            done.signal()
        }
        thread.stackSize = 256 * 1024
        thread.start()
        done.wait()
        XCTAssertEqual(result.outcome, .success)
    }

    // MARK: Encode errors

    func testCyclesAreDetected() {
        expectError("local t = {}; t.self = t; json.encode(t)", "json.encode: cycle in table at $.self")
        expectError("local a = {b = {}}; a.b.c = {a}; json.encode(a)", "json.encode: cycle in table at $.b.c[1]")
        expectError("local t = {}; t[1] = t; json.encode({x = t})", "json.encode: cycle in table at $.x[1]")
        // the same table twice, not nested, is no cycle
        run("local shared = {1}; eq(json.encode({shared, shared}), '[[1],[1]]')")
    }

    func testMixedAndSparseTablesNameThePath() {
        expectError("json.encode({items = {1, 2, x = 3}})",
                    #"json.encode: mixed table (array items and string key "x") at $.items"#)
        expectError("json.encode({1, nil, 3})", "json.encode: sparse array (no item at index 2 of 3) at $")
        expectError("json.encode({a = {[1] = 1, [5] = 5}})", "json.encode: sparse array (key 5 beyond length 1) at $.a")
        expectError("json.encode({[2] = 'x'})", "json.encode: sparse array (key 2 but no item at index 1) at $")
        expectError("json.encode({list = {{}, {[true] = 1}}})", "json.encode: cannot encode a key of type boolean at $.list[2]")
        expectError("json.encode({[1.5] = 1})", "json.encode: cannot encode number key 1.5 at $")
        expectError("json.encode(json.array({a = 1}))", #"json.encode: string key "a" in a table marked as an array at $"#)
        expectError("json.encode({['odd key'] = {f = print}})", #"json.encode: cannot encode a function value at $["odd key"].f"#)
    }

    func testNonFiniteNumbersAndNonDataAreErrors() {
        expectError("json.encode({v = 0/0})", "json.encode: cannot encode NaN at $.v")
        expectError("json.encode({math.huge})", "json.encode: cannot encode inf at $[1]")
        expectError("json.encode(-math.huge)", "json.encode: cannot encode -inf at $")
        expectError("json.encode(coroutine.create(print))", "json.encode: cannot encode a thread value at $")
        expectError("json.encode(nil)", "json.encode: cannot encode nil (use json.null for null) at $")
    }

    func testArgumentErrors() {
        expectError("json.decode(nil)", "bad argument #1 to 'json.decode' (string expected, got nil)")
        expectError("json.decode({})", "bad argument #1 to 'json.decode' (string expected, got table)")
        expectError("json.encode()", "bad argument #1 to 'json.encode' (value expected)")
        expectError("json.encode({}, 3)", "bad argument #2 to 'json.encode' (table or nil expected, got number)")
        expectError("json.encode({}, {prety = true})",
                    "bad argument #2 to 'json.encode' (unknown option 'prety'; expected pretty, indent or sort_keys)")
        expectError("json.encode({}, {pretty = 1})", "bad argument #2 to 'json.encode' (option 'pretty' must be a boolean, got number)")
        run("eq(json.decode(42), 42)  -- numbers are strings, as luaL_checkstring has it")
    }

    // MARK: Layout

    func testPrettyAndSortedOutput() {
        run(#"""
            local v = {b = 1, a = {1, 2, {}}, c = json.object(), d = {x = "y"}}
            eq(json.encode(v, {pretty = true, sort_keys = true}), [[
            {
              "a": [
                1,
                2,
                []
              ],
              "b": 1,
              "c": {},
              "d": {
                "x": "y"
              }
            }]])
            eq(json.encode({1, {2}}, {indent = 4}), "[\n    1,\n    [\n        2\n    ]\n]")
            eq(json.encode({z = 1, a = 2, m = 3, A = 4, aa = 5}, {sort_keys = true}), '{"A":4,"a":2,"aa":5,"m":3,"z":1}')
            eq(json.encode({1, 2}, {pretty = false, indent = 4}), "[1,2]")
            """#)
    }

    func testLargeDocumentRoundTrip() {
        run("""
            local items = {}
            for i = 1, 20000 do items[i] = {id = i, name = "item " .. i, weight = i / 4, tags = {"a", "b"}, on = i % 2 == 0} end
            local text = json.encode(items, {sort_keys = true})
            local back = json.decode(text)
            eq(#back, 20000); eq(back[12345].name, "item 12345"); eq(back[7].weight, 1.75)
            eq(math.type(back[8].weight), "float"); eq(math.type(back[8].id), "integer")
            assert(json.encode(back, {sort_keys = true}) == text, "the round trip changed the document")
            assert(#json.encode(back) == #text)  -- same text up to key order
            """)
    }

    /// Lua may run `__gc` finalizers inside any call that allocates; one that uses json itself
    /// must neither see nor disturb the call in progress.
    func testFinalizersCanUseJSONDuringACall() {
        run(#"""
            local big = {}
            for i = 1, 3000 do big[i] = {name = "caf\195\169 \"" .. i .. "\"", a_key_that_is_longer_than_forty_bytes_to_be_a_long_string = i, n = i / 2} end
            local text = json.encode(big, {sort_keys = true})
            local inside, during, bad = false, 0, 0
            for round = 1, 20 do
              for i = 1, 200 do
                setmetatable({}, {__gc = function()
                  if inside then during = during + 1 end
                  local e = json.encode({b = {1, 2}, another_key_that_is_longer_than_forty_bytes_long = 1}, {sort_keys = true})
                  if e ~= '{"another_key_that_is_longer_than_forty_bytes_long":1,"b":[1,2]}' then bad = bad + 1 end
                  if json.decode('{"k":"\\u00e9\\n"}').k ~= "\195\169\n" then bad = bad + 1 end
                end})
              end
              inside = true
              local again = json.encode(json.decode(text), {sort_keys = true})
              inside = false
              assert(again == text, "round " .. round .. " changed the document")
            end
            assert(during > 0, "no finalizer ran during a call: the test proves nothing")
            eq(bad, 0)
            """#)
    }

    func testDuplicateKeysLastWins() {
        run(#"eq(json.decode('{"a":1,"a":2}').a, 2)"#)
    }

    func testWorksInTheSafeProfile() throws {
        var options = RuntimeOptions()
        options.libraries = .safe
        options.libraryDirectory = Self.repositoryRoot + "/scripts/lib"
        runtime = try ScriptRuntime(options: options)
        run(#"eq(json.encode(json.decode('{"a":[1,2.5,null]}')), '{"a":[1,2.5,null]}')"#)
    }

    func testStackStaysBalanced() {
        let before = runtime.state.stackTop
        run("""
            for i = 1, 1000 do
              json.decode('{"a":[1,2,{"b":null}],"c":"\\\\u00e9"}'); json.encode({a = {1, 2, {b = null}}}, {sort_keys = true})
              pcall(json.decode, "[1,"); pcall(json.encode, {1, x = 2})
            end
            """)
        XCTAssertEqual(runtime.state.stackTop, before)
    }

    func testExampleRuns() {
        let outcome = runtime.runFile(Self.repositoryRoot + "/scripts/examples/json_example.lua", arguments: [])
        XCTAssertEqual(outcome, .success)
    }
}
