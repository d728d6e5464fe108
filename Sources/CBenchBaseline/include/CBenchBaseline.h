// CBenchBaseline: the same operations as rscript-bench measures through LuaBridge, written
// against the raw Lua C API. They are the physical limit the bridge is compared with: whatever
// the bridge adds on top of these is its overhead.
#ifndef RSCRIPT_CBENCHBASELINE_H
#define RSCRIPT_CBENCHBASELINE_H

#include "../../CLuaShim/include/CLuaShim.h"

/// CLOCK_MONOTONIC in nanoseconds; the one clock every benchmark reads.
uint64_t cbench_now_ns(void);

/// Sets the globals the Lua-side loops use: `cadd` (a plain C function, 2 numbers in, 1 out),
/// and registers the metatables of the two C userdata kinds below.
void cbench_open(lua_State *L);

/// Pushes a C point whose metatable's `__index` is a methods table holding `add` (the usual
/// luaL_newmetatable + luaL_setfuncs shape).
void cbench_push_point_methods(lua_State *L, double x);

/// Pushes a C point whose `__index` is a C function: methods first, then the field `x`
/// (how a C library exposes fields; the same shape as a LuaClass with properties).
void cbench_push_point_fields(lua_State *L, double x);

/// Calls the function at registry reference `fref` `n` times as f(1.0, 2.0) with one result,
/// from C (rawgeti + pushes + lua_pcall + lua_tonumberx + pop). Returns the sum of the results,
/// or NaN if a call failed.
double cbench_call_loop(lua_State *L, int fref, long n);

/// `n` reads of t[(i % 64) + 1] (lua_geti, metamethods honoured) on the table at reference
/// `tref`, fetching the table from the registry each time as a held reference must.
double cbench_geti_loop(lua_State *L, int tref, long n);
/// `n` reads of t[key] (lua_getfield).
double cbench_getfield_loop(lua_State *L, int tref, const char *key, long n);
/// `n` writes t[(i % 64) + 1] = i (lua_seti).
void cbench_seti_loop(lua_State *L, int tref, long n);
/// `n` writes t[key] = i (lua_setfield).
void cbench_setfield_loop(lua_State *L, int tref, const char *key, long n);

// The same operations as a C library must write them when it cannot know that the table has no
// metamethods and must never raise (the bridge's rule): the limit the bridge is measured against
// in the "safe C" rows. `kref` is the registry reference of the key string.
/// t.x: a raw read with the key pushed from the registry (a hit needs no metatable test).
double cbench_safe_getkey_loop(lua_State *L, int tref, int kref, long n);
/// t[i] = v: lua_getmetatable first, then the write (a table with one would go protected).
void cbench_safe_seti_loop(lua_State *L, int tref, long n);
/// t.x = v: lua_getmetatable first, then lua_setfield.
void cbench_safe_setfield_loop(lua_State *L, int tref, const char *key, long n);

#endif
