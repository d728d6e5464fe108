// SIGINT: the handler that asks the running Lua code to stop, and the watchdog thread that
// ends the process when nothing answers.
#include "shim_private.h"
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
