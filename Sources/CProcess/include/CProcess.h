// CProcess: spawning render processes in their own process group, and the Linux bits Swift
// cannot call directly (pidfd_open is a raw syscall; posix_spawn's attribute dance).
#ifndef RSCRIPT_CPROCESS_H
#define RSCRIPT_CPROCESS_H

#include <sys/types.h>
#include <sys/resource.h>
#include <stdint.h>

/// Spawns argv[0] (searched in PATH when it has no '/') with `envp` (NULL: inherit), in `cwd`
/// (NULL: inherit), in a new process group, stdin from /dev/null, stdout and stderr both into one
/// pipe whose non-blocking, close-on-exec read end goes to *out_fd. Signals the child gets reset
/// to their defaults and unblocked. Returns 0 or an errno value (ENOENT for a missing program).
int rscript_spawn(const char *const argv[], const char *const envp[], const char *cwd,
                  pid_t *out_pid, int *out_fd);

/// rscript_spawn plus a message channel: the child reads fd 3 (what the parent writes to
/// *to_child, non-blocking, close-on-exec in the parent) and writes fd 4 (what the parent reads from
/// *from_child, non-blocking, close-on-exec).
int rscript_spawn_with_channel(const char *const argv[], const char *const envp[], const char *cwd,
                               pid_t *out_pid, int *out_fd, int *to_child, int *from_child);

/// SIGKILL to the process group of every child spawned here and not yet reaped. Async-signal-safe:
/// for exits that cannot wait for the loop to stop them.
void rscript_kill_live_children(void);

/// A non-blocking, close-on-exec eventfd(2) for waking a thread that waits in epoll; -1 on failure.
int rscript_process_eventfd(void);

/// pidfd_open(2): a descriptor that becomes readable when `pid` exits; -1 on failure.
int rscript_pidfd_open(pid_t pid);

/// waitpid(WNOHANG) with resource usage. Returns 1 and fills the fields when `pid` was reaped,
/// 0 while it runs, -1 on error. *code is the exit code, or -signal when a signal killed it.
int rscript_reap(pid_t pid, int *code, struct rusage *usage);

/// Makes stdout line-buffered (C stdio; Swift 6 cannot touch `stdout` directly).
void rscript_line_buffer_stdout(void);

/// The environment as a NULL-terminated array (the C `environ`).
char *const *rscript_environ(void);

/// epoll without the packed struct Swift cannot import: watch `fd` for input, tagged with `key`.
int rscript_epoll_create(void);
int rscript_epoll_add(int epfd, int fd, uint64_t key);
/// Watches `fd` for writability (EPOLLOUT; errors are always reported).
int rscript_epoll_add_output(int epfd, int fd, uint64_t key);
int rscript_epoll_remove(int epfd, int fd);
/// Waits for at most `max` events; writes their keys; returns the count or -1 (errno set).
int rscript_epoll_wait(int epfd, uint64_t *keys, int max, int timeout_ms);

#endif
