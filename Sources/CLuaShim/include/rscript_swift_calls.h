// Swift functions as Lua functions, and Swift objects as userdata with class metatables.
#ifndef RSCRIPT_SWIFT_CALLS_H
#define RSCRIPT_SWIFT_CALLS_H

#include "rscript_lua_macros.h"
#include <stdint.h>

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
