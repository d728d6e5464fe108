#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CBenchBaseline
import CLuaShim
import LuaBridge

/// The ratio rscript/C that counts as meeting the target (issue 14; it was 1.3).
let ratioTarget = 1.15

/// One measured operation: rscript through LuaBridge beside the raw C API.
struct OperationResult {
    var key: String
    var title: String
    /// ns per operation, the empty Lua loop subtracted when `loopSubtracted`.
    var rscript: Double
    var c: Double
    var loopSubtracted: Bool
    var ratio: Double { rscript / c }
    var meetsTarget: Bool { ratio <= ratioTarget }
}

/// A Swift class for the userdata benchmarks, registered with methods only (its metatable's
/// `__index` is the methods table, as for the C side's `PointMethods`).
final class MethodsPoint {}

/// The same with a property too (its `__index` is the shim's C function, over one lookup table of
/// methods and getters: the same shape as the C side's `PointFields`).
final class FieldsPoint {
    var x = 1.5
}

enum BenchError: Error, CustomStringConvertible {
    case mismatch(String)
    var description: String {
        switch self { case .mismatch(let m): return "sanity check failed: \(m)" }
    }
}

/// Sets up one state holding both sides, checks that each side computes the same thing, and
/// measures every operation.
func runOperations(_ options: BenchOptions) throws -> (loopNs: Double, results: [OperationResult]) {
    let state = try LuaState(libraries: .full)
    let L = state.L
    cbench_open(L)

    // (a) the Swift function; `cadd` is its C twin.
    state.register("add") { call in
        call.push(try call.number(1) + call.number(2))
        return 1
    }
    // (c), (d) the Swift classes.
    var methodsClass = LuaClass<MethodsPoint>("MethodsPoint")
    methodsClass.method("add") { _, call in
        call.push(try call.number(2) + call.number(3))
        return 1
    }
    state.register(methodsClass)
    var fieldsClass = LuaClass<FieldsPoint>("FieldsPoint")
    fieldsClass.method("add") { _, call in
        call.push(try call.number(2) + call.number(3))
        return 1
    }
    fieldsClass.property("x") { point, call in
        call.push(point.x)
        return 1
    }
    state.register(fieldsClass)

    func reference(_ push: () -> Void) -> LuaRef {
        push()
        defer { lua_settop(L, -2) }
        return state.reference(at: -1)
    }
    let swiftAdd = reference { lua_getglobal(L, "add") }
    let cAdd = reference { lua_getglobal(L, "cadd") }
    let swiftMethods = reference { state.push(object: MethodsPoint()) }
    let cMethods = reference { cbench_push_point_methods(L, 1.5) }
    let swiftFields = reference { state.push(object: FieldsPoint()) }
    let cFields = reference { cbench_push_point_fields(L, 1.5) }

    // (b) the Lua function both sides call.
    try state.doString("function bench_add(a, b) return a + b end", chunkName: "=bench")
    guard let luaAdd = state.globalFunction("bench_add") else { throw BenchError.mismatch("bench_add") }

    // (e), (f) a plain table: 1..64 and the field x.
    let table = state.newTable()
    for i in 1...64 { try table.set(i, Double(i) + 0.5) }
    try table.set("x", 1.5)

    // The Lua-side loops: each is one chunk called with (value, n).
    let callLoop = try state.load("local f, n = ... for i = 1, n do local r = f(i, 2) end", chunkName: "=call-loop")
    let methodLoop = try state.load("local o, n = ... for i = 1, n do local r = o:add(i, 2) end", chunkName: "=method-loop")
    let fieldLoop = try state.load("local o, n = ... for i = 1, n do local r = o.x end", chunkName: "=field-loop")
    let emptyLoop = try state.load("local o, n = ... for i = 1, n do end", chunkName: "=empty-loop")

    try sanityChecks(state)

    let reps = options.repetitions
    let empty: (Int) throws -> Void = { try emptyLoop.callDiscarding(swiftAdd, $0) }

    var results: [OperationResult] = []
    var loops: [Double] = []
    func measure(_ key: String, _ title: String, luaLoop: Bool, rscript: (Int) throws -> Void, c: (Int) throws -> Void) throws {
        if let only = options.only, only != key { return }
        let t = try timePair(roundNs: options.roundNs, repetitions: reps, baseline: luaLoop ? empty : nil, rscript: rscript, c: c)
        if luaLoop { loops.append(t.loop) }
        results.append(OperationResult(key: key, title: title, rscript: t.rscript, c: t.c, loopSubtracted: luaLoop))
    }

    try measure("lua_calls_swift", "(a) Lua calls add(a, b)", luaLoop: true,
                rscript: { try callLoop.callDiscarding(swiftAdd, $0) },
                c: { try callLoop.callDiscarding(cAdd, $0) })

    try measure("swift_calls_lua", "(b) host calls Lua f(1.0, 2.0)", luaLoop: false,
                rscript: { n in
                    var sum = 0.0
                    for _ in 0..<n { sum += try luaAdd.call(1.0, 2.0, returning: Double.self) }
                    blackHole(sum)
                },
                c: { n in blackHole(cbench_call_loop(L, luaAdd.ref, n)) })

    try measure("method_methods_index", "(c) obj:add(i, 2), methods-table __index", luaLoop: true,
                rscript: { try methodLoop.callDiscarding(swiftMethods, $0) },
                c: { try methodLoop.callDiscarding(cMethods, $0) })

    try measure("method_function_index", "(c') obj:add(i, 2), __index function", luaLoop: true,
                rscript: { try methodLoop.callDiscarding(swiftFields, $0) },
                c: { try methodLoop.callDiscarding(cFields, $0) })

    try measure("field_read", "(d) obj.x", luaLoop: true,
                rscript: { try fieldLoop.callDiscarding(swiftFields, $0) },
                c: { try fieldLoop.callDiscarding(cFields, $0) })

    try measure("table_get_int", "(e) t[i] get, integer key", luaLoop: false,
                rscript: { n in
                    var sum = 0.0
                    for i in 0..<n { sum += try table.get((i & 63) + 1, as: Double.self) }
                    blackHole(sum)
                },
                c: { n in blackHole(cbench_geti_loop(L, table.ref, n)) })

    try measure("table_get_string", "(e) t.x get, string key", luaLoop: false,
                rscript: { n in
                    var sum = 0.0
                    for _ in 0..<n { sum += try table.get("x", as: Double.self) }
                    blackHole(sum)
                },
                c: { n in blackHole(cbench_getfield_loop(L, table.ref, "x", n)) })

    // The same field through a LuaKey made once (what a hot path of the runtime would hold).
    let x = state.key("x")
    try measure("table_get_key", "(e) t.x get, LuaKey", luaLoop: false,
                rscript: { n in
                    var sum = 0.0
                    for _ in 0..<n { sum += try table.get(x, as: Double.self) }
                    blackHole(sum)
                },
                c: { n in blackHole(cbench_getfield_loop(L, table.ref, "x", n)) })

    try measure("table_set_int", "(f) t[i] = v set, integer key", luaLoop: false,
                rscript: { n in
                    for i in 0..<n { try table.set((i & 63) + 1, Double(i)) }
                },
                c: { n in cbench_seti_loop(L, table.ref, n) })

    try measure("table_set_string", "(f) t.x = v set, string key", luaLoop: false,
                rscript: { n in
                    for i in 0..<n { try table.set("x", Double(i)) }
                },
                c: { n in cbench_setfield_loop(L, table.ref, "x", n) })

    try measure("table_set_key", "(f) t.x = v set, LuaKey", luaLoop: false,
                rscript: { n in
                    for i in 0..<n { try table.set(x, Double(i)) }
                },
                c: { n in cbench_setfield_loop(L, table.ref, "x", n) })

    // The same three rows against the sequence a C library must write to be as safe as the
    // bridge (no metamethod may raise through it): what is left is the bridge's own cost.
    try measure("table_get_key_safe_c", "(e) t.x get, LuaKey / safe C", luaLoop: false,
                rscript: { n in
                    var sum = 0.0
                    for _ in 0..<n { sum += try table.get(x, as: Double.self) }
                    blackHole(sum)
                },
                c: { n in blackHole(cbench_safe_getkey_loop(L, table.ref, x.ref, n)) })

    try measure("table_set_int_safe_c", "(f) t[i] = v set / safe C", luaLoop: false,
                rscript: { n in
                    for i in 0..<n { try table.set((i & 63) + 1, Double(i)) }
                },
                c: { n in cbench_safe_seti_loop(L, table.ref, n) })

    try measure("table_set_key_safe_c", "(f) t.x = v set, LuaKey / safe C", luaLoop: false,
                rscript: { n in
                    for i in 0..<n { try table.set(x, Double(i)) }
                },
                c: { n in cbench_safe_setfield_loop(L, table.ref, "x", n) })

    guard state.stackTop == 0 else { throw BenchError.mismatch("stack not balanced: \(state.stackTop)") }
    withExtendedLifetime((cMethods, cFields, swiftMethods, swiftFields)) {}
    return (loops.isEmpty ? 0 : median(loops), results)
}

/// Both sides of each comparison must compute the same thing, or the comparison means nothing.
private func sanityChecks(_ state: LuaState) throws {
    let script = """
        local mp, fp = ...
        assert(add(1, 2) == 3 and cadd(1, 2) == 3)
        assert(not pcall(add, 1, {}) and not pcall(cadd, 1, {}))
        assert(mp:add(1, 2) == 3 and fp:add(1, 2) == 3)
        assert(fp.x == 1.5)
        assert(not pcall(mp.add, {}, 1, 2) and not pcall(fp.add, {}, 1, 2))
        assert(bench_add(1, 2) == 3)
        """
    let check = try state.load(script, chunkName: "=sanity")
    state.push(object: MethodsPoint())
    let mp = state.reference(at: -1)
    state.push(object: FieldsPoint())
    let fp = state.reference(at: -1)
    lua_settop(state.L, -3)
    try check.callDiscarding(mp, fp)
    cbench_push_point_methods(state.L, 1.5)
    let cmp = state.reference(at: -1)
    cbench_push_point_fields(state.L, 1.5)
    let cfp = state.reference(at: -1)
    lua_settop(state.L, -3)
    try check.callDiscarding(cmp, cfp)
}
