// libedit's completion settings are C globals; the REPL is single-threaded, so reaching them
// through a pre-concurrency import is sound here.
@preconcurrency import CEdit

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The completer libedit's C callbacks reach. libedit gives them no context pointer, so this
/// global is set while a `LineEditor` with completion exists and is only touched on the REPL's
/// thread (libedit calls back from inside `readline()`).
nonisolated(unsafe) private var activeCompleter: ReplCompleter?
/// The matches of the completion in progress, handed out one by one to `rl_completion_matches`.
nonisolated(unsafe) private var pendingMatches: [String] = []
nonisolated(unsafe) private var pendingIndex = 0

/// Connects a `ReplCompleter` to libedit: `rl_attempted_completion_function` and the word
/// break characters.
enum CompletionHook {
    static func install(_ completer: ReplCompleter) {
        activeCompleter = completer
        rl_basic_word_break_characters = UnsafePointer(strdup(ReplCompleter.wordBreakCharacters))
        rl_completer_word_break_characters = strdup(ReplCompleter.wordBreakCharacters)
        rl_attempted_completion_function = attemptCompletion
    }

    static func uninstall() {
        rl_attempted_completion_function = nil
        activeCompleter = nil
        pendingMatches = []
    }
}

/// `rl_attempted_completion_function`: the matches for `text`, or NULL for none (and never
/// libedit's own file name completion).
private let attemptCompletion: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, _, _ in
    rl_attempted_completion_over = 1
    guard let text, let completer = activeCompleter else { return nil }
    let completions = completer.complete(String(cString: text))
    guard !completions.matches.isEmpty else { return nil }
    pendingMatches = completions.matches
    pendingIndex = 0
    // libedit appends this after a single match; an empty suffix appends nothing.
    rl_completion_append_character = Int32(completions.suffix.utf8.first ?? 0)
    return rl_completion_matches(text, nextMatch)
}

/// The generator `rl_completion_matches` calls until it returns NULL; `state` is 0 on the first
/// call. Each result is malloc'd: libedit frees it.
private let nextMatch: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { _, state in
    if state == 0 { pendingIndex = 0 }
    guard pendingIndex < pendingMatches.count else { return nil }
    defer { pendingIndex += 1 }
    return strdup(pendingMatches[pendingIndex])
}
