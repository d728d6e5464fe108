/// Why a frame-range render could not start (nothing was started then), or a plugin's chunk
/// method misbehaved.
public struct FrameRenderError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
