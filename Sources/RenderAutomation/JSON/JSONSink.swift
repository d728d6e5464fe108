/// What `JSONReader` builds its values with: the one reader core serves the Lua stack
/// (`LuaJSONSink`, tables built in place) and `JSONValue` (`JSONValueSink`).
///
/// The calls follow a stack discipline, as Lua's stack does: a scalar, a key or a finished
/// container is "pushed"; `storeItem` and `storeMember` move the value on top (and the key below
/// it) into the container under them. A container is opened by `beginArray`/`beginObject` and
/// finished by `endArray`/`endObject`, after which it is the value on top.
protocol JSONSink {
    /// Whether a container may open (the Lua end checks that its stack can grow); false makes
    /// the reader report nesting too deep.
    mutating func hasRoomToOpen() -> Bool
    mutating func beginArray()
    mutating func endArray()
    mutating func beginObject()
    mutating func endObject()
    /// A string value or an object key: `count` bytes of well-formed UTF-8, escapes decoded.
    mutating func string(_ bytes: UnsafePointer<UInt8>, count: Int)
    mutating func bool(_ value: Bool)
    mutating func null()
    mutating func integer(_ value: Int64)
    /// A number with a fraction or exponent, or an integer outside Int64: its text, checked
    /// against JSON's grammar.
    mutating func float(_ text: UnsafePointer<UInt8>, count: Int)
    /// Appends the value on top to the array under it, as item `index` (1-based).
    mutating func storeItem(_ index: Int64)
    /// Stores the value on top under the key below it, in the object under both.
    mutating func storeMember()
    /// With an object, a key and a value on top: if the object already has the key, `.error`
    /// returns the key's text (the reader reports it), `.rename` replaces the key by the first
    /// free `key#N`; nil otherwise.
    mutating func settleDuplicateKey(_ mode: JSONDuplicateKeys) -> String?
    /// Called after each stored value: the Lua end throws here past its memory limit.
    mutating func didStoreValue() throws
}

/// What a key seen twice in one object does.
enum JSONDuplicateKeys: String {
    /// The last value wins (what most readers do).
    case last
    /// The text is refused, naming the key and where it is.
    case error
    /// The later values are kept under `key#2`, `key#3`, ...: a reader that must not lose a
    /// copied entry (a workfile's instances) can then find and mend it.
    case rename
}

/// Malformed JSON text, where the reader found it. Each end words it its own way
/// (`json.decode: ... at line 1, column 4`, `invalid JSON at byte 3: ...`).
struct JSONReadError: Error {
    var message: String
    /// Byte offset of the problem.
    var offset: Int
    /// Where the problem is, 1-based, counting characters rather than bytes.
    var line: Int
    var column: Int
    /// For a misspelt `true`, `false` or `null`: where the word starts.
    var wordStart: Int?
}
