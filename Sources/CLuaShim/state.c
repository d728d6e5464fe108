// A state's life: the counting allocator, the panic handler, the per-state bookkeeping it
// reaches through the allocator's user data, and the per-entry counters.
#include "shim_private.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>

int rscript_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

double rscript_monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

// MARK: - Allocator

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    rscript_state_info *info = (rscript_state_info *)ud;
    if (ptr == NULL) osize = 0;
    if (nsize == 0) {
        free(ptr);
        info->used -= osize;
        return NULL;
    }
    if (info->limit != 0 && info->enforce && nsize > osize && info->used + (nsize - osize) > info->limit) {
        info->memory_limit_hit = 1;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p == NULL) return NULL;
    info->used = info->used - osize + nsize;
    if (info->used > info->peak) info->peak = info->used;
    return p;
}

static int panic_handler(lua_State *L) {
    // Reached only if an unprotected call raised: a bug in the bridge, never a script's doing.
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "rscript: internal error: unprotected Lua error: %s\n", msg ? msg : "(not a string)");
    fflush(stderr);
    abort();
}

lua_State *rscript_newstate(rscript_state_info *info) {
    memset(info, 0, sizeof *info);
    lua_State *L = lua_newstate(counting_alloc, info);
    if (L != NULL) {
        lua_atpanic(L, panic_handler);
        rscript_push_limit_metatable(L);
        lua_pop(L, 1);
    }
    return L;
}

rscript_state_info *rscript_info(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (rscript_state_info *)ud;
}

void rscript_begin_entry(lua_State *L) {
    shim_begin_entry(L, shim_info(L));
}

// MARK: - Memory charged from Swift

void rscript_full_gc(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }
