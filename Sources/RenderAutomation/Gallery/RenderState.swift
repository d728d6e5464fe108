/// Where a render is in its life. The raw values are what the database, `--state` and the JSON
/// output use.
public enum RenderState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Started and not yet ended: its runtime polls it.
    case rendering
    /// `isRenderFinished` returned true.
    case finished
    /// The plugin raised, or its renderer failed.
    case failed
    /// Stopped by the user, a timeout or Ctrl-C, after `stopBackgroundRender` returned.
    case stopped

    /// True for `finished`, `failed` and `stopped`.
    public var isEnded: Bool { self != .rendering }
}
