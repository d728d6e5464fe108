#define _GNU_SOURCE
#include <stdatomic.h>
#include "CProcess.h"
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

char *const *rscript_environ(void) { return environ; }

void rscript_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

// MARK: - Live children, for an emergency exit

// The process groups of children not yet reaped, so that an exit which cannot wait for the
// loop (a second Ctrl-C, or a script the first one could not stop) still takes them along.
// Lock-free: the exit runs in a signal handler or a watchdog thread.
#define LIVE_CHILD_SLOTS 4096
static _Atomic pid_t live_children[LIVE_CHILD_SLOTS];

static void remember_child(pid_t pid) {
    for (int i = 0; i < LIVE_CHILD_SLOTS; i++) {
        pid_t expected = 0;
        if (atomic_compare_exchange_strong(&live_children[i], &expected, pid)) return;
    }
}

static void forget_child(pid_t pid) {
    for (int i = 0; i < LIVE_CHILD_SLOTS; i++) {
        pid_t expected = pid;
        if (atomic_compare_exchange_strong(&live_children[i], &expected, 0)) return;
    }
}

void rscript_kill_live_children(void) {
    for (int i = 0; i < LIVE_CHILD_SLOTS; i++) {
        pid_t pid = atomic_load(&live_children[i]);
        if (pid > 1) kill(-pid, SIGKILL);
    }
}

static int spawn_impl(const char *const argv[], const char *const envp[], const char *cwd,
                      pid_t *out_pid, int *out_fd, int channel[4]);

int rscript_spawn(const char *const argv[], const char *const envp[], const char *cwd,
                  pid_t *out_pid, int *out_fd) {
    return spawn_impl(argv, envp, cwd, out_pid, out_fd, NULL);
}

// Moves a descriptor above 10, so that dup2 onto 3 and 4 in the child never meets itself.
static int high_fd(int fd) {
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    return moved;
}

int rscript_spawn_with_channel(const char *const argv[], const char *const envp[], const char *cwd,
                               pid_t *out_pid, int *out_fd, int *to_child, int *from_child) {
    int down[2], up[2];
    if (pipe2(down, O_CLOEXEC) != 0) return errno;
    if (pipe2(up, O_CLOEXEC) != 0) { int e = errno; close(down[0]); close(down[1]); return e; }
    int channel[4] = { high_fd(down[0]), high_fd(down[1]), high_fd(up[0]), high_fd(up[1]) };
    int status = spawn_impl(argv, envp, cwd, out_pid, out_fd, channel);
    close(channel[0]);  // the child's ends
    close(channel[3]);
    if (status != 0) {
        close(channel[1]);
        close(channel[2]);
        return status;
    }
    int flags = fcntl(channel[2], F_GETFL);
    fcntl(channel[2], F_SETFL, flags | O_NONBLOCK);
    // The parent's writes never block its loop (a stopped child, a full pipe): what does not
    // fit now is queued and written when the supervisor sees the pipe writable.
    flags = fcntl(channel[1], F_GETFL);
    fcntl(channel[1], F_SETFL, flags | O_NONBLOCK);
    *to_child = channel[1];
    *from_child = channel[2];
    return 0;
}

static int spawn_impl(const char *const argv[], const char *const envp[], const char *cwd,
                      pid_t *out_pid, int *out_fd, int channel[4]) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return errno;
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);

    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    if (channel != NULL) {
        posix_spawn_file_actions_adddup2(&actions, channel[0], 3);  // parent -> child
        posix_spawn_file_actions_adddup2(&actions, channel[3], 4);  // child -> parent
    }
    if (cwd != NULL) posix_spawn_file_actions_addchdir_np(&actions, cwd);

    sigset_t defaults, empty;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGQUIT);
    sigaddset(&defaults, SIGCHLD);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setpgroup(&attr, 0);  // its own group: kill(-pid) reaches all it starts
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    // A program named without '/' is looked up in PATH; check first so a cwd change cannot
    // make a relative path mean something else.
    pid_t pid = 0;
    int status = posix_spawnp(&pid, argv[0], &actions, &attr, (char *const *)argv,
                              envp != NULL ? (char *const *)envp : environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(fds[1]);
    if (status != 0) {
        close(fds[0]);
        return status;
    }
    int flags = fcntl(fds[0], F_GETFL);
    fcntl(fds[0], F_SETFL, flags | O_NONBLOCK);
    remember_child(pid);
    *out_pid = pid;
    *out_fd = fds[0];
    return 0;
}

int rscript_process_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

int rscript_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int rscript_reap(pid_t pid, int *code, struct rusage *usage) {
    int status = 0;
    pid_t r;
    do {
        r = wait4(pid, &status, WNOHANG, usage);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return 0;
    if (r < 0) return -1;
    forget_child(pid);
    if (WIFEXITED(status)) *code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) *code = -WTERMSIG(status);
    else *code = -1;
    return 1;
}

int rscript_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int rscript_epoll_add(int epfd, int fd, uint64_t key) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = EPOLLIN | EPOLLHUP;
    event.data.u64 = key;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

int rscript_epoll_add_output(int epfd, int fd, uint64_t key) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = EPOLLOUT;
    event.data.u64 = key;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

int rscript_epoll_remove(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

int rscript_epoll_wait(int epfd, uint64_t *keys, int max, int timeout_ms) {
    struct epoll_event events[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    for (int i = 0; i < n; i++) keys[i] = events[i].data.u64;
    return n;
}
