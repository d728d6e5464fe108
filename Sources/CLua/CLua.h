// The system Lua 5.4 (Debian: liblua5.4-dev), found through pkg-config `lua5.4`.
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
