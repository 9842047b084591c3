"""Loads notebooks rendered to HTML (jupyter nbconvert --to html) in headless Chromium and
asserts, through the DOM, that their array tables, images and plots are rendered: over the
DevTools protocol (one browser for all pages), each page is loaded, a script measures it
after the load (tables laid out, <img> decoded with a size, SVG plots with a bounding box, and
the PNGs inside them decodable), and a screenshot is kept beside the page. Prints TAP.

    python3 jupyter/tests/browser_check.py OUTDIR build/notebooks/*.html
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # python3-websocket

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import Tap  # noqa: E402

# The network is closed where CI runs: these flags keep Chromium from waiting on it.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio", "--remote-debugging-port=0"]

WIDTH, HEIGHT = 1100, 2000

PROBE = r"""
(async function () {
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
  var imgs = Array.prototype.slice.call(document.querySelectorAll("img")).filter(function (im) {
    return /^data:image\/png/.test(im.getAttribute("src") || "");
  });
  await Promise.all(imgs.map(function (im) { return im.decode().catch(function () {}); }));
  imgs.forEach(function (im) {
    r.images++;
    var box = im.getBoundingClientRect();
    if (im.complete && im.naturalWidth > 0 && box.width > 0 && box.height > 0) r.images_shown++;
  });
  var waits = [];
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
  await Promise.all(waits);
  return JSON.stringify(r);
})()
"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("no Chromium found (Debian: apt-get install chromium)")


class Browser:
    """One headless Chromium, driven over the DevTools protocol through its first page."""

    def __init__(self, timeout=120):
        self.profile = tempfile.mkdtemp(prefix="cuarray-chromium-")
        self.proc = subprocess.Popen(
            [chromium()] + FLAGS + ["--user-data-dir=" + self.profile,
                                    "--window-size=%d,%d" % (WIDTH, HEIGHT), "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + timeout
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(open(port_file).read().split()[0])
        with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=30) as f:
            pages = [t for t in json.load(f) if t.get("type") == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=timeout)
        self.next_id = 0
        self.events = []
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                  deviceScaleFactor=1, mobile=False)

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.events.append(msg.get("method"))

    def load(self, url, timeout=120):
        self.events = []
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while "Page.loadEventFired" not in self.events:
            if time.monotonic() > deadline:
                raise RuntimeError("the page did not load: " + url)
            self.events.append(json.loads(self.ws.recv()).get("method"))

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, awaitPromise=True,
                      returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError("the page's check failed: %s" % r["exceptionDetails"])
        return r["result"]["value"]

    def screenshot(self, path):
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        with open(path, "wb") as f:
            f.write(data)
        return data

    def close(self):
        try:
            self.ws.close()
        except Exception:  # the browser goes anyway
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


# At least this much of each example must be on screen.
EXPECT = {
    "quickstart": {"tables": 6, "images": 0, "plots": 0},
    "image_filter": {"tables": 1, "images": 3, "plots": 2},
    "monte_carlo": {"tables": 0, "images": 0, "plots": 3},
}


def check_page(browser, html_path, outdir):
    name = os.path.splitext(os.path.basename(html_path))[0]
    browser.load("file://" + os.path.abspath(html_path))
    r = json.loads(browser.evaluate(PROBE))
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
    if browser.screenshot(os.path.join(outdir, name + ".png"))[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError("no screenshot")


def main(outdir, pages):
    tap = Tap()
    try:
        browser = Browser()
    except Exception as e:  # every page then fails, saying why
        why = "Chromium could not be started: %s" % e

        def fail():
            raise RuntimeError(why)
        for p in pages:
            tap.run("Chromium renders %s" % os.path.basename(p), fail)
        return tap.finish()
    try:
        for p in pages:
            tap.run("Chromium renders %s: tables, images and plots" % os.path.basename(p),
                    check_page, browser, p, outdir)
    finally:
        browser.close()
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
