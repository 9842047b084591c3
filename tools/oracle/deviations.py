"""The deliberate differences from NumPy (deviations.json), the one list the generator honours.

The generator asks `use(id)` wherever a deviation changes what it expects; an id that is not
in the list is an error, and `check_used()` fails when the list has an entry no code asks for.
DESIGN.md's section "Differences from NumPy" is rendered from the list (`render()`), and the
test `gen.py --check-design` fails when the two differ."""
import json
import os
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "deviations.json")

with open(PATH) as f:
    ENTRIES = json.load(f)
BY_ID = {e["id"]: e for e in ENTRIES}
USED = set()

BEGIN = "<!-- Generated from tools/oracle/deviations.json (make oracle-design); edit the list, " \
        "not this section. -->"
END = "<!-- End of the generated list. -->"


def use(ident):
    if ident not in BY_ID:
        raise KeyError("deviation %r is not in tools/oracle/deviations.json" % ident)
    USED.add(ident)
    return True


def check_used(modules_text):
    """Ids listed but never named by the generator's code (given as text)."""
    return [e["id"] for e in ENTRIES if ('"%s"' % e["id"]) not in modules_text]


def render():
    out = [BEGIN, ""]
    for e in ENTRIES:
        out.append(textwrap.fill("- **%s** (`%s`): %s" % (e["title"], e["id"], e["text"]),
                                 width=96, subsequent_indent="  ", break_on_hyphens=False))
    out += ["", END]
    return "\n".join(out)


def design_section(text):
    """The generated part of DESIGN.md's text, or None."""
    i = text.find(BEGIN)
    j = text.find(END)
    if i < 0 or j < 0:
        return None
    return text[i:j + len(END)]
