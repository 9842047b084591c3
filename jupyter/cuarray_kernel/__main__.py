"""python3 -m cuarray_kernel -f CONNECTION_FILE: the kernel, configured by its kernel spec's
environment: CUARRAY_KERNEL_LUA (the interpreter), CUARRAY_KERNEL_LUA_PATH and
CUARRAY_KERNEL_LUA_CPATH (put before LUA_PATH and LUA_CPATH), CUARRAY_KERNEL_NAME."""

import os

from ipykernel.kernelapp import IPKernelApp

from .kernel import CuarrayKernel


def _prepend(var, extra):
    if not extra:
        return None
    return extra + ";" + os.environ.get(var, ";;")


def main():
    CuarrayKernel.lua = os.environ.get("CUARRAY_KERNEL_LUA", "luajit")
    env = {}
    for var, extra in (("LUA_PATH", os.environ.get("CUARRAY_KERNEL_LUA_PATH")),
                       ("LUA_CPATH", os.environ.get("CUARRAY_KERNEL_LUA_CPATH"))):
        value = _prepend(var, extra)
        if value:
            env[var] = value
    CuarrayKernel.lua_env = env
    IPKernelApp.launch_instance(kernel_class=CuarrayKernel)


if __name__ == "__main__":
    main()
