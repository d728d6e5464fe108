// Swift functions as Lua functions: the trampoline that calls the Swift dispatcher, turns its
// return code into a result count, a raise or a yield (all longjmps in a C frame, never below
// a Swift one), the continuation of a suspended call, and the suspend and raise markers.
#include "shim_private.h"

rscript_dispatch_fn rscript_g_dispatch = NULL;
rscript_release_fn rscript_g_release = NULL;
static const char suspend_marker_key = 0;  // its address is the suspend marker
static const char fnbox_mt_key = 0;
static const char raise_marker_key = 0;  // resumes a suspended Swift call with an error

void rscript_set_callbacks(rscript_dispatch_fn dispatch, rscript_release_fn release) {
    rscript_g_dispatch = dispatch;
    rscript_g_release = release;
}

static int fnbox_gc(lua_State *L) {
    fnbox *b = (fnbox *)lua_touserdata(L, 1);
    if (b != NULL && b->box != NULL) {
        void *box = b->box;
        b->box = NULL;
        rscript_g_release(box);
    }
    return 0;
}

// Runs when a suspended Swift call is resumed: the values it was woken with are its results,
// unless the waker could not deliver them (too many, nested too deeply) and sent the raise
// marker and a message instead; then the call raises that message where it was made (or the
// error object it was given, as it is).
static int resume_continuation(lua_State *L, int status, lua_KContext base) {
    (void)status;
    int top = lua_gettop(L);
    if (top >= (int)base + 2 && lua_type(L, (int)base + 1) == LUA_TLIGHTUSERDATA
        && lua_touserdata(L, (int)base + 1) == (void *)&raise_marker_key) {
        lua_settop(L, (int)base + 2);
        // An error object (a limit error, say) is raised as it is, so catchers still know it.
        if (lua_type(L, -1) != LUA_TSTRING) return lua_error(L);
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    return top - (int)base;
}

void rscript_push_raise_marker(lua_State *L) { lua_pushlightuserdata(L, (void *)&raise_marker_key); }

int rscript_finish_dispatch(lua_State *L, int r) {
    if (r >= 0) return r;
    switch (r) {
    case RSCRIPT_RAISE:
        return lua_error(L);
    case RSCRIPT_RAISE_WHERE:
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    case RSCRIPT_SUSPEND:
        if (!lua_isyieldable(L)) {
            return luaL_error(L, "attempt to wait outside a coroutine (run this from a task, not a C boundary)");
        }
        lua_pushlightuserdata(L, (void *)&suspend_marker_key);
        return lua_yieldk(L, 1, (lua_KContext)(lua_gettop(L) - 1), resume_continuation);
    default:
        return luaL_error(L, "rscript: bad dispatch result %d", r);
    }
}

int rscript_swift_trampoline(lua_State *L) {
    fnbox *b = (fnbox *)lua_touserdata(L, lua_upvalueindex(1));
    if (b->box == NULL) return luaL_error(L, "function was released");
    return rscript_finish_dispatch(L, call_swift(L, b));
}

static void push_fnbox(lua_State *L, void *box) {
    fnbox *b = (fnbox *)lua_newuserdatauv(L, sizeof(fnbox), 0);
    b->box = box;
    b->info = shim_info(L);
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &fnbox_mt_key) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 2);
        lua_pushcfunction(L, fnbox_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "rscript.function");
        lua_setfield(L, -2, "__name");
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &fnbox_mt_key);
    }
    lua_setmetatable(L, -2);
}

void rscript_push_swift_function(lua_State *L, void *box) {
    push_fnbox(L, box);
    lua_pushcclosure(L, rscript_swift_trampoline, 1);
}

void rscript_push_suspend_marker(lua_State *L) { lua_pushlightuserdata(L, (void *)&suspend_marker_key); }

int rscript_is_suspend_marker(lua_State *L, int index) {
    return lua_type(L, index) == LUA_TLIGHTUSERDATA && lua_touserdata(L, index) == (void *)&suspend_marker_key;
}
