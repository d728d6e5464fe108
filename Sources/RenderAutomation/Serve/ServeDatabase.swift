import Foundation
import GRDB

/// What `rscript serve` reads: the gallery database file, with every component's tables (renders,
/// jobs, frame renders and their chunks, pool tasks), whichever rscript process wrote them.
///
/// Opening creates what is missing (a new file becomes a gallery with job, frame and pool tables,
/// so the server can start before anything was rendered), and adds the `serve` component: indexes
/// on `updatedAt`, so that finding what changed since the last look reads only the changed rows.
/// Every method is safe to call from any thread (GRDB's pool of readers).
public final class ServeDatabase: Sendable {
    public let path: String
    let pool: DatabasePool
    /// For the writes the API makes (kill, retry): the job store's own rules.
    let jobs: JobStore

    static let component = "serve"
    static let version = 1
    static let schema = """
        CREATE INDEX IF NOT EXISTS renders_by_update ON renders(updatedAt);
        CREATE INDEX IF NOT EXISTS jobs_by_update ON jobs(updatedAt);
        CREATE INDEX IF NOT EXISTS frame_renders_by_update ON frame_renders(updatedAt);
        CREATE INDEX IF NOT EXISTS frame_chunks_by_update ON frame_chunks(updatedAt);
        CREATE INDEX IF NOT EXISTS pool_tasks_by_update ON pool_tasks(updatedAt);
        """

    public init(path: String) throws {
        self.path = path
        jobs = try JobStore(path: path)
        _ = try FrameStore(path: path)
        _ = try PoolTaskStore(path: path)
        pool = try DatabasePool.openComponent(
            path: path, label: "rscript.serve", component: Self.component, version: Self.version,
            schema: Self.schema, busyTimeout: 5, readers: 4)
    }

    /// One consistent read of the file.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(db) }
        } catch {
            throw GalleryError.wrap(error, path: path)
        }
    }

    /// A page of a list, newest first.
    struct Page<Item: Sendable>: Sendable {
        var items: [Item]
        /// The `before` of the next page (nil: this was the last).
        var next: Int64?
        /// How many match the filter, in all pages.
        var total: Int
    }

    /// A list filter, already checked (`ServeQuery` turns bad values into 400s).
    struct Filter: Sendable {
        var state: String?
        /// Renders: `label LIKE %text%`; jobs: `name LIKE %text%`.
        var text: String?
        var limit = 50
        var before: Int64?
    }

    /// `SELECT ... WHERE ...` with the filter's conditions, the page's rows and the total.
    private func page<Item>(
        _ db: Database, table: String, select: String, textColumn: String?, filter: Filter,
        decode: (Database, Row) throws -> Item
    ) throws -> Page<Item> {
        try page(db, table: table, select: select, textColumn: textColumn, filter: filter) { db, rows in
            try rows.map { try decode(db, $0) }
        }
    }

    private func page<Item>(
        _ db: Database, table: String, select: String, textColumn: String?, filter: Filter,
        decodeAll: (Database, [Row]) throws -> [Item]
    ) throws -> Page<Item> {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let state = filter.state {
            conditions.append("state = ?")
            arguments += [state]
        }
        if let text = filter.text, let column = textColumn {
            conditions.append("\(column) LIKE ? ESCAPE '\\'")
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            arguments += ["%" + escaped + "%"]
        }
        let matching = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)" + matching, arguments: arguments) ?? 0
        var pageConditions = conditions
        var pageArguments = arguments
        if let before = filter.before {
            pageConditions.append("id < ?")
            pageArguments += [before]
        }
        let where_ = pageConditions.isEmpty ? "" : " WHERE " + pageConditions.joined(separator: " AND ")
        pageArguments += [filter.limit + 1]
        let rows = try Row.fetchAll(db, sql: select + where_ + " ORDER BY id DESC LIMIT ?", arguments: pageArguments)
        let items = try decodeAll(db, Array(rows.prefix(filter.limit)))
        let next: Int64? = rows.count > filter.limit ? rows[filter.limit - 1]["id"] : nil
        return Page(items: items, next: next, total: total)
    }

    // MARK: Renders

    func renders(_ filter: Filter) throws -> Page<RenderSnapshot> {
        try read { db in
            try page(db, table: "renders", select: GalleryStore.selectRenders, textColumn: "label", filter: filter) {
                try GalleryStore.snapshots($0, rows: $1)
            }
        }
    }

    func render(id: Int64, fullImageHistory: Bool = true) throws -> RenderSnapshot? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: GalleryStore.selectRenders + " WHERE id = ?", arguments: [id]) else { return nil }
            return try GalleryStore.snapshot(db, row: row, fullImageHistory: fullImageHistory)
        }
    }

    // MARK: Jobs

    func jobList(_ filter: Filter) throws -> Page<JobRecord> {
        try read { db in
            try page(db, table: "jobs", select: JobStore.selectJobs, textColumn: "name", filter: filter) { try JobStore.record($1) }
        }
    }

    func job(id: Int64) throws -> JobRecord? {
        try read { db in try JobStore.fetch(db, id: id) }
    }

    // MARK: Frame renders

    func frameRenders(_ filter: Filter) throws -> Page<FrameRenderRow> {
        try read { db in
            try page(db, table: "frame_renders", select: FrameRenderRow.select, textColumn: "label", filter: filter) { FrameRenderRow($1) }
        }
    }

    func frameRender(id: Int64) throws -> FrameRenderRow? {
        try read { db in
            try Row.fetchOne(db, sql: FrameRenderRow.select + " WHERE id = ?", arguments: [id]).map(FrameRenderRow.init)
        }
    }

    func chunks(ofFrameRender id: Int64) throws -> [FrameChunkRow] {
        try read { db in
            try Row.fetchAll(db, sql: FrameChunkRow.select + " WHERE renderId = ? ORDER BY id", arguments: [id]).map(FrameChunkRow.init)
        }
    }

    func chunk(id: Int64) throws -> FrameChunkRow? {
        try read { db in
            try Row.fetchOne(db, sql: FrameChunkRow.select + " WHERE id = ?", arguments: [id]).map(FrameChunkRow.init)
        }
    }

    // MARK: Pool tasks

    func poolTasks(_ filter: Filter) throws -> Page<PoolTaskRow> {
        try read { db in
            try page(db, table: "pool_tasks", select: PoolTaskRow.select, textColumn: "label", filter: filter) { PoolTaskRow($1) }
        }
    }
}
