import CLuaShim

/// Memory that Swift hands to Lua on a script's behalf counts against the state's memory limit.
///
/// The allocator enforces the limit only while Lua code runs (a raw push from Swift must never
/// raise), so a Swift function that builds a large string or table (`fs.read`, `json.decode`,
/// a process's output) would slip past it. Such a function charges what it is about to hand over
/// (`chargeMemory`), or checks once it has built it (`checkMemoryLimit`), and throws the memory
/// limit's error when the limit would be passed: `LuaError(.memoryLimit, "memory limit exceeded
/// (N bytes)")`, the same error the allocator's limit gives. Raised from a Swift function it is a
/// limit error, which `pcall`, `xpcall` and `coroutine.resume` re-raise, so a script cannot catch
/// its way past it.
extension LuaState {
    /// Throws the memory-limit error when the state's memory plus `bytes` would pass its limit,
    /// after a full collection has given back what it can (as Lua does before failing an
    /// allocation). Does nothing without a limit.
    public func chargeMemory(_ bytes: Int, on thread: OpaquePointer? = nil) throws {
        let limit = Int(info.pointee.limit)
        guard limit > 0 else { return }
        if bytes <= limit, Int(info.pointee.used) <= limit - bytes { return }
        rscript_full_gc(thread ?? L)
        if bytes <= limit, Int(info.pointee.used) <= limit - bytes { return }
        throw memoryLimitError
    }

    /// Throws the memory-limit error when the state now holds more than its limit (checked after
    /// Swift pushed a value built piece by piece).
    public func checkMemoryLimit(on thread: OpaquePointer? = nil) throws {
        try chargeMemory(0, on: thread)
    }

    /// True when the state holds more than its limit now: a cheap test for a hot loop, which then
    /// calls `checkMemoryLimit` (that collects garbage before it decides).
    @inline(__always)
    public var isOverMemoryLimit: Bool {
        let limit = info.pointee.limit
        return limit != 0 && info.pointee.used > limit
    }

    public var memoryLimitError: LuaError {
        LuaError(.memoryLimit, "memory limit exceeded (\(limits.memoryBytes) bytes)")
    }
}

/// What values cost in Lua's heap, for charging them before they are pushed (on 64-bit Lua 5.4:
/// a string's header is 24 bytes and its text is NUL-terminated; an array slot is 16 bytes).
public enum LuaMemoryCost {
    public static func string(_ length: Int) -> Int { 25 + length }
    /// A sequence of `count` strings of `bytes` bytes in all.
    public static func stringArray(count: Int, bytes: Int) -> Int { 56 + count * (16 + 25) + bytes }
}
