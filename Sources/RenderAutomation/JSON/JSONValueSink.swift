/// The `JSONValue` end of `JSONReader`: builds the tree. The containers being filled sit on
/// stacks of their own, so that each is mutated in place (an enum payload would be copied on
/// every append).
struct JSONValueSink: JSONSink {
    private var arrays: [[JSONValue]] = []
    private var objects: [[String: JSONValue]] = []
    private var keys: [String] = []
    /// The value on top: the last one completed.
    private var top: JSONValue = .null
    /// The next string is an object's key.
    private var expectsKey = false

    /// The document's value, once read.
    var result: JSONValue { top }

    func hasRoomToOpen() -> Bool { true }

    mutating func beginArray() { arrays.append([]) }
    mutating func endArray() { top = .array(arrays.removeLast()) }

    mutating func beginObject() {
        objects.append([:])
        expectsKey = true
    }

    mutating func endObject() {
        top = .object(objects.removeLast())
        expectsKey = false  // what follows belongs to the container around it
    }

    mutating func string(_ bytes: UnsafePointer<UInt8>, count: Int) {
        let s = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        if expectsKey {
            keys.append(s)
            expectsKey = false
        } else {
            top = .string(s)
        }
    }

    mutating func bool(_ value: Bool) { top = .bool(value) }
    mutating func null() { top = .null }
    mutating func integer(_ value: Int64) { top = .int(value) }

    mutating func float(_ text: UnsafePointer<UInt8>, count: Int) {
        top = .double(Double(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)) ?? .nan)
    }

    mutating func storeItem(_ index: Int64) { arrays[arrays.count - 1].append(top) }

    mutating func storeMember() {
        objects[objects.count - 1][keys.removeLast()] = top
        expectsKey = true  // a next member starts with its key
    }

    mutating func settleDuplicateKey(_ mode: JSONDuplicateKeys) -> String? {
        let key = keys[keys.count - 1]
        guard objects[objects.count - 1][key] != nil else { return nil }
        if mode == .error { return key }
        var n = 2
        while objects[objects.count - 1]["\(key)#\(n)"] != nil { n += 1 }
        keys[keys.count - 1] = "\(key)#\(n)"
        return nil
    }

    func didStoreValue() throws {}
}
