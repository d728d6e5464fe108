// The raw-C-API side of each benchmark. Written the way a careful C library would: arguments
// are checked (luaL_checknumber, luaL_checkudata), calls from C are protected (lua_pcall), and
// nothing is cached that the bridge could not cache too (a held table or function is fetched
// from the registry on every use, as LuaBridge's references are).
#include "CBenchBaseline.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POINT_METHODS "cbench.PointMethods"
#define POINT_FIELDS "cbench.PointFields"

uint64_t cbench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

typedef struct { double x; } cpoint;

static int c_add(lua_State *L) {
    lua_Number a = luaL_checknumber(L, 1);
    lua_Number b = luaL_checknumber(L, 2);
    lua_pushnumber(L, a + b);
    return 1;
}

static int point_methods_add(lua_State *L) {
    luaL_checkudata(L, 1, POINT_METHODS);
    lua_Number a = luaL_checknumber(L, 2);
    lua_Number b = luaL_checknumber(L, 3);
    lua_pushnumber(L, a + b);
    return 1;
}

static int point_fields_add(lua_State *L) {
    luaL_checkudata(L, 1, POINT_FIELDS);
    lua_Number a = luaL_checknumber(L, 2);
    lua_Number b = luaL_checknumber(L, 3);
    lua_pushnumber(L, a + b);
    return 1;
}

// __index of the fields kind: upvalue 1 is the methods table; then the fields by name (the
// userdata is checked only on the field path, as the methods check their own `self`).
static int point_fields_index(lua_State *L) {
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    cpoint *p = (cpoint *)luaL_checkudata(L, 1, POINT_FIELDS);
    const char *key = lua_tostring(L, 2);
    if (key != NULL && strcmp(key, "x") == 0) {
        lua_pushnumber(L, p->x);
        return 1;
    }
    lua_pushnil(L);
    return 1;
}

void cbench_open(lua_State *L) {
    lua_pushcfunction(L, c_add);
    lua_setglobal(L, "cadd");

    luaL_newmetatable(L, POINT_METHODS);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, point_methods_add);
    lua_setfield(L, -2, "add");
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);

    luaL_newmetatable(L, POINT_FIELDS);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, point_fields_add);
    lua_setfield(L, -2, "add");
    lua_pushcclosure(L, point_fields_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

static void push_point(lua_State *L, double x, const char *kind) {
    cpoint *p = (cpoint *)lua_newuserdatauv(L, sizeof(cpoint), 0);
    p->x = x;
    luaL_setmetatable(L, kind);
}

void cbench_push_point_methods(lua_State *L, double x) { push_point(L, x, POINT_METHODS); }
void cbench_push_point_fields(lua_State *L, double x) { push_point(L, x, POINT_FIELDS); }

double cbench_call_loop(lua_State *L, int fref, long n) {
    double sum = 0;
    for (long i = 0; i < n; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, fref);
        lua_pushnumber(L, 1.0);
        lua_pushnumber(L, 2.0);
        if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
            lua_pop(L, 1);
            return NAN;
        }
        sum += lua_tonumberx(L, -1, NULL);
        lua_pop(L, 1);
    }
    return sum;
}

double cbench_geti_loop(lua_State *L, int tref, long n) {
    double sum = 0;
    for (long i = 0; i < n; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, tref);
        lua_geti(L, -1, (i & 63) + 1);
        sum += lua_tonumberx(L, -1, NULL);
        lua_pop(L, 2);
    }
    return sum;
}

double cbench_getfield_loop(lua_State *L, int tref, const char *key, long n) {
    double sum = 0;
    for (long i = 0; i < n; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, tref);
        lua_getfield(L, -1, key);
        sum += lua_tonumberx(L, -1, NULL);
        lua_pop(L, 2);
    }
    return sum;
}

void cbench_seti_loop(lua_State *L, int tref, long n) {
    for (long i = 0; i < n; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, tref);
        lua_pushnumber(L, (lua_Number)i);
        lua_seti(L, -2, (i & 63) + 1);
        lua_pop(L, 1);
    }
}

void cbench_setfield_loop(lua_State *L, int tref, const char *key, long n) {
    for (long i = 0; i < n; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, tref);
        lua_pushnumber(L, (lua_Number)i);
        lua_setfield(L, -2, key);
        lua_pop(L, 1);
    }
}

double cbench_safe_getkey_loop(lua_State *L, int tref, int kref, long n) {
    double sum = 0;
    for (long i = 0; i < n; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, tref);
        lua_rawgeti(L, LUA_REGISTRYINDEX, kref);
        if (lua_rawget(L, -2) == LUA_TNIL) abort();  // a miss would take the protected path
        sum += lua_tonumberx(L, -1, NULL);
        lua_pop(L, 2);
    }
    return sum;
}

void cbench_safe_seti_loop(lua_State *L, int tref, long n) {
    for (long i = 0; i < n; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, tref);
        if (lua_getmetatable(L, -1)) abort();  // one would take the protected path
        lua_pushnumber(L, (lua_Number)i);
        lua_seti(L, -2, (i & 63) + 1);
        lua_pop(L, 1);
    }
}

void cbench_safe_setfield_loop(lua_State *L, int tref, const char *key, long n) {
    for (long i = 0; i < n; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, tref);
        if (lua_getmetatable(L, -1)) abort();
        lua_pushnumber(L, (lua_Number)i);
        lua_setfield(L, -2, key);
        lua_pop(L, 1);
    }
}
