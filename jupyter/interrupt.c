/* cuarray_kernel.interrupt: turns SIGINT into a Lua error in the running cell, every time.
 *
 * The notebook kernel's Lua process gets SIGINT when the user presses "interrupt". lua.c and
 * luajit.c handle SIGINT only around their own calls, and only once (the handler resets to
 * SIG_DFL, so a second interrupt kills the process and its state). This module keeps a
 * handler installed for the life of the process: while enabled (a cell is running) it sets a
 * hook, as lua.c does, that raises "interrupted" at the next call, return or instruction;
 * while disabled it does nothing.
 *
 * Signals are per process, so the target lua_State and the flags are process globals: this
 * module is for the kernel's host process only, never for cuarray.core. lua_sethook is the
 * one Lua call a signal handler may make (lua.c relies on it). LuaJIT does not run hooks
 * inside compiled traces: a loop compiled to machine code stops only when it leaves the
 * trace; the kernel restarts a process that does not stop (jupyter/cuarray_kernel).
 *
 *   local interrupt = require "cuarray_kernel.interrupt"
 *   interrupt.enable()            -- from now on SIGINT raises "interrupted"
 *   local fired = interrupt.disable()  -- true if an interrupt was raised since enable()
 */
#include <signal.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>

static lua_State *target;              /* the main thread */
static volatile sig_atomic_t armed;    /* a cell is running */
static volatile sig_atomic_t fired;    /* the hook raised since enable() */

static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  if (!armed) return;
  fired = 1;
  luaL_error(L, "interrupted");
}

static void on_sigint(int sig) {
  (void)sig;
  if (armed && target)
    lua_sethook(target, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

static int l_enable(lua_State *L) {
  (void)L;
  fired = 0;
  armed = 1;
  return 0;
}

static int l_disable(lua_State *L) {
  armed = 0;
  if (lua_gethook(target) == stop_hook) lua_sethook(target, NULL, 0, 0);
  lua_pushboolean(L, fired);
  return 1;
}

__attribute__((visibility("default"))) int luaopen_cuarray_kernel_interrupt(lua_State *L);
__attribute__((visibility("default"))) int luaopen_cuarray_kernel_interrupt(lua_State *L) {
#if LUA_VERSION_NUM >= 502
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  target = lua_tothread(L, -1);
  lua_pop(L, 1);
#else
  target = L; /* required from the main chunk */
#endif
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGINT, &sa, NULL) != 0) return luaL_error(L, "interrupt: cannot install a SIGINT handler");
  lua_newtable(L);
  lua_pushcfunction(L, l_enable);
  lua_setfield(L, -2, "enable");
  lua_pushcfunction(L, l_disable);
  lua_setfield(L, -2, "disable");
  return 1;
}
