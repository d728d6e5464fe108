import LuaBridge

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `require("rscript.fs")`: files and folders, with paths as byte strings.
///
/// `join`, `basename`, `dirname`, `abspath` work on path text only. `exists`, `isdir`, `isfile`
/// answer false rather than fail. `read`, `write` (atomic), `copy` (atomic), `rename`, `mkdir` (with
/// parents), `list`, `glob`, `remove`, `rmtree` and `stat` raise errors that name the function and the path, such as
/// `fs.read: cannot open /x/y: No such file or directory`.
enum FSModule: RuntimeModule {
    static let name = "rscript.fs"

    static func open(in runtime: ScriptRuntime) {
        runtime.state.pushModule("fs", functions: [
            ("join", { call in
                var parts = [try path(call, 1)]
                if call.argumentCount > 1 {
                    for position in 2...call.argumentCount { parts.append(try path(call, position)) }
                }
                return push(FSPath.join(parts), call)
            }),
            ("basename", { call in push(FSPath.basename(try path(call, 1)), call) }),
            ("dirname", { call in push(FSPath.dirname(try path(call, 1)), call) }),
            ("abspath", { call in push(try FSPath.absolute(try path(call, 1)), call) }),
            ("exists", { call in
                call.push(FSPath.status(try path(call, 1)) != nil)
                return 1
            }),
            ("isdir", { call in
                call.push(FSPath.status(try path(call, 1)).map(FSPath.isDirectory) ?? false)
                return 1
            }),
            ("isfile", { call in
                call.push(FSPath.status(try path(call, 1)).map(FSPath.isRegularFile) ?? false)
                return 1
            }),
            ("mkdir", { call in
                try FSFile.makeDirectories(try path(call, 1))
                call.push(true)
                return 1
            }),
            ("list", { call in try pushList(try FSFile.list(try path(call, 1)), call) }),
            ("glob", { call in try pushList(try FSGlob.matches(try path(call, 1)), call) }),
            ("read", { call in
                // The file becomes a Lua string: it counts against the memory limit.
                let state = call.state
                try FSFile.read(try path(call, 1), charge: { try state.chargeMemory(LuaMemoryCost.string($0)) }) { bytes in
                    try state.chargeMemory(LuaMemoryCost.string(bytes.count))
                    call.push(bytes: UnsafeRawBufferPointer(bytes))
                }
                return 1
            }),
            ("write", { [unowned runtime] call in
                let target = try path(call, 1)
                let data = try call.borrowedBytes(2)
                guard call.canSuspend, runtime.scheduler.currentTask != nil else {
                    try FSFile.writeAtomically(target, data)
                    call.push(true)
                    return 1
                }
                // The fsync runs off the loop; the bytes are copied out of the Lua string first.
                let bytes = [UInt8](data)
                return try BlockingWork.run(call, runtime: runtime) {
                    try bytes.withUnsafeBytes { try FSFile.writeAtomically(target, $0) }
                    return [.bool(true)]
                }
            }),
            ("copy", { [unowned runtime] call in
                let source = try path(call, 1)
                let destination = try path(call, 2)
                return try BlockingWork.run(call, runtime: runtime) {
                    try FSFile.copy(source, to: destination)
                    return [.bool(true)]
                }
            }),
            ("rename", { call in
                try FSFile.rename(try path(call, 1), to: try path(call, 2))
                call.push(true)
                return 1
            }),
            ("remove", { call in
                try FSFile.remove(try path(call, 1))
                call.push(true)
                return 1
            }),
            ("rmtree", { call in
                call.push(try FSFile.removeTree(try path(call, 1)))
                return 1
            }),
            ("stat", { call in
                let target = try path(call, 1)
                guard let st = FSPath.status(target) else { throw FSError.system("stat", "cannot stat", target) }
                try call.push(LuaValue.object([
                    "size": .int(Int64(st.st_size)),
                    "mtime": .double(modificationTime(st)),
                    "isdir": .bool(FSPath.isDirectory(st)),
                    "isfile": .bool(FSPath.isRegularFile(st)),
                ]))
                return 1
            }),
        ])
    }

    /// A path argument as bytes; a NUL byte in it is an argument error (the system would
    /// silently cut the path there).
    private static func path(_ call: LuaCall, _ position: Int32) throws -> [UInt8] {
        let bytes = try call.bytes(position)
        if bytes.contains(0) { throw LuaArgumentError(position: position, "path contains a NUL byte") }
        return bytes
    }

    private static func push(_ bytes: [UInt8], _ call: LuaCall) -> Int32 {
        call.push(bytes: bytes)
        return 1
    }

    private static func pushList(_ items: [[UInt8]], _ call: LuaCall) throws -> Int32 {
        try call.push(LuaValue.array(items.map { .bytes($0) }))
        return 1
    }

    private static func modificationTime(_ st: stat) -> Double {
        #if canImport(Darwin)
        Double(st.st_mtimespec.tv_sec) + Double(st.st_mtimespec.tv_nsec) * 1e-9
        #else
        Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) * 1e-9
        #endif
    }
}
