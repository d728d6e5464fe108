import LuaBridge

/// Error messages that name the path of the value at fault.
extension LuaJSONWriter {
    /// The error for a table nested deeper than `maxDepth`: a cycle if one table appears twice
    /// among the open ones (named by the path where it closes), deep nesting otherwise.
    func nestingFailure(adding identity: UnsafeRawPointer) -> LuaScriptError {
        var seen: Set<UnsafeRawPointer> = []
        for (level, table) in (frames.map(\.identity) + [identity]).enumerated() where !seen.insert(table).inserted {
            return LuaScriptError("json.encode: cycle in table at \(pathText(frames.prefix(level)))")
        }
        return LuaScriptError("json.encode: nesting deeper than \(Self.maxDepth) levels")
    }

    /// An error about the value being written, or with `excludingInnermost` about the innermost
    /// open table itself.
    func failure(_ message: String, excludingInnermost: Bool = false) -> LuaScriptError {
        let path = pathText(frames.dropLast(excludingInnermost ? 1 : 0))
        return LuaScriptError("json.encode: \(message) at \(path)")
    }

    /// `$`, `$.name`, `$.items[2]`, `$["odd key"]`.
    func pathText(_ open: ArraySlice<Frame>) -> String {
        var text = "$"
        for step in open.compactMap(\.step) {
            switch step {
            case .index(let k):
                text += "[\(k)]"
            case .key(let p, let length):
                let bytes = UnsafeBufferPointer(start: p, count: length)
                let isName = length > 0 && !(bytes[0] >= UInt8(ascii: "0") && bytes[0] <= UInt8(ascii: "9"))
                    && bytes.allSatisfy { c in
                        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
                    }
                let key = String(decoding: bytes, as: UTF8.self)
                text += isName ? ".\(key)" : "[\(quoted(key))]"
            }
        }
        return text
    }

    func quoted(_ s: String) -> String {
        "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }
}

extension String {
    /// `replacingOccurrences` without Foundation, for short strings.
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        for c in self { if c == target { result += replacement } else { result.append(c) } }
        return result
    }
}