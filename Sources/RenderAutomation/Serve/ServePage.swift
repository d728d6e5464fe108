/// The page's files, shipped inside the binary. (The page itself arrives with the `page` branch;
/// until then the server answers only the API.)
public enum ServePage {
    public static func asset(_ path: String) -> (bytes: [UInt8], contentType: String)? { nil }
}
