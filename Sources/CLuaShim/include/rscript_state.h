// A state's bookkeeping: the counting allocator, budgets, deadlines, interrupts and SIGINT.
#ifndef RSCRIPT_STATE_H
#define RSCRIPT_STATE_H

#include "rscript_lua_macros.h"
#include <signal.h>

// MARK: - Per-state bookkeeping (allocator, limits, interrupts)

/// Lives as long as the state; reached through the allocator's user data.
typedef struct rscript_state_info {
    size_t used;              // bytes currently allocated by this state
    size_t peak;              // high-water mark
    size_t limit;             // 0: no limit
    int enforce;              // the limit applies only while Lua code runs (see rscript_enter/leave)
    int memory_limit_hit;     // set when an allocation was refused because of the limit
    long long instruction_budget;  // 0: none; counted per top-level entry
    long long instructions_used;
    double deadline;          // CLOCK_MONOTONIC seconds; 0: none
    double deadline_span;     // seconds allowed per top-level entry (0: none)
    double deadline_reported; // the span the current deadline allowed, for its error message
    volatile sig_atomic_t interrupt_requested;
    int limit_kind;           // 1 budget, 2 deadline, 3 interrupt, 4 memory charged from Swift: why the last limit error was raised
    int hook_installed;
    lua_State *running;       // the coroutine rscript_resume is running, for interrupts
    int entry_depth;          // protected calls and resumes from Swift now running; 0: none
    lua_State *debug_thread;  // debug builds: the thread of the Swift function running now
    int debug_reserved_top;   // debug builds: the highest stack index it may fill
} rscript_state_info;

/// Creates a state whose allocator counts bytes and enforces `info->limit`.
lua_State *rscript_newstate(rscript_state_info *info);
rscript_state_info *rscript_info(lua_State *L);

/// Installs or removes the count hook that enforces budgets, deadlines and interrupts,
/// on `L` (new coroutines inherit it).
void rscript_update_hook(lua_State *L);
/// Pushes the metatable of limit errors (budget, deadline, interrupt).
void rscript_push_limit_metatable(lua_State *L);
/// Pushes a limit error object ({message = ...} with the limit metatable) and records `kind`
/// (1 budget, 2 deadline, 3 interrupt, 4 memory), for re-raising a limit error that crossed a
/// Swift frame with its identity: the runtime's pcall wrappers re-raise such objects.
void rscript_push_limit_error(lua_State *L, const char *message, size_t length, int kind);
/// Async-signal-safe: asks the running Lua code (on `L`) to raise "interrupted".
void rscript_request_interrupt(lua_State *L);
double rscript_monotonic(void);

/// Installs a SIGINT handler that interrupts Lua code running on `L` and writes to `wakefd`.
/// A second SIGINT while the first is being handled exits at once with status 130, and so does
/// a first one that nothing acknowledges within 2 s (Lua code the hooks cannot reach: a __gc
/// finalizer, a long C call). Both run `cleanup` (async-signal-safe; may be NULL) before exiting.
void rscript_install_sigint(lua_State *L, int wakefd, void (*cleanup)(void));
/// Says the latest SIGINT reached the runtime: the loop turned, or the REPL dealt with it.
void rscript_acknowledge_interrupt(void);
/// How many SIGINTs arrived since install (or the last reset).
int rscript_sigint_count(void);
/// Forgets the SIGINTs so far (they have been dealt with); acknowledges them.
void rscript_sigint_reset(void);
/// Restores the default SIGINT action.
void rscript_uninstall_sigint(void);
/// Resets the per-entry counters; called when Swift enters Lua from the top.
void rscript_begin_entry(lua_State *L);
/// rscript_begin_entry given the state's bookkeeping (inline: on every top-level call).
static inline void rscript_begin_entry_info(rscript_state_info *info) {
    info->instructions_used = 0;
    info->limit_kind = 0;
    info->memory_limit_hit = 0;
    info->deadline = info->deadline_span > 0 ? rscript_monotonic() + info->deadline_span : 0;
    info->deadline_reported = info->deadline_span;
}
/// Gives the entry just begun on `L` (a task's resume) an earlier deadline: `deadline`
/// (CLOCK_MONOTONIC seconds), reported as `span` seconds, when it comes before the state's own.
/// Installs the count hook on `L` if the state has none, so a runaway task meets it.
void rscript_set_entry_deadline(lua_State *L, double deadline, double span);

#endif
