// Protected entry points (never longjmp into Swift) and stack-space reservations.
#ifndef RSCRIPT_PROTECTED_H
#define RSCRIPT_PROTECTED_H

#include "rscript_lua_macros.h"
#include "rscript_state.h"

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
/// rscript_pcall_msgh for a caller that holds the state's bookkeeping (`LuaState.info`): the same
/// steps, inline, without looking `info` up through lua_getallocf. Why: on a host-to-Lua call
/// those two calls into the shim and liblua were a tenth of the bridge's cost over lua_pcall.
static inline int rscript_pcall_info(lua_State *L, rscript_state_info *info, int nargs, int nresults, int msgh) {
    if (info->entry_depth == 0) rscript_begin_entry_info(info);  // a top-level entry: fresh budget and deadline
    int saved = info->enforce;
    info->enforce = 1;
    info->entry_depth++;
    int status = lua_pcall(L, nargs, nresults, msgh);
    info->entry_depth--;
    info->enforce = saved;
    return status;
}
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

#endif
