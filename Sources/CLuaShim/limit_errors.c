// Limit errors (budget, deadline, interrupt, memory): tables {message = ...} with one shared
// metatable, which the runtime's pcall/xpcall/coroutine wrappers recognise and re-raise.
#include "shim_private.h"

static const char limit_mt_key = 0;

static int limit_tostring(lua_State *L) {
    lua_getfield(L, 1, "message");
    return 1;
}

void rscript_push_limit_metatable(lua_State *L) {
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &limit_mt_key) != LUA_TNIL) return;
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, limit_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "rscript.limit");
    lua_setfield(L, -2, "__name");
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &limit_mt_key);
}

// Raises a limit error: a table {message=...} with the limit metatable, which the runtime's
// pcall/xpcall/coroutine wrappers re-raise, so a script cannot catch its way past a limit.
int rscript_raise_limit(lua_State *L, const char *message) {
    luaL_where(L, 0);  // in a hook, level 0 is the function that was running
    lua_pushstring(L, message);
    lua_concat(L, 2);
    lua_createtable(L, 0, 1);
    lua_insert(L, -2);
    lua_setfield(L, -2, "message");
    rscript_push_limit_metatable(L);
    lua_setmetatable(L, -2);
    return lua_error(L);
}

void rscript_push_limit_error(lua_State *L, const char *message, size_t length, int kind) {
    lua_createtable(L, 0, 1);
    lua_pushlstring(L, message, length);
    lua_setfield(L, -2, "message");
    rscript_push_limit_metatable(L);
    lua_setmetatable(L, -2);
    shim_info(L)->limit_kind = kind;
}
