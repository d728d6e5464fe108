// Private to the CLuaShim target: what its .c files share with one another and nothing
// outside may see (the public API is include/CLuaShim.h).
#ifndef RSCRIPT_SHIM_PRIVATE_H
#define RSCRIPT_SHIM_PRIVATE_H

#include "CLuaShim.h"
#include <stdio.h>
#include <stdlib.h>

#define RSCRIPT_HIDDEN __attribute__((visibility("hidden")))

// MARK: - Limits (limits_hook.c, limit_errors.c)

/// How many VM instructions pass between two runs of the limits hook.
#define HOOK_COUNT 1000

// The hot paths (every protected call, every resume) read the state's bookkeeping and start a
// top-level entry; inline here, since the files of the shim are compiled apart and a call
// across them costs what the bridge's figures are measured in.
static inline rscript_state_info *shim_info(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (rscript_state_info *)ud;
}

static inline void shim_begin_entry(lua_State *L, rscript_state_info *info) {
    (void)L;
    rscript_begin_entry_info(info);
}

/// Arms the limits hook on `L` to run at the next instruction, call or return: how a
/// pending interrupt reaches a coroutine that starts (or resumes) running.
RSCRIPT_HIDDEN void rscript_arm_interrupt_hook(lua_State *L);
/// Raises a limit error carrying `message` prefixed with the running function's position.
RSCRIPT_HIDDEN int rscript_raise_limit(lua_State *L, const char *message);

// MARK: - Swift functions (trampolines.c, class_metatables.c)

/// The userdata behind every Swift function: the Swift box and the state's bookkeeping.
typedef struct fnbox {
    void *box;
    rscript_state_info *info;
} fnbox;

/// The callbacks rscript_set_callbacks installed.
RSCRIPT_HIDDEN extern rscript_dispatch_fn rscript_g_dispatch;
RSCRIPT_HIDDEN extern rscript_release_fn rscript_g_release;

/// The C function every Swift closure is (its upvalue 1 is the fnbox).
RSCRIPT_HIDDEN int rscript_swift_trampoline(lua_State *L);
/// Turns a dispatcher's return code into what the C function returns: a result count, a raise
/// or a yield. Every longjmp it makes happens here, in a C frame below which Lua runs.
RSCRIPT_HIDDEN int rscript_finish_dispatch(lua_State *L, int r);

/// Calls the Swift function in `b` with the memory limit lifted (inline: on every API call).
static inline int call_swift(lua_State *L, fnbox *b) {
    rscript_state_info *info = b->info;
    int saved = info->enforce;
    info->enforce = 0;  // Swift frames must never see a memory error raised
#ifdef DEBUG
    lua_State *saved_thread = info->debug_thread;
    int saved_reserved = info->debug_reserved_top;
    info->debug_thread = L;
    info->debug_reserved_top = lua_gettop(L) + LUA_MINSTACK;
    int base = lua_gettop(L);
    (void)base;
#endif
    int r = rscript_g_dispatch(L, b->box);
#ifdef DEBUG
    rscript_debug_check_room(L);
    if (r > lua_gettop(L)) {
        fprintf(stderr, "rscript: bridge bug: a Swift function returned %d results with %d values on its stack\n", r, lua_gettop(L));
        abort();
    }
    info->debug_thread = saved_thread;
    info->debug_reserved_top = saved_reserved;
#endif
    info->enforce = saved;
    return r;
}

#endif
