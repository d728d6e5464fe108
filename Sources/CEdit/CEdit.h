// libedit (Debian: libedit-dev), through its readline-compatible interface.
#include <stdio.h>
#include <editline/readline.h>
