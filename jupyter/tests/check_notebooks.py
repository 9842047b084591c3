"""Checks executed example notebooks (jupyter nbconvert --execute): no cell failed, and the
outputs are what they should be: array tables as HTML with their text header, PNG images that
decode (signature, chunk CRCs, zlib stream), SVG plots that parse as XML with axes and ticks.
Prints TAP.

    python3 jupyter/tests/check_notebooks.py build/notebooks/*.ipynb
"""

import base64
import json
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import Tap  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"

# What each example must show at least: kinds of output, and text somewhere in its outputs.
EXPECT = {
    "quickstart.ipynb": {"tables": 6, "png": 0, "svg": 0,
                         "text": ["cuarray.ndarray  shape (1000, 1000)  float64",
                                  "array([[19, 22],\n       [43, 50]], dtype=int64)",
                                  "step 3: the first column sums to", "cu.linspace(start, stop"]},
    "image_filter.ipynb": {"tables": 1, "png": 3, "svg": 2,
                           "text": ["<colour-mapped image 190x190", "<RGB image 188x188",
                                    "wrote a 188 x 188 PNG of"]},
    "monte_carlo.ipynb": {"tables": 0, "png": 0, "svg": 3,
                          "text": ["pi ~ 3.1", "N = 10^6: pi ~"]},
}


def png_ok(data):
    """Decodes a PNG far enough to trust it: signature, CRCs, IHDR, the zlib stream's size."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError("not a PNG signature")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if crc != zlib.crc32(kind + body):
            raise AssertionError("bad CRC in %r" % kind)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ct = ihdr[:4]
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[ct]
    raw = zlib.decompress(idat)
    if depth != 8 or len(raw) != h * (1 + w * channels):
        raise AssertionError("scanlines do not match the header")
    return w, h


def svg_ok(text):
    root = ET.fromstring(text)
    if root.tag != SVG + "svg" or root.get("class") != "cuarray-plot":
        raise AssertionError("not a cuarray plot: %s %s" % (root.tag, root.attrib))
    ticks = [t for t in root.iter(SVG + "text") if t.get("class") == "cuarray-tick"]
    if len(ticks) < 4:
        raise AssertionError("a plot with %d tick labels" % len(ticks))
    for image in root.iter(SVG + "image"):
        href = image.get("href", "")
        if not href.startswith("data:image/png;base64,"):
            raise AssertionError("an SVG image without PNG data")
        png_ok(base64.b64decode(href.split(",", 1)[1]))
    return root


def check_notebook(path):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    name = os.path.basename(path)
    want = EXPECT.get(name, {"tables": 0, "png": 0, "svg": 0, "text": []})
    tables = pngs = svgs = 0
    texts = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        if cell.get("execution_count") is None and "".join(cell["source"]).strip():
            raise AssertionError("a cell did not run: %r" % "".join(cell["source"])[:60])
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                raise AssertionError("cell failed: %s" % "\n".join(out["traceback"]))
            if out["output_type"] == "stream":
                texts.append("".join(out["text"]))
                continue
            data = out.get("data", {})
            plain = "".join(data.get("text/plain", ""))
            texts.append(plain)
            if "text/html" in data:
                html = "".join(data["text/html"])
                if '<table class="cuarray-table">' in html:
                    header = plain.split("\n")[0]
                    if not header.startswith("cuarray.ndarray  shape"):
                        raise AssertionError("an array table without its header: %r" % plain)
                    if not re.search(r"<tr><th>1</th><td>", html) and "<tr><th></th><td>" not in html:
                        raise AssertionError("a table without 1-based row labels")
                    tables += 1
            if "image/png" in data:
                png_ok(base64.b64decode("".join(data["image/png"])))
                pngs += 1
            if "image/svg+xml" in data:
                svg_ok("".join(data["image/svg+xml"]))
                svgs += 1
    counts = {"tables": tables, "png": pngs, "svg": svgs}
    for k, n in counts.items():
        if n < want[k]:
            raise AssertionError("%s: %d %s outputs, expected at least %d" % (name, n, k, want[k]))
    alltext = "\n".join(texts)
    for t in want["text"]:
        if t not in alltext:
            raise AssertionError("%s: no output contains %r" % (name, t))


def main(paths):
    tap = Tap()
    for p in paths:
        tap.run("executed %s: outputs present and well-formed" % os.path.basename(p),
                check_notebook, p)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
