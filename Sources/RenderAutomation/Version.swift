public enum RenderAutomationVersion { public static let string = "0.1.0" }
