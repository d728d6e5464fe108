// The C side of the bridge. Everything here that can longjmp (lua_error, lua_yield, luaL_error
// in the hook) does so from a C frame whose caller is Lua itself, never from below a Swift frame.
#include "CLuaShim.h"
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <unistd.h>

int rscript_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

static rscript_dispatch_fn g_dispatch = NULL;
static rscript_release_fn g_release = NULL;
static const char suspend_marker_key = 0;  // its address is the suspend marker
static const char fnbox_mt_key = 0;
static const char traceback_key = 0;
static const char limit_mt_key = 0;
static const char raise_marker_key = 0;  // resumes a suspended Swift call with an error

#define HOOK_COUNT 1000

void rscript_set_callbacks(rscript_dispatch_fn dispatch, rscript_release_fn release) {
    g_dispatch = dispatch;
    g_release = release;
}

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

// MARK: - Limits hook

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
static int raise_limit(lua_State *L, const char *message) {
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
    rscript_info(L)->limit_kind = kind;
}

static void limits_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    rscript_state_info *info = rscript_info(L);
    char buffer[128];
    if (info->interrupt_requested) {
        info->interrupt_requested = 0;
        rscript_acknowledge_interrupt();
        info->limit_kind = 3;
        rscript_update_hook(L);
        raise_limit(L, "interrupted");
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
            raise_limit(L, buffer);
            return;
        }
    }
    if (info->deadline > 0 && rscript_monotonic() > info->deadline) {
        info->limit_kind = 2;
        snprintf(buffer, sizeof buffer, "deadline exceeded (%g s of wall-clock time)", info->deadline_span);
        raise_limit(L, buffer);
    }
}

void rscript_update_hook(lua_State *L) {
    rscript_state_info *info = rscript_info(L);
    if (info->instruction_budget > 0 || info->deadline_span > 0) {
        lua_sethook(L, limits_hook, LUA_MASKCOUNT, HOOK_COUNT);
        info->hook_installed = 1;
    } else {
        lua_sethook(L, NULL, 0, 0);
        info->hook_installed = 0;
    }
}

void rscript_request_interrupt(lua_State *L) {
    rscript_state_info *info = rscript_info(L);
    info->interrupt_requested = 1;
    lua_sethook(L, limits_hook, LUA_MASKCOUNT | LUA_MASKCALL | LUA_MASKRET, 1);
    lua_State *running = info->running;
    if (running != NULL && running != L) {
        lua_sethook(running, limits_hook, LUA_MASKCOUNT | LUA_MASKCALL | LUA_MASKRET, 1);
    }
}

static lua_State *volatile sigint_state = NULL;
static volatile int sigint_wakefd = -1;
static volatile sig_atomic_t sigint_count = 0;
static void (*volatile emergency_cleanup)(void) = NULL;

// The watchdog: Lua turns hooks off while a __gc finalizer runs, and a long C function (a
// pattern match, say) never reaches one, so an interrupt request can go unanswered. Each
// Ctrl-C bumps `interrupt_generation`; the hook that raises "interrupted", or a loop turn
// that sees the signal, acknowledges it. One unanswered for WATCHDOG_GRACE seconds ends the
// process, as a second Ctrl-C would.
#define WATCHDOG_GRACE 2.0
static atomic_uint interrupt_generation = 0;
static atomic_uint acknowledged_generation = 0;
static sem_t watchdog_wake;
static pthread_once_t watchdog_once = PTHREAD_ONCE_INIT;

static void emergency_exit(const char *message, size_t length) {
    ssize_t ignored = write(2, message, length);
    (void)ignored;
    void (*cleanup)(void) = emergency_cleanup;
    if (cleanup != NULL) cleanup();
    _exit(130);
}

void rscript_acknowledge_interrupt(void) {
    atomic_store(&acknowledged_generation, atomic_load(&interrupt_generation));
}

static void *watchdog_main(void *unused) {
    (void)unused;
    for (;;) {
        while (sem_wait(&watchdog_wake) != 0) {}
        unsigned generation = atomic_load(&interrupt_generation);
        double deadline = rscript_monotonic() + WATCHDOG_GRACE;
        while (rscript_monotonic() < deadline && (int)(atomic_load(&acknowledged_generation) - generation) < 0) {
            struct timespec step = {0, 10 * 1000 * 1000};
            nanosleep(&step, NULL);
        }
        if ((int)(atomic_load(&acknowledged_generation) - generation) < 0 && sigint_state != NULL) {
            static const char msg[] =
                "\nrscript: interrupted, but the script did not stop within 2 s (a __gc finalizer or a "
                "long C call, which Lua's hooks cannot reach); exiting now\n";
            emergency_exit(msg, sizeof msg - 1);
        }
    }
    return NULL;
}

static void start_watchdog(void) {
    sem_init(&watchdog_wake, 0, 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    // The watchdog must not take the signal itself: the handler belongs to the main thread.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_t thread;
    pthread_create(&thread, &attr, watchdog_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
}

static void sigint_handler(int signo) {
    (void)signo;
    sigint_count++;
    if (sigint_count >= 2) {
        static const char msg[] = "\nrscript: interrupted again, exiting now\n";
        emergency_exit(msg, sizeof msg - 1);
    }
    atomic_fetch_add(&interrupt_generation, 1);
    sem_post(&watchdog_wake);
    if (sigint_state != NULL) rscript_request_interrupt(sigint_state);
    if (sigint_wakefd >= 0) {
        uint64_t one = 1;
        ssize_t ignored = write(sigint_wakefd, &one, sizeof one);
        (void)ignored;
    }
}

void rscript_install_sigint(lua_State *L, int wakefd, void (*cleanup)(void)) {
    pthread_once(&watchdog_once, start_watchdog);
    sigint_state = L;
    sigint_wakefd = wakefd;
    sigint_count = 0;
    emergency_cleanup = cleanup;
    rscript_acknowledge_interrupt();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sigint_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
}

int rscript_sigint_count(void) { return (int)sigint_count; }
void rscript_sigint_reset(void) {
    sigint_count = 0;
    rscript_acknowledge_interrupt();
}

void rscript_uninstall_sigint(void) {
    signal(SIGINT, SIG_DFL);
    sigint_state = NULL;
    sigint_wakefd = -1;
    emergency_cleanup = NULL;
    rscript_acknowledge_interrupt();
}

void rscript_begin_entry(lua_State *L) {
    rscript_state_info *info = rscript_info(L);
    info->instructions_used = 0;
    info->limit_kind = 0;
    info->memory_limit_hit = 0;
    info->deadline = info->deadline_span > 0 ? rscript_monotonic() + info->deadline_span : 0;
}

// MARK: - Protected entry points

int rscript_traceback_handler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
            msg = lua_tostring(L, -1);
        } else {
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        }
    }
    luaL_traceback(L, L, NULL, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
    lua_settop(L, 1);  // the error object itself goes back, unchanged
    return 1;
}

void rscript_drop_to_traceback_handler(lua_State *L) {
    for (int i = lua_gettop(L); i > 0; i--) {
        if (lua_tocfunction(L, i) == rscript_traceback_handler) {
            lua_settop(L, i - 1);
            return;
        }
    }
}

/// Pushes the traceback the last pcall's handler saved (or nil) and clears it.
void rscript_push_last_traceback(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &traceback_key);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
}

// Every call from Swift into Lua funnels through here: the memory limit is enforced while Lua
// runs and lifted again before control returns to Swift.
int rscript_pcall_msgh(lua_State *L, int nargs, int nresults, int msgh) {
    rscript_state_info *info = rscript_info(L);
    if (info->entry_depth == 0) rscript_begin_entry(L);  // a top-level entry: fresh budget and deadline
    int saved = info->enforce;
    info->enforce = 1;
    info->entry_depth++;
    int status = lua_pcall(L, nargs, nresults, msgh);
    info->entry_depth--;
    info->enforce = saved;
    return status;
}

int rscript_pcall_traceback(lua_State *L, int nargs, int nresults) {
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, rscript_traceback_handler);
    lua_insert(L, base);
    int status = rscript_pcall_msgh(L, nargs, nresults, base);
    lua_remove(L, base);
    return status;
}

int rscript_resume(lua_State *co, lua_State *from, int nargs, int *nresults) {
    rscript_state_info *info = rscript_info(co);
    int saved = info->enforce;
    lua_State *saved_running = info->running;
    info->enforce = 1;
    info->running = co;
    if (info->interrupt_requested) {  // asked for before `running` was co: arm co as well
        lua_sethook(co, limits_hook, LUA_MASKCOUNT | LUA_MASKCALL | LUA_MASKRET, 1);
    }
    info->entry_depth++;
    int status = lua_resume(co, from, nargs, nresults);
    info->entry_depth--;
    info->enforce = saved;
    info->running = saved_running;
    return status;
}

// coroutine.resume for the coroutine prelude: the same results, but through rscript_resume, so
// the coroutine counts as running and an interrupt reaches it even when no limit hook is set.
static int tracked_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co != NULL, 1, "coroutine");
    int narg = lua_gettop(L) - 1, nres = 0;
    if (!lua_checkstack(co, narg)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "too many arguments to resume");
        return 2;
    }
    lua_xmove(L, co, narg);
    int status = rscript_resume(co, L, narg, &nres);
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_xmove(co, L, 1);  // the error
        return 2;
    }
    if (!lua_checkstack(L, nres + 1)) {
        lua_pop(co, nres);
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "too many results to resume");
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_xmove(co, L, nres);
    return nres + 1;
}

void rscript_push_resume(lua_State *L) { lua_pushcfunction(L, tracked_resume); }

int rscript_load(lua_State *L, const char *buf, size_t size, const char *chunkname, const char *mode) {
    rscript_state_info *info = rscript_info(L);
    int saved = info->enforce;
    info->enforce = 1;
    int status = luaL_loadbufferx(L, buf, size, chunkname, mode);  // lua_load runs protected
    info->enforce = saved;
    return status;
}

static int op_gettable(lua_State *L) { lua_gettable(L, 1); return 1; }
static int op_settable(lua_State *L) { lua_settable(L, 1); return 0; }
static int op_tostring(lua_State *L) { luaL_tolstring(L, 1, NULL); return 1; }

int rscript_gettable(lua_State *L, int t) {
    t = lua_absindex(L, t);
    // A table without a metatable: the raw access is the whole operation and cannot raise.
    // (lua_getmetatable pushes only when there is one; checked first as it is the common answer.)
    if (!lua_getmetatable(L, t)) {
        if (lua_type(L, t) == LUA_TTABLE) {
            lua_rawget(L, t);
            return LUA_OK;
        }
    } else {
        lua_pop(L, 1);
    }
    lua_pushcfunction(L, op_gettable);
    lua_pushvalue(L, t);
    lua_rotate(L, -3, 2);  // [k, f, t] -> [f, t, k]
    return lua_pcall(L, 2, 1, 0);
}

int rscript_settable(lua_State *L, int t) {
    t = lua_absindex(L, t);
    if (!lua_getmetatable(L, t)) {
        if (lua_type(L, t) == LUA_TTABLE) {
            // lua_rawset raises for a nil or NaN key: refuse those here, where a status can be
            // returned. An integer key is neither, so its test costs one call, not three.
            int kt = lua_type(L, -2);
            if (kt == LUA_TNIL) { lua_pop(L, 2); lua_pushliteral(L, "index is nil"); return LUA_ERRRUN; }
            if (kt == LUA_TNUMBER && !lua_isinteger(L, -2) && lua_tonumber(L, -2) != lua_tonumber(L, -2)) {
                lua_pop(L, 2); lua_pushliteral(L, "index is NaN"); return LUA_ERRRUN;
            }
            lua_rawset(L, t);
            return LUA_OK;
        }
    } else {
        lua_pop(L, 1);
    }
    lua_pushcfunction(L, op_settable);
    lua_pushvalue(L, t);
    lua_rotate(L, -4, 2);  // [k, v, f, t] -> [f, t, k, v]
    return lua_pcall(L, 3, 0, 0);
}

int rscript_tostring(lua_State *L, int index) {
    index = lua_absindex(L, index);
    // A `__tostring` may loop forever, also on a coroutine that has finished (an error object
    // being reported): count it as running so that Ctrl-C reaches it.
    rscript_state_info *info = rscript_info(L);
    lua_State *saved_running = info->running;
    info->running = L;
    if (info->interrupt_requested) lua_sethook(L, limits_hook, LUA_MASKCOUNT | LUA_MASKCALL | LUA_MASKRET, 1);
    lua_pushcfunction(L, op_tostring);
    lua_pushvalue(L, index);
    int status = lua_pcall(L, 1, 1, 0);
    info->running = saved_running;
    return status;
}

// MARK: - Swift functions

typedef struct fnbox {
    void *box;
    rscript_state_info *info;
} fnbox;

static int fnbox_gc(lua_State *L) {
    fnbox *b = (fnbox *)lua_touserdata(L, 1);
    if (b != NULL && b->box != NULL) {
        void *box = b->box;
        b->box = NULL;
        g_release(box);
    }
    return 0;
}

int rscript_checkstack(lua_State *L, int n) {
    if (!lua_checkstack(L, n)) return 0;
#ifdef DEBUG
    rscript_state_info *info = rscript_info(L);
    if (info->debug_thread == L && lua_gettop(L) + n > info->debug_reserved_top) {
        info->debug_reserved_top = lua_gettop(L) + n;
    }
#endif
    return 1;
}

void rscript_debug_check_room(lua_State *L) {
#ifdef DEBUG
    rscript_state_info *info = rscript_info(L);
    if (info->debug_thread == L && lua_gettop(L) > info->debug_reserved_top) {
        fprintf(stderr, "rscript: bridge bug: a Swift function pushed past its stack reservation "
                "(top %d, reserved %d)\n", lua_gettop(L), info->debug_reserved_top);
        abort();
    }
#else
    (void)L;
#endif
}

static inline int call_swift(lua_State *L, fnbox *b) {
    rscript_state_info *info = b->info;
    int saved = info->enforce;
    info->enforce = 0;  // Swift frames must never see a memory error raised
#ifdef DEBUG
    lua_State *saved_thread = info->debug_thread;
    int saved_reserved = info->debug_reserved_top;
    info->debug_thread = L;
    info->debug_reserved_top = lua_gettop(L) + LUA_MINSTACK;
    int base = lua_gettop(L);
    (void)base;
#endif
    int r = g_dispatch(L, b->box);
#ifdef DEBUG
    rscript_debug_check_room(L);
    if (r > lua_gettop(L)) {
        fprintf(stderr, "rscript: bridge bug: a Swift function returned %d results with %d values on its stack\n", r, lua_gettop(L));
        abort();
    }
    info->debug_thread = saved_thread;
    info->debug_reserved_top = saved_reserved;
#endif
    info->enforce = saved;
    return r;
}

// Runs when a suspended Swift call is resumed: the values it was woken with are its results,
// unless the waker could not deliver them (too many, nested too deeply) and sent the raise
// marker and a message instead; then the call raises that message where it was made.
static int resume_continuation(lua_State *L, int status, lua_KContext base) {
    (void)status;
    int top = lua_gettop(L);
    if (top >= (int)base + 2 && lua_type(L, (int)base + 1) == LUA_TLIGHTUSERDATA
        && lua_touserdata(L, (int)base + 1) == (void *)&raise_marker_key) {
        lua_settop(L, (int)base + 2);
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    return top - (int)base;
}

void rscript_push_raise_marker(lua_State *L) { lua_pushlightuserdata(L, (void *)&raise_marker_key); }

static int finish(lua_State *L, int r) {
    if (r >= 0) return r;
    switch (r) {
    case RSCRIPT_RAISE:
        return lua_error(L);
    case RSCRIPT_RAISE_WHERE:
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    case RSCRIPT_SUSPEND:
        if (!lua_isyieldable(L)) {
            return luaL_error(L, "attempt to wait outside a coroutine (run this from a task, not a C boundary)");
        }
        lua_pushlightuserdata(L, (void *)&suspend_marker_key);
        return lua_yieldk(L, 1, (lua_KContext)(lua_gettop(L) - 1), resume_continuation);
    default:
        return luaL_error(L, "rscript: bad dispatch result %d", r);
    }
}

static int swift_trampoline(lua_State *L) {
    fnbox *b = (fnbox *)lua_touserdata(L, lua_upvalueindex(1));
    if (b->box == NULL) return luaL_error(L, "function was released");
    return finish(L, call_swift(L, b));
}

static void push_fnbox(lua_State *L, void *box) {
    fnbox *b = (fnbox *)lua_newuserdatauv(L, sizeof(fnbox), 0);
    b->box = box;
    b->info = rscript_info(L);
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &fnbox_mt_key) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 2);
        lua_pushcfunction(L, fnbox_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "rscript.function");
        lua_setfield(L, -2, "__name");
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &fnbox_mt_key);
    }
    lua_setmetatable(L, -2);
}

void rscript_push_swift_function(lua_State *L, void *box) {
    push_fnbox(L, box);
    lua_pushcclosure(L, swift_trampoline, 1);
}

void rscript_push_suspend_marker(lua_State *L) { lua_pushlightuserdata(L, (void *)&suspend_marker_key); }

int rscript_is_suspend_marker(lua_State *L, int index) {
    return lua_type(L, index) == LUA_TLIGHTUSERDATA && lua_touserdata(L, index) == (void *)&suspend_marker_key;
}

// MARK: - Objects

static int object_gc(lua_State *L) {
    rscript_object *o = rscript_to_object(L, 1);
    if (o != NULL && o->object != NULL) {
        void *p = o->object;
        o->object = NULL;
        g_release(p);
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
        return finish(L, call_swift(L, b));
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
        return finish(L, call_swift(L, b));
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
        if (lua_tocfunction(L, -1) == swift_trampoline) {
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

// MARK: - Memory charged from Swift

void rscript_full_gc(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }

