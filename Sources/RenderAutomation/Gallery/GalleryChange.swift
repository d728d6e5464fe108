/// One change to a render, for `GalleryStore.apply(_:)`: several changes, to several renders,
/// written in one transaction.
public enum GalleryChange: Sendable, Hashable {
    /// As `GalleryStore.appendImage(id:path:)`.
    case appendImage(id: Int64, path: String)
    /// As `GalleryStore.mergeMetadata(id:_:)`.
    case mergeMetadata(id: Int64, patch: [String: JSONValue])
    /// As `GalleryStore.finish(id:state:error:)`.
    case finish(id: Int64, state: RenderState, error: RenderSnapshot.Failure?)

    public var id: Int64 {
        switch self {
        case .appendImage(let id, _), .mergeMetadata(let id, _), .finish(let id, _, _): return id
        }
    }
}
