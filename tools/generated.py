"""The generated spec files (spec/ops_rows.lua, spec/sort_rows.lua, spec/dtype_tables.lua,
spec/complex_rows.lua): a generator writes its file, or with --check fails when the file is not
what it gives now."""
import sys


def write_or_check(path, text, script, version_line=False):
    """version_line: the first line names NumPy's version and is left out of the comparison."""
    if "--check" in sys.argv[1:]:
        with open(path) as fh:
            old = fh.read()
        same = old.split("\n", 1)[1:] == text.split("\n", 1)[1:] if version_line else old == text
        if not same:
            sys.exit("%s is not what %s gives with this NumPy: run it again" % (path, script))
        print(path + ": the rows are NumPy's")
        return
    with open(path, "w") as fh:
        fh.write(text)
    print("wrote " + path)
