import Dispatch
import LuaBridge
import Synchronization
import XCTest

/// Evaluates `expression`, which must throw a `LuaError` of `kind` (with exactly `message`, when
/// given); returns the error for further checks.
@discardableResult
func assertLuaError<T>(
    _ expression: @autoclosure () throws -> T,
    kind: LuaError.Kind,
    message: String? = nil,
    file: StaticString = #filePath,
    line: UInt = #line
) -> LuaError? {
    do {
        let value = try expression()
        XCTFail("expected a LuaError of kind \(kind), got \(value)", file: file, line: line)
        return nil
    } catch let error as LuaError {
        XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        if let message { XCTAssertEqual(error.message, message, file: file, line: line) }
        return error
    } catch {
        XCTFail("expected a LuaError, got \(error)", file: file, line: line)
        return nil
    }
}

/// Lets a value that is not `Sendable` cross to another thread, where the test knows the use is
/// safe (`LuaState.interrupt()` is meant to be called from anywhere).
final class UncheckedSendable<Wrapped>: @unchecked Sendable {
    let value: Wrapped
    init(_ value: Wrapped) { self.value = value }
}

/// Interrupts a state from another thread after `seconds`, and every 50 ms after that, until
/// cancelled: a backstop that turns a limit that never fires into a failing test instead of a
/// hung one. If interrupts do not stop the state either, it ends the test process after 10 s more.
/// Cancel it before the state closes; once `cancel()` returns, no interrupt can arrive.
final class Watchdog: Sendable {
    private let fired = Mutex<Bool?>(false)  // nil: cancelled

    init(_ state: LuaState, seconds: Double = 5) {
        schedule(UncheckedSendable(state), after: seconds, attempt: 0)
    }

    private func schedule(_ state: UncheckedSendable<LuaState>, after seconds: Double, attempt: Int) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            let again = fired.withLock { fired in
                guard fired != nil else { return false }
                if attempt >= 200 { fatalError("Watchdog: the Lua state ignored interrupts for 10 s") }
                fired = true
                state.value.interrupt()
                return true
            }
            if again { schedule(state, after: 0.05, attempt: attempt + 1) }
        }
    }

    /// Whether the watchdog had to interrupt the state.
    @discardableResult
    func cancel() -> Bool {
        fired.withLock { fired in
            defer { fired = nil }
            return fired == true
        }
    }
}
