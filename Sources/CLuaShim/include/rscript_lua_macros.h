// Lua's function-like macros re-declared as static inline functions with the manual's names
// (Swift cannot import macros), and the constants Swift needs from Lua's headers.
#ifndef RSCRIPT_LUA_MACROS_H
#define RSCRIPT_LUA_MACROS_H

#include "../../CLua/CLua.h"
#include <stddef.h>

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

#endif
