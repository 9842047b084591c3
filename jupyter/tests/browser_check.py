"""Loads notebooks rendered to HTML (jupyter nbconvert --to html) in headless Chromium and
asserts, through the DOM, that their array tables, images and plots are rendered: a script
added to a copy of each page measures them after the load (tables laid out, <img> decoded
with a size, SVG plots with a bounding box, and the PNGs inside them decodable), writes the
counts into the page, and `chromium --dump-dom` hands the page back. A screenshot of each
page is kept beside it. Prints TAP.

    python3 jupyter/tests/browser_check.py OUTDIR build/notebooks/*.html
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import Tap  # noqa: E402

# The network is closed where CI runs: these flags keep Chromium from waiting on it.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]

PROBE = r"""
<script>
window.addEventListener("load", function () {
  function decodes(src) {
    return new Promise(function (done) {
      var im = new Image();
      im.onload = function () { done(im.naturalWidth > 0 && im.naturalHeight > 0); };
      im.onerror = function () { done(false); };
      im.src = src;
    });
  }
  var r = {tables: 0, tables_shown: 0, cells: 0, images: 0, images_shown: 0, plots: 0,
           plots_shown: 0, plot_images: 0, plot_images_shown: 0, errors: 0};
  document.querySelectorAll("table.cuarray-table").forEach(function (t) {
    r.tables++;
    var box = t.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) r.tables_shown++;
    r.cells += t.querySelectorAll("td").length;
  });
  var waits = [];
  document.querySelectorAll("img").forEach(function (im) {
    if (!/^data:image\/png/.test(im.getAttribute("src") || "")) return;
    r.images++;
    var box = im.getBoundingClientRect();
    if (im.complete && im.naturalWidth > 0 && box.width > 0 && box.height > 0) r.images_shown++;
  });
  document.querySelectorAll("svg.cuarray-plot").forEach(function (s) {
    r.plots++;
    var b = s.getBBox(), box = s.getBoundingClientRect();
    if (b.width > 0 && b.height > 0 && box.width > 0 && s.querySelectorAll("text").length >= 4)
      r.plots_shown++;
    s.querySelectorAll("image").forEach(function (im) {
      r.plot_images++;
      waits.push(decodes(im.getAttribute("href")).then(function (ok) {
        if (ok) r.plot_images_shown++;
      }));
    });
  });
  r.errors = document.querySelectorAll(".output_error, .jp-RenderedText[data-mime-type*=stderr]").length;
  Promise.all(waits).then(function () {
    var pre = document.createElement("pre");
    pre.id = "cuarray-render-check";
    pre.textContent = JSON.stringify(r);
    document.body.appendChild(pre);
  });
});
</script>
"""

# At least this much of each example must be on screen.
EXPECT = {
    "quickstart": {"tables": 6, "images": 0, "plots": 0},
    "image_filter": {"tables": 1, "images": 3, "plots": 2},
    "monte_carlo": {"tables": 0, "images": 0, "plots": 3},
}


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("no Chromium found (Debian: apt-get install chromium)")


def run_chromium(args, timeout=180):
    with tempfile.TemporaryDirectory(prefix="cuarray-chromium-") as profile:
        cmd = [chromium()] + FLAGS + ["--user-data-dir=" + profile] + args
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              timeout=timeout, check=True).stdout.decode("utf-8", "replace")


def check_page(html_path, outdir):
    name = os.path.splitext(os.path.basename(html_path))[0]
    with open(html_path, encoding="utf-8") as f:
        page = f.read()
    probe_path = os.path.join(outdir, name + ".probe.html")
    with open(probe_path, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", PROBE + "</body>", 1))
    url = "file://" + os.path.abspath(probe_path)
    dom = run_chromium(["--dump-dom", "--virtual-time-budget=15000", url])
    m = re.search(r'<pre id="cuarray-render-check">(.*?)</pre>', dom)
    if not m:
        raise AssertionError("the page's check did not run (no result in the DOM)")
    r = json.loads(m.group(1).replace("&quot;", '"'))
    print("# %s: %s" % (name, json.dumps(r, sort_keys=True)))
    want = EXPECT.get(name, {"tables": 0, "images": 0, "plots": 0})
    for kind in ("tables", "images", "plots"):
        if r[kind] < want[kind]:
            raise AssertionError("%s: %d %s in the page, expected at least %d" %
                                 (name, r[kind], kind, want[kind]))
        if r[kind + "_shown"] != r[kind]:
            raise AssertionError("%s: %d of %d %s rendered" % (name, r[kind + "_shown"], r[kind],
                                                               kind))
    if r["plot_images_shown"] != r["plot_images"]:
        raise AssertionError("%s: %d of %d images inside plots decode" %
                             (name, r["plot_images_shown"], r["plot_images"]))
    if r["tables"] and r["cells"] < 4 * r["tables"]:
        raise AssertionError("%s: tables with too few cells (%d)" % (name, r["cells"]))
    if r["errors"]:
        raise AssertionError("%s: %d error outputs on the page" % (name, r["errors"]))
    shot = os.path.join(outdir, name + ".png")
    run_chromium(["--screenshot=" + os.path.abspath(shot), "--window-size=1100,2000",
                  "--virtual-time-budget=5000", "file://" + os.path.abspath(html_path)])
    with open(shot, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            raise AssertionError("no screenshot")
    os.remove(probe_path)


def main(outdir, pages):
    tap = Tap()
    for p in pages:
        tap.run("Chromium renders %s: tables, images and plots" % os.path.basename(p),
                check_page, p, outdir)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
