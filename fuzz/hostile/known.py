"""The list of known failures (known_failures.txt): failures that match an entry are reported
as known instead of failing the run, until the defect is fixed and its entry deleted.

Each entry is one line, `KIND OP DETAIL`; the comment lines above a block of entries describe
them all:
  KIND    the kind of failure (crash, sanitizer, timeout, message, error-type, result, leak,
          memory), several joined by |, or * for any;
  OP      a regular expression that must match the whole operation, such as meta.__index,
          cu.eye or (cu|method).reshape;
  DETAIL  a regular expression searched in the failing call's Lua source and the failure's
          text (the error message, or the sanitizer's report), the rest of the line.
"""

import re


class Entry:
    def __init__(self, kinds, op, detail, description, line):
        self.kinds, self.op, self.detail = kinds, op, detail
        self.description, self.line, self.hits = description, line, 0


def load(path):
    entries, comment, last_was_entry = [], [], False
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("#"):
                if last_was_entry:  # a new block
                    comment, last_was_entry = [], False
                comment.append(line.lstrip("#").strip())
                continue
            if not line.strip():
                comment, last_was_entry = [], False
                continue
            last_was_entry = True
            parts = line.split(None, 2)
            if len(parts) < 3:
                raise SystemExit("%s:%d: expected KIND OP DETAIL" % (path, number))
            try:
                entries.append(Entry(parts[0].split("|"), re.compile(parts[1]),
                                     re.compile(parts[2], re.S),
                                     " ".join(comment) or line, number))
            except re.error as e:
                raise SystemExit("%s:%d: %s" % (path, number, e))
    return entries


def match(entries, kind, op, text, count=True):
    """The first entry that matches (counted as met unless count is false), or None."""
    for e in entries:
        if ("*" in e.kinds or kind in e.kinds) and e.op.fullmatch(op) and e.detail.search(text):
            if count:
                e.hits += 1
            return e
    return None
