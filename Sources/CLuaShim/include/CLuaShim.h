// CLuaShim: what Swift cannot import from Lua's headers, and the C trampolines that keep
// every longjmp (lua_error, lua_yield, errors raised in hooks) inside C frames.
//
// Lua's function-like macros are re-declared as static inline functions with the manual's
// names; everything new carries the `rscript_` prefix.
#ifndef RSCRIPT_CLUASHIM_H
#define RSCRIPT_CLUASHIM_H

#include "../../CLua/CLua.h"
#include <stddef.h>
#include <stdint.h>
#include <signal.h>

// MARK: - Lua macros as functions

#undef lua_pop
static inline void lua_pop(lua_State *L, int n) { lua_settop(L, -(n)-1); }
#undef lua_newtable
static inline void lua_newtable(lua_State *L) { lua_createtable(L, 0, 0); }
#undef lua_pcall
static inline int lua_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcallk(L, nargs, nresults, msgh, 0, NULL);
}
#undef lua_call
static inline void lua_call(lua_State *L, int nargs, int nresults) { lua_callk(L, nargs, nresults, 0, NULL); }
#undef lua_tostring
static inline const char *lua_tostring(lua_State *L, int i) { return lua_tolstring(L, i, NULL); }
#undef lua_tonumber
static inline lua_Number lua_tonumber(lua_State *L, int i) { return lua_tonumberx(L, i, NULL); }
#undef lua_tointeger
static inline lua_Integer lua_tointeger(lua_State *L, int i) { return lua_tointegerx(L, i, NULL); }
#undef lua_isnil
static inline int lua_isnil(lua_State *L, int n) { return lua_type(L, n) == LUA_TNIL; }
#undef lua_isnoneornil
static inline int lua_isnoneornil(lua_State *L, int n) { return lua_type(L, n) <= 0; }
#undef lua_istable
static inline int lua_istable(lua_State *L, int n) { return lua_type(L, n) == LUA_TTABLE; }
#undef lua_isfunction
static inline int lua_isfunction(lua_State *L, int n) { return lua_type(L, n) == LUA_TFUNCTION; }
#undef lua_insert
static inline void lua_insert(lua_State *L, int idx) { lua_rotate(L, idx, 1); }
#undef lua_remove
static inline void lua_remove(lua_State *L, int idx) { lua_rotate(L, idx, -1); lua_pop(L, 1); }
#undef lua_replace
static inline void lua_replace(lua_State *L, int idx) { lua_copy(L, -1, idx); lua_pop(L, 1); }
#undef lua_pushglobaltable
static inline void lua_pushglobaltable(lua_State *L) { lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS); }
#undef lua_upvalueindex
static inline int lua_upvalueindex(int i) { return LUA_REGISTRYINDEX - i; }
#undef lua_yield
static inline int lua_yield(lua_State *L, int n) { return lua_yieldk(L, n, 0, NULL); }
#undef lua_newuserdata
static inline void *lua_newuserdata(lua_State *L, size_t sz) { return lua_newuserdatauv(L, sz, 1); }

#undef luaL_typename
static inline const char *luaL_typename(lua_State *L, int i) { return lua_typename(L, lua_type(L, i)); }
#undef luaL_getmetatable
static inline int luaL_getmetatable(lua_State *L, const char *n) { return lua_getfield(L, LUA_REGISTRYINDEX, n); }

/// An eventfd for waking a loop (close-on-exec, non-blocking); -1 on failure.
int rscript_eventfd(void);

static inline const char *rscript_lua_release(void) { return LUA_RELEASE; }
static inline int rscript_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int rscript_multret(void) { return LUA_MULTRET; }
static inline lua_Integer rscript_ridx_mainthread(void) { return LUA_RIDX_MAINTHREAD; }

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

// MARK: - Protected entry points (never longjmp into Swift)

/// lua_pcall with a traceback message handler; the limit is enforced during the call.
int rscript_pcall_traceback(lua_State *L, int nargs, int nresults);
/// The message handler rscript_pcall_traceback uses: saves the traceback (see
/// rscript_push_last_traceback) and returns the error object unchanged.
int rscript_traceback_handler(lua_State *L);
/// Pushes rscript_traceback_handler. A hot caller pushes it *below* the function once, so the
/// call needs no lua_insert/lua_remove around it (see LuaFunction.call).
static inline void rscript_push_traceback_handler(lua_State *L) { lua_pushcclosure(L, rscript_traceback_handler, 0); }
/// Pops values down to and including the nearest rscript_traceback_handler (a typed call whose
/// arguments could not all be pushed).
void rscript_drop_to_traceback_handler(lua_State *L);
/// lua_pcall with the message handler at `msgh` (0: none); the limit is enforced during the
/// call. The entry point every Swift-to-Lua call goes through. Called when no Lua code runs (not
/// from a Swift function Lua called), it starts a new entry: fresh instruction budget and deadline.
int rscript_pcall_msgh(lua_State *L, int nargs, int nresults, int msgh);
/// lua_resume with the limit enforced; on error the coroutine's stack is left for tracebacks.
int rscript_resume(lua_State *co, lua_State *from, int nargs, int *nresults);
/// Pushes a `coroutine.resume` that resumes through rscript_resume (for the coroutine prelude).
void rscript_push_resume(lua_State *L);
/// luaL_loadbufferx under protection (a memory error cannot escape).
int rscript_load(lua_State *L, const char *buf, size_t size, const char *chunkname, const char *mode);
/// t[k] with metamethods, protected. Stack: [..., t, k] -> [..., v]; returns a status.
int rscript_gettable(lua_State *L, int tindex);
/// t[k] = v with metamethods, protected. Stack: [..., k, v] -> [...]; returns a status.
int rscript_settable(lua_State *L, int tindex);
/// tostring() with __tostring/__name, protected. Pushes a string, or the error.
int rscript_tostring(lua_State *L, int index);
/// Pushes the traceback saved by the last failed rscript_pcall_traceback (or nil) and clears it.
void rscript_push_last_traceback(lua_State *L);

// MARK: - Stack space

/// lua_checkstack (never raises; 0 when the stack cannot grow so far). In debug builds it also
/// records the reservation, for rscript_debug_check_room.
int rscript_checkstack(lua_State *L, int n);
/// Debug builds: aborts with a message when the Swift function running on `L` has pushed past
/// the slots Lua guaranteed it plus those it reserved (undefined behaviour in a release build).
/// Release builds: nothing.
void rscript_debug_check_room(lua_State *L);

// MARK: - Swift functions as Lua functions

/// Return codes of the Swift dispatcher, interpreted by the trampoline after the Swift frame returned.
///   >= 0 : number of results on the stack
///   RSCRIPT_RAISE: raise the value at the top of the stack as is
///   RSCRIPT_RAISE_WHERE: raise the string at the top with the caller's `chunk:line:` prepended
///   <= RSCRIPT_YIELD_BASE: suspend the running coroutine (see rscript_suspend_marker)
#define RSCRIPT_RAISE (-1)
#define RSCRIPT_RAISE_WHERE (-2)
#define RSCRIPT_SUSPEND (-3)

typedef int (*rscript_dispatch_fn)(lua_State *L, void *box);
typedef void (*rscript_release_fn)(void *box);

/// Set once, before any state is created.
void rscript_set_callbacks(rscript_dispatch_fn dispatch, rscript_release_fn release);

/// Pushes a C closure that calls `dispatch(L, box)`; `box` is released when the closure is collected.
void rscript_push_swift_function(lua_State *L, void *box);

/// The value a coroutine yields when a Swift function suspends it (a unique light userdata).
void rscript_push_suspend_marker(lua_State *L);
int rscript_is_suspend_marker(lua_State *L, int index);
/// Pushed with a message as the only two resume values of a suspended Swift call, it makes that
/// call raise the message (with the caller's position) instead of returning.
void rscript_push_raise_marker(lua_State *L);

// MARK: - Swift objects as userdata

typedef struct rscript_object {
    uint64_t magic;
    const void *type_tag;
    void *object;   // retained Swift object; NULL once collected
} rscript_object;

#define RSCRIPT_OBJECT_MAGIC 0x7273637269707431ULL

/// Pushes a new userdata holding `object` (already retained) with the metatable at `mtindex`.
void rscript_push_object(lua_State *L, void *object, const void *type_tag, int mtindex);
/// The rscript_object at `index`, or NULL if that value is not one of ours.
static inline rscript_object *rscript_to_object(lua_State *L, int index) {
    rscript_object *o = (rscript_object *)lua_touserdata(L, index);
    if (o == NULL || lua_rawlen(L, index) != sizeof(rscript_object) || o->magic != RSCRIPT_OBJECT_MAGIC) return NULL;
    return o;
}
/// Builds a metatable for a class: stack [..., methods, getters, setters, name] -> [..., mt].
/// Getter and setter tables map names to light userdata boxes; methods map names to functions.
void rscript_make_class_metatable(lua_State *L);

// MARK: - Memory charged from Swift (strings and tables Swift hands to Lua)

/// A full garbage collection (finalizers run protected; their errors become warnings).
void rscript_full_gc(lua_State *L);


#endif
