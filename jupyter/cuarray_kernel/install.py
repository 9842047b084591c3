"""Installs a kernel spec for this checkout:

    python3 -m cuarray_kernel.install --name cuarray-luajit --display-name "cuarray (LuaJIT)" \\
        --lua /usr/bin/luajit --root /path/to/cuarray --flavour luajit [--dir DIR]

The spec runs `python3 -m cuarray_kernel` (this interpreter) with this checkout's jupyter/ on
PYTHONPATH, and the interpreter, lua/ and build/<flavour>/ given to the kernel through its
environment. Without --dir it goes to the user's Jupyter data directory (what `jupyter
kernelspec install --user` does); --dir puts it in DIR/<name> (the tests use a directory of
their own on JUPYTER_PATH)."""

import argparse
import json
import os
import sys


def spec(name, display_name, lua, root, flavour):
    root = os.path.abspath(root)
    build = os.path.join(root, "build", flavour)
    return {
        "argv": [sys.executable, "-m", "cuarray_kernel", "-f", "{connection_file}"],
        "display_name": display_name,
        "language": "lua",
        "interrupt_mode": "signal",
        "env": {
            "PYTHONPATH": os.path.join(root, "jupyter"),
            "CUARRAY_KERNEL_LUA": lua,
            "CUARRAY_KERNEL_NAME": name,
            "CUARRAY_KERNEL_LUA_PATH": "%s/lua/?.lua;%s/lua/?/init.lua" % (root, root),
            "CUARRAY_KERNEL_LUA_CPATH": "%s/?.so" % build,
            # ipykernel's debugger is not used: keep its start-up notes out of the logs
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        },
        "metadata": {"debugger": False},
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--name", required=True)
    p.add_argument("--display-name", required=True)
    p.add_argument("--lua", required=True, help="the interpreter (absolute path)")
    p.add_argument("--root", required=True, help="the cuarray checkout")
    p.add_argument("--flavour", required=True, help="luajit or lua5.4: build/<flavour>/")
    p.add_argument("--dir", help="install into DIR/<name> instead of the user's kernels")
    a = p.parse_args(argv)
    if a.dir:
        dest = os.path.join(a.dir, a.name)
    else:
        from jupyter_core.paths import jupyter_data_dir
        dest = os.path.join(jupyter_data_dir(), "kernels", a.name)
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(dest, "kernel.json"), "w") as f:
        json.dump(spec(a.name, a.display_name, a.lua, a.root, a.flavour), f, indent=2)
        f.write("\n")
    print("installed kernel %r (%s) in %s" % (a.name, a.display_name, dest))


if __name__ == "__main__":
    main()
