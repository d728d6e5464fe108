// Protected entry points: every call from Swift into Lua, and every Lua operation Swift makes
// that can raise, runs under lua_pcall here, so no error longjmps into a Swift frame.
#include "shim_private.h"

static const char traceback_key = 0;

int rscript_traceback_handler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
            msg = lua_tostring(L, -1);
        } else {
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        }
    }
    luaL_traceback(L, L, NULL, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
    lua_settop(L, 1);  // the error object itself goes back, unchanged
    return 1;
}

void rscript_drop_to_traceback_handler(lua_State *L) {
    for (int i = lua_gettop(L); i > 0; i--) {
        if (lua_tocfunction(L, i) == rscript_traceback_handler) {
            lua_settop(L, i - 1);
            return;
        }
    }
}

/// Pushes the traceback the last pcall's handler saved (or nil) and clears it.
void rscript_push_last_traceback(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &traceback_key);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
}

// Every call from Swift into Lua funnels through here: the memory limit is enforced while Lua
// runs and lifted again before control returns to Swift.
int rscript_pcall_msgh(lua_State *L, int nargs, int nresults, int msgh) {
    rscript_state_info *info = shim_info(L);
    if (info->entry_depth == 0) shim_begin_entry(L, info);  // a top-level entry: fresh budget and deadline
    int saved = info->enforce;
    info->enforce = 1;
    info->entry_depth++;
    int status = lua_pcall(L, nargs, nresults, msgh);
    info->entry_depth--;
    info->enforce = saved;
    return status;
}

int rscript_pcall_traceback(lua_State *L, int nargs, int nresults) {
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, rscript_traceback_handler);
    lua_insert(L, base);
    int status = rscript_pcall_msgh(L, nargs, nresults, base);
    lua_remove(L, base);
    return status;
}

int rscript_resume(lua_State *co, lua_State *from, int nargs, int *nresults) {
    rscript_state_info *info = shim_info(co);
    int saved = info->enforce;
    lua_State *saved_running = info->running;
    info->enforce = 1;
    info->running = co;
    if (info->interrupt_requested) {  // asked for before `running` was co: arm co as well
        rscript_arm_interrupt_hook(co);
    }
    info->entry_depth++;
    int status = lua_resume(co, from, nargs, nresults);
    info->entry_depth--;
    info->enforce = saved;
    info->running = saved_running;
    return status;
}

// coroutine.resume for the coroutine prelude: the same results, but through rscript_resume, so
// the coroutine counts as running and an interrupt reaches it even when no limit hook is set.
static int tracked_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co != NULL, 1, "coroutine");
    int narg = lua_gettop(L) - 1, nres = 0;
    if (!lua_checkstack(co, narg)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "too many arguments to resume");
        return 2;
    }
    lua_xmove(L, co, narg);
    int status = rscript_resume(co, L, narg, &nres);
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_xmove(co, L, 1);  // the error
        return 2;
    }
    if (!lua_checkstack(L, nres + 1)) {
        lua_pop(co, nres);
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "too many results to resume");
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_xmove(co, L, nres);
    return nres + 1;
}

void rscript_push_resume(lua_State *L) { lua_pushcfunction(L, tracked_resume); }

int rscript_load(lua_State *L, const char *buf, size_t size, const char *chunkname, const char *mode) {
    rscript_state_info *info = shim_info(L);
    int saved = info->enforce;
    info->enforce = 1;
    int status = luaL_loadbufferx(L, buf, size, chunkname, mode);  // lua_load runs protected
    info->enforce = saved;
    return status;
}

static int op_gettable(lua_State *L) { lua_gettable(L, 1); return 1; }
static int op_settable(lua_State *L) { lua_settable(L, 1); return 0; }
static int op_tostring(lua_State *L) { luaL_tolstring(L, 1, NULL); return 1; }

int rscript_gettable(lua_State *L, int t) {
    t = lua_absindex(L, t);
    // A table without a metatable: the raw access is the whole operation and cannot raise.
    // (lua_getmetatable pushes only when there is one; checked first as it is the common answer.)
    if (!lua_getmetatable(L, t)) {
        if (lua_type(L, t) == LUA_TTABLE) {
            lua_rawget(L, t);
            return LUA_OK;
        }
    } else {
        lua_pop(L, 1);
    }
    lua_pushcfunction(L, op_gettable);
    lua_pushvalue(L, t);
    lua_rotate(L, -3, 2);  // [k, f, t] -> [f, t, k]
    return lua_pcall(L, 2, 1, 0);
}

int rscript_settable(lua_State *L, int t) {
    t = lua_absindex(L, t);
    if (!lua_getmetatable(L, t)) {
        if (lua_type(L, t) == LUA_TTABLE) {
            // lua_rawset raises for a nil or NaN key: refuse those here, where a status can be
            // returned. An integer key is neither, so its test costs one call, not three.
            int kt = lua_type(L, -2);
            if (kt == LUA_TNIL) { lua_pop(L, 2); lua_pushliteral(L, "index is nil"); return LUA_ERRRUN; }
            if (kt == LUA_TNUMBER && !lua_isinteger(L, -2) && lua_tonumber(L, -2) != lua_tonumber(L, -2)) {
                lua_pop(L, 2); lua_pushliteral(L, "index is NaN"); return LUA_ERRRUN;
            }
            lua_rawset(L, t);
            return LUA_OK;
        }
    } else {
        lua_pop(L, 1);
    }
    lua_pushcfunction(L, op_settable);
    lua_pushvalue(L, t);
    lua_rotate(L, -4, 2);  // [k, v, f, t] -> [f, t, k, v]
    return lua_pcall(L, 3, 0, 0);
}

int rscript_tostring(lua_State *L, int index) {
    index = lua_absindex(L, index);
    // A `__tostring` may loop forever, also on a coroutine that has finished (an error object
    // being reported): count it as running so that Ctrl-C reaches it.
    rscript_state_info *info = shim_info(L);
    lua_State *saved_running = info->running;
    info->running = L;
    if (info->interrupt_requested) rscript_arm_interrupt_hook(L);
    lua_pushcfunction(L, op_tostring);
    lua_pushvalue(L, index);
    int status = lua_pcall(L, 1, 1, 0);
    info->running = saved_running;
    return status;
}
