import Foundation
import GRDB

extension GalleryStore {
    /// The folder of the gallery's own files: beside the database, named after it
    /// (`~/.local/share/rscript/rscript-renders` for `rscript.db`).
    public var dataFolder: String {
        let folder = Environment.directory(of: path)
        var name = String(path[path.index(after: path.lastIndex(of: "/") ?? path.index(before: path.startIndex))...])
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
        return folder + "/" + name + "-renders"
    }

    /// The work folder the gallery owns for render `id`: `dataFolder/ID`. Ids are never reused,
    /// so neither is this folder.
    public func managedWorkDir(for id: Int64) -> String {
        dataFolder + "/\(id)"
    }

    /// Creates `managedWorkDir(for: id)` (with its parents), records it as the render's
    /// `workDir`, and returns it. `remove(id:)` deletes this folder with the render.
    /// - Throws: `GalleryError.notWritable` when the folder cannot be made; `.unknownRender`.
    public func makeWorkDir(id: Int64) throws -> String {
        let dir = managedWorkDir(for: id)
        guard try snapshot(id: id, fullImageHistory: false) != nil else { throw GalleryError.unknownRender(id, path: path) }
        try createWorkDir(dir)
        try setPaths(id: id, workDir: dir)
        return dir
    }

    /// `makeWorkDir` in a transaction of the caller's (the recorder's writer).
    func makeWorkDir(_ db: Database, id: Int64) throws -> String {
        let dir = managedWorkDir(for: id)
        try Self.touch(db, id: id, now: Date(), storePath: path)  // .unknownRender when missing
        try createWorkDir(dir)
        try db.execute(sql: "UPDATE renders SET workDir = ? WHERE id = ?", arguments: [dir, id])
        return dir
    }

    private func createWorkDir(_ dir: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw GalleryError.cannotCreateFolder(dir, database: path, reason: FileAccess.problem(creating: dir) ?? "\(error)")
        }
    }

    /// A directory that is not a symbolic link.
    static func isRealDirectory(_ path: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return false }
        return attributes[.type] as? FileAttributeType == .typeDirectory
    }
}
