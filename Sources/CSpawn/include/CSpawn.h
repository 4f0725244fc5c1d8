#ifndef CAA_CSPAWN_H
#define CAA_CSPAWN_H
#include <sys/types.h>

/**
 * Starts `path` with `argv` and `envp` (NULL-terminated; envp NULL keeps this environment) through
 * posix_spawn, with stdin/stdout/stderr dup'ed from the three descriptors given, every other descriptor
 * closed, the signal mask emptied and every signal at its default action (a child of a thread that blocks
 * signals would otherwise ignore SIGTERM), and, when `directory` is not NULL, that working directory.
 * Returns 0 and sets *pid, or an errno value.
 */
int caa_spawn(const char *path, char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd,
              const char *directory, pid_t *pid);

#endif
