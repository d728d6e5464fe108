import LuaBridge

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `fs.glob`: `*`, `?` and `[...]` through glob(3), plus `**` as a whole path component for any
/// depth of folders (zero or more). Like the shell, wildcards skip names starting with `.`, and
/// `**` does not descend into hidden folders or follow symbolic links to folders. Results are
/// sorted by bytes, without duplicates.
enum FSGlob {
    static func matches(_ pattern: [UInt8]) throws -> [[UInt8]] {
        var results = Set<[UInt8]>()
        try expand(pattern, into: &results)
        return results.sorted { $0.lexicographicallyPrecedes($1) }
    }

    private static let doubleStar: [UInt8] = [UInt8(ascii: "*"), UInt8(ascii: "*")]

    private static func expand(_ pattern: [UInt8], into results: inout Set<[UInt8]>) throws {
        let components = pattern.split(separator: FSPath.slash, omittingEmptySubsequences: false)
        guard let star = components.firstIndex(where: { $0.elementsEqual(doubleStar) }) else {
            for match in try system(pattern) { results.insert(match) }
            return
        }
        let isAbsolute = pattern.first == FSPath.slash
        let prefix = Array(components[..<star].joined(separator: [FSPath.slash]))
        var rest = Array(components[(star + 1)...].joined(separator: [FSPath.slash]))
        if rest.isEmpty { rest = [UInt8(ascii: "*")] }  // `a/**` is `a/**/*`: everything below a

        var bases: [[UInt8]]
        if prefix.isEmpty {
            bases = [isAbsolute ? [FSPath.slash] : []]
        } else {
            bases = try system(prefix).filter { FSPath.status($0).map(FSPath.isDirectory) ?? false }
        }
        for base in bases {
            var folders: [[UInt8]] = []
            walk(base, into: &folders)
            for folder in folders {
                let sub = folder.isEmpty ? rest : FSPath.join([escape(folder), rest])
                try expand(sub, into: &results)
            }
        }
    }

    /// `base` and every folder below it that is not hidden, without following symbolic links.
    private static func walk(_ base: [UInt8], into folders: inout [[UInt8]]) {
        folders.append(base)
        let names = (try? FSFile.list(base.isEmpty ? [UInt8(ascii: ".")] : base, function: "glob")) ?? []
        for name in names where name.first != UInt8(ascii: ".") {
            let child = base.isEmpty ? name : FSPath.join([base, name])
            var st = stat()
            let isFolder = FSPath.withCString(child) { lstat($0, &st) } == 0 && FSPath.isDirectory(st)
            if isFolder { walk(child, into: &folders) }
        }
    }

    /// Backslash-escapes glob's special characters, so a folder name matches only itself.
    private static func escape(_ path: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(path.count)
        for byte in path {
            if byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "[")
                || byte == UInt8(ascii: "\\")
            {
                result.append(UInt8(ascii: "\\"))
            }
            result.append(byte)
        }
        return result
    }

    /// glob(3) itself; no match is an empty list, unreadable folders are skipped.
    private static func system(_ pattern: [UInt8]) throws -> [[UInt8]] {
        var g = glob_t()
        defer { globfree(&g) }
        let status = FSPath.withCString(pattern) { glob($0, GLOB_NOSORT, nil, &g) }
        switch status {
        case 0:
            var matches: [[UInt8]] = []
            matches.reserveCapacity(Int(g.gl_pathc))
            for k in 0..<Int(g.gl_pathc) {
                guard let path = g.gl_pathv[k] else { continue }
                matches.append(Array(UnsafeRawBufferPointer(start: path, count: strlen(path))).map { $0 })
            }
            return matches
        case GLOB_NOMATCH:
            return []
        case GLOB_NOSPACE:
            throw LuaScriptError("fs.glob: out of memory matching \(FSPath.display(pattern))")
        default:
            throw LuaScriptError("fs.glob: cannot match \(FSPath.display(pattern))")
        }
    }
}
