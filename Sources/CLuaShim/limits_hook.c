// The count hook that enforces instruction budgets, wall-clock deadlines and interrupts.
// Everything here that longjmps does so from the hook, a C frame whose caller is Lua itself.
#include "shim_private.h"
#include <stdio.h>

static void limits_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    rscript_state_info *info = shim_info(L);
    char buffer[128];
    if (info->interrupt_requested) {
        info->interrupt_requested = 0;
        rscript_acknowledge_interrupt();
        info->limit_kind = 3;
        rscript_update_hook(L);
        rscript_raise_limit(L, "interrupted");
        return;
    }
    if (lua_gethookcount(L) != HOOK_COUNT) {
        // Armed (count 1) for an interrupt that another thread consumed: back to the usual hook.
        rscript_update_hook(L);
        return;
    }
    if (info->instruction_budget > 0) {
        info->instructions_used += HOOK_COUNT;
        if (info->instructions_used > info->instruction_budget) {
            info->limit_kind = 1;
            snprintf(buffer, sizeof buffer, "instruction budget exceeded (%lld instructions)", info->instruction_budget);
            rscript_raise_limit(L, buffer);
            return;
        }
    }
    if (info->deadline > 0 && rscript_monotonic() > info->deadline) {
        info->limit_kind = 2;
        snprintf(buffer, sizeof buffer, "deadline exceeded (%g s of wall-clock time)", info->deadline_reported);
        rscript_raise_limit(L, buffer);
    }
}

void rscript_update_hook(lua_State *L) {
    rscript_state_info *info = shim_info(L);
    if (info->instruction_budget > 0 || info->deadline_span > 0) {
        lua_sethook(L, limits_hook, LUA_MASKCOUNT, HOOK_COUNT);
        info->hook_installed = 1;
    } else {
        lua_sethook(L, NULL, 0, 0);
        info->hook_installed = 0;
    }
}

void rscript_set_entry_deadline(lua_State *L, double deadline, double span) {
    rscript_state_info *info = shim_info(L);
    if (info->deadline == 0 || deadline < info->deadline) {
        info->deadline = deadline;
        info->deadline_reported = span;
    }
    // Only the state's own limits install the hook everywhere; a task's deadline needs it on
    // the task's thread (and the coroutines it makes, which inherit it).
    if (lua_gethook(L) == NULL) lua_sethook(L, limits_hook, LUA_MASKCOUNT, HOOK_COUNT);
    // Past already: the task is being resumed to raise its deadline error where it waits (the
    // scheduler pushed it); say which limit that error is, as the hook would have.
    if (deadline <= rscript_monotonic()) info->limit_kind = 2;
}

void rscript_request_interrupt(lua_State *L) {
    rscript_state_info *info = shim_info(L);
    info->interrupt_requested = 1;
    rscript_arm_interrupt_hook(L);
    lua_State *running = info->running;
    if (running != NULL && running != L) {
        rscript_arm_interrupt_hook(running);
    }
}

void rscript_arm_interrupt_hook(lua_State *L) {
    lua_sethook(L, limits_hook, LUA_MASKCOUNT | LUA_MASKCALL | LUA_MASKRET, 1);
}
