// Stack space: reservations and, in debug builds, the checks that a Swift function stays
// within the slots it reserved.
#include "shim_private.h"
#include <stdio.h>
#include <stdlib.h>

int rscript_checkstack(lua_State *L, int n) {
    if (!lua_checkstack(L, n)) return 0;
#ifdef DEBUG
    rscript_state_info *info = shim_info(L);
    if (info->debug_thread == L && lua_gettop(L) + n > info->debug_reserved_top) {
        info->debug_reserved_top = lua_gettop(L) + n;
    }
#endif
    return 1;
}

void rscript_debug_check_room(lua_State *L) {
#ifdef DEBUG
    rscript_state_info *info = shim_info(L);
    if (info->debug_thread == L && lua_gettop(L) > info->debug_reserved_top) {
        fprintf(stderr, "rscript: bridge bug: a Swift function pushed past its stack reservation "
                "(top %d, reserved %d)\n", lua_gettop(L), info->debug_reserved_top);
        abort();
    }
#else
    (void)L;
#endif
}
