"""A few lines of TAP for the notebook tests (tools/run_tests.sh counts `ok` / `not ok`)."""

import sys
import traceback


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def run(self, name, fn, *args):
        self.n += 1
        try:
            fn(*args)
        except Exception:  # every failure is reported, none stops the others
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            for line in traceback.format_exc().rstrip().split("\n"):
                print("# " + line)
        else:
            print("ok %d - %s" % (self.n, name))
        sys.stdout.flush()

    def finish(self):
        print("1..%d" % self.n)
        return 1 if self.failed else 0
