/// A growable byte buffer for the JSON writer and the decoder's escaped strings: plain memory,
/// no bounds checks on append beyond the capacity check, reused across calls.
final class ByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int = 1024) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Empties the buffer; gives back memory above `keeping` bytes, so one huge document does
    /// not pin its memory for the life of the runtime.
    func reset(keeping limit: Int = 1 << 20) {
        count = 0
        if capacity > limit {
            base.deallocate()
            capacity = 1024
            base = .allocate(capacity: capacity)
        }
    }

    @inline(__always)
    func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    /// Appends a byte the caller has already reserved room for.
    @inline(__always)
    func appendUnchecked(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: UnsafePointer<UInt8>, count n: Int) {
        reserve(n)
        (base + count).update(from: bytes, count: n)
        count += n
    }

    func append(_ text: StaticString) {
        append(text.utf8Start, count: text.utf8CodeUnitCount)
    }

    func append(_ text: String) {
        var text = text
        text.withUTF8 { append($0.baseAddress!, count: $0.count) }
    }

    /// Appends `count` copies of `byte`.
    func append(repeating byte: UInt8, count n: Int) {
        reserve(n)
        (base + count).initialize(repeating: byte, count: n)
        count += n
    }

    /// The decimal digits of `value`.
    func appendInteger(_ value: Int64) {
        reserve(20)
        if value < 0 { appendUnchecked(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var rest = magnitude / 10
        while rest != 0 {
            digits += 1
            rest /= 10
        }
        var k = count + digits
        count = k
        repeat {
            k -= 1
            base[k] = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
            magnitude /= 10
        } while magnitude != 0
    }
}

/// UTF-8 well-formedness, as RFC 3629 defines it (no overlongs, no surrogates, at most U+10FFFF).
enum UTF8Check {
    /// The length of the well-formed sequence that starts at `p[0]` (a byte >= 0x80), or 0.
    /// Reads at most up to the first byte that is not a continuation, so a NUL terminator after
    /// the data stops it.
    @inline(__always)
    static func sequenceLength(_ p: UnsafePointer<UInt8>, available: Int) -> Int {
        let b0 = p[0]
        @inline(__always) func cont(_ i: Int) -> Bool { i < available && p[i] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            return cont(1) ? 2 : 0
        case 0xE0:
            return 1 < available && (0xA0...0xBF).contains(p[1]) && cont(2) ? 3 : 0
        case 0xED:
            return 1 < available && (0x80...0x9F).contains(p[1]) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return cont(1) && cont(2) ? 3 : 0
        case 0xF0:
            return 1 < available && (0x90...0xBF).contains(p[1]) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3:
            return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4:
            return 1 < available && (0x80...0x8F).contains(p[1]) && cont(2) && cont(3) ? 4 : 0
        default:
            return 0
        }
    }
}
