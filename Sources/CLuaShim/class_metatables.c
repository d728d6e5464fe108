// Swift objects as userdata, and the metatables of their classes (methods, getters, setters).
#include "shim_private.h"
#include <string.h>

static int object_gc(lua_State *L) {
    rscript_object *o = rscript_to_object(L, 1);
    if (o != NULL && o->object != NULL) {
        void *p = o->object;
        o->object = NULL;
        rscript_g_release(p);
    }
    return 0;
}

void rscript_push_object(lua_State *L, void *object, const void *type_tag, int mtindex) {
    mtindex = lua_absindex(L, mtindex);
    rscript_object *o = (rscript_object *)lua_newuserdatauv(L, sizeof(rscript_object), 0);
    o->magic = RSCRIPT_OBJECT_MAGIC;
    o->type_tag = type_tag;
    o->object = object;
    lua_pushvalue(L, mtindex);
    lua_setmetatable(L, -2);
}

// upvalue 1: one lookup table holding both the methods (functions) and the getters (their
// fnbox userdata), methods winning a name clash. One rawget answers every key: this runs on
// every `obj:method()` and `obj.field` of a class with properties, so each API call counts.
static int object_index(lua_State *L) {
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TUSERDATA) {
        fnbox *b = (fnbox *)lua_touserdata(L, -1);
        lua_settop(L, 2);  // the getter sees (self, key)
        return rscript_finish_dispatch(L, call_swift(L, b));
    }
    return 1;  // a method, or nil: an unknown field reads as nil, as on a table
}

// Copies the pairs of table `from` into table `to` (raw).
static void copy_fields(lua_State *L, int from, int to) {
    lua_pushnil(L);
    while (lua_next(L, from)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, to);
    }
}

// upvalues: 1 setters, 2 class name
static int object_newindex(lua_State *L) {
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TUSERDATA) {
        fnbox *b = (fnbox *)lua_touserdata(L, -1);
        lua_pop(L, 1);
        lua_settop(L, 3);
        return rscript_finish_dispatch(L, call_swift(L, b));
    }
    return luaL_error(L, "cannot assign to field '%s' of %s (no such writable property)",
                      luaL_tolstring(L, 2, NULL), lua_tostring(L, lua_upvalueindex(2)));
}

// upvalue: 1 class name
static int object_tostring(lua_State *L) {
    lua_pushfstring(L, "%s: %p", lua_tostring(L, lua_upvalueindex(1)), lua_topointer(L, 1));
    return 1;
}

// Turns {name = swiftfunction-box-closure} getter/setter tables built by Swift (values are the
// closures made by rscript_push_swift_function) into tables of their fnbox userdata.
static void closures_to_boxes(lua_State *L, int t) {
    t = lua_absindex(L, t);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_tocfunction(L, -1) == rscript_swift_trampoline) {
            lua_getupvalue(L, -1, 1);  // the fnbox
            lua_remove(L, -2);
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, t);  // replacing an existing key's value is allowed during next
        } else {
            lua_pop(L, 1);
        }
    }
}

void rscript_make_class_metatable(lua_State *L) {
    // [..., methods, getters, setters, name]
    int name = lua_gettop(L);
    int setters = name - 1, getters = name - 2, methods = name - 3;
    closures_to_boxes(L, getters);
    closures_to_boxes(L, setters);
    lua_createtable(L, 0, 8);
    int mt = lua_gettop(L);
    // metamethods given among the methods move to the metatable
    lua_pushnil(L);
    while (lua_next(L, methods)) {
        if (lua_type(L, -2) == LUA_TSTRING && strncmp(lua_tostring(L, -2), "__", 2) == 0) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, mt);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_pushvalue(L, name);
    lua_setfield(L, mt, "__name");
    lua_pushcfunction(L, object_gc);
    lua_setfield(L, mt, "__gc");
    if (lua_getfield(L, mt, "__tostring") == LUA_TNIL) {
        lua_pushvalue(L, name);
        lua_pushcclosure(L, object_tostring, 1);
        lua_setfield(L, mt, "__tostring");
    }
    lua_pop(L, 1);
    lua_pushnil(L);
    if (lua_next(L, getters)) {
        lua_pop(L, 2);
        lua_createtable(L, 0, 8);
        int lookup = lua_gettop(L);
        copy_fields(L, getters, lookup);
        copy_fields(L, methods, lookup);  // after the getters: a method wins a name clash
        lua_pushcclosure(L, object_index, 1);
    } else {
        lua_pushvalue(L, methods);  // methods only: the VM indexes the table directly
    }
    lua_setfield(L, mt, "__index");
    lua_pushvalue(L, setters);
    lua_pushvalue(L, name);
    lua_pushcclosure(L, object_newindex, 2);
    lua_setfield(L, mt, "__newindex");
    lua_pushliteral(L, "locked");
    lua_setfield(L, mt, "__metatable");
    lua_replace(L, methods);
    lua_settop(L, methods);
}
