// CLuaShim: what Swift cannot import from Lua's headers, and the C trampolines that keep
// every longjmp (lua_error, lua_yield, errors raised in hooks) inside C frames.
//
// Lua's function-like macros are re-declared as static inline functions with the manual's
// names; everything new carries the `rscript_` prefix.
//
// The umbrella header: one header per concept, so that `import CLuaShim` sees them all.
#ifndef RSCRIPT_CLUASHIM_H
#define RSCRIPT_CLUASHIM_H

#include "rscript_lua_macros.h"
#include "rscript_state.h"
#include "rscript_protected.h"
#include "rscript_swift_calls.h"

#endif
