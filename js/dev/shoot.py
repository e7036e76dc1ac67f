"""Screenshots the dev harness in headless Chromium and measures render times.

Run `npm run build` first, then: ../.venv/bin/python dev/shoot.py [SCENE ...]  (PNGs land in
dev/shots/; no scene: all of them). tests/e2e/test_dev_harness_e2e.py runs a few scenes, so the
harness and its fake kernel keep up with the wire. `PERCEPTINB_CHROMIUM` names another Chromium.
"""

import functools
import http.server
import os
import statistics
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).resolve().parent / "shots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def serve():
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(ROOT))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def main():
    SHOTS.mkdir(exist_ok=True)
    httpd = serve()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/js/dev/harness.html"
    errors = []
    with sync_playwright() as p:
        chromium = os.environ.get("PERCEPTINB_CHROMIUM", "/usr/bin/chromium")
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1180, "height": 720})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and "favicon" not in (m.location or {}).get("url", "") and errors.append(m.text))

        def open_(query):
            page.goto(f"{base}?{query}")
            page.wait_for_function("window.__pnb && window.__pnb.ready")
            if "previews=" not in query:  # the first previews message grows the blocks: let it land
                page.wait_for_selector(".pnb-canvas[data-preview-version]", state="attached")

        def shot(name):
            page.screenshot(path=str(SHOTS / f"{name}.png"))

        only = sys.argv[1:]
        want = lambda name: not only or name in only  # noqa: E731
        for theme in ["light", "dark"]:
            if want(f"cnn-{theme}"):
                open_(f"sample=cnn&theme={theme}")
                page.click('.pnb-block[data-node-id="conv2d_1"]')
                page.wait_for_selector(".pnb-settings .pnb-settings-form")
                shot(f"cnn-{theme}")
            if want(f"nested-{theme}"):
                open_(f"sample=nested&theme={theme}")
                page.click('.pnb-block[data-node-id="encoder"] .pnb-group-toggle')
                page.click('.pnb-block[data-node-id="shared_dense"]')
                page.wait_for_selector(".pnb-settings .pnb-settings-form")
                page.fill('.pnb-field[data-key="units"] input', "-3")
                page.keyboard.press("Enter")
                page.wait_for_selector(".pnb-field-error:not(:empty)")
                shot(f"nested-{theme}")
                page.click('.pnb-settings-close')
                page.click('.pnb-fit')
                shot(f"nested-fit-{theme}")
        if want("readonly"):
            open_("sample=nested&read_only=1&theme=dark")
            page.click('.pnb-block[data-node-id="encoder"] .pnb-group-toggle')
            page.click(".pnb-fit")
            page.click('.pnb-block[data-node-id="shared_dense_call2"]')
            page.wait_for_selector(".pnb-settings .pnb-settings-form")
            shot("readonly-dark")
        if want("interact"):
            open_("sample=cnn&previews=0")  # compact blocks: every one of them on screen
            sent = lambda: page.evaluate("window.__pnb.model.sent.map(m => m.command)")  # noqa: E731
            # Drag a block: `move` on drop, and the fake kernel's new version keeps it there.
            b = page.locator('.pnb-block[data-node-id="dense"]').bounding_box()
            page.mouse.move(b["x"] + 40, b["y"] + 20)
            page.mouse.down()
            page.mouse.move(b["x"] + 140, b["y"] + 60, steps=5)
            page.mouse.up()
            page.wait_for_function("document.querySelector('.pnb-canvas').dataset.version === '2'")
            assert sent()[-1]["op"] == "move", sent()
            # Drag from the output port of conv2d onto dense: `connect`.
            page.hover('.pnb-block[data-node-id="conv2d"]')
            port = page.locator('.pnb-block[data-node-id="conv2d"] .pnb-port-out').bounding_box()
            target = page.locator('.pnb-block[data-node-id="dense"]').bounding_box()
            page.mouse.move(port["x"] + 8, port["y"] + 4)
            page.mouse.down()
            page.mouse.move(target["x"] + 60, target["y"] + 30, steps=8)
            shot("interact-connecting")
            page.mouse.up()
            assert sent()[-1] == {"op": "connect", "src": "conv2d", "dst": "dense"}, sent()
            page.wait_for_function("document.querySelector('.pnb-canvas').dataset.version === '3'")
            # Click an edge, Delete: `disconnect`.
            page.locator('path.pnb-edge-hit').first.click(force=True)
            page.keyboard.press("Delete")
            assert sent()[-1]["op"] == "disconnect", sent()
            # Keys never reach the page while the canvas has focus.
            page.evaluate("window.__leaked = 0; document.addEventListener('keydown', () => window.__leaked++)")
            page.click('.pnb-block[data-node-id="flatten"]')
            page.keyboard.press("a")
            page.keyboard.press("Control+z")
            assert page.evaluate("window.__leaked") == 0
            assert sent()[-1] == {"op": "undo"}, sent()
            page.wait_for_selector(".pnb-status-error")
            shot("interact-done")
            print("interactions ok:", [c["op"] for c in sent()])
        if want("resnet"):
            open_("sample=resnet50")
            shot("resnet-initial")
            page.click(".pnb-fit")
            shot("resnet-fit")
            box = page.locator(".pnb-stage").bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 90)
            for _ in range(4):  # wheel zooms toward the cursor
                page.mouse.wheel(0, -400)
                page.wait_for_timeout(50)
            shot("resnet-mid")
        if want("synthetic"):
            open_("sample=synthetic&n=800")
            shot("synthetic-initial")
            page.click(".pnb-fit")
            shot("synthetic-fit")
        for theme in ["light", "dark"]:
            # Previews (fake kernel in dev/fake-previews.mjs): thumbnails, inspector, NaN, errors.
            if want(f"previews-{theme}"):
                open_(f"sample=digits&theme={theme}")
                page.wait_for_selector('.pnb-block[data-node-id="dense_1"] .pnb-preview')
                page.click('.pnb-block[data-node-id="conv2d"]')
                page.wait_for_selector(".pnb-inspector .pnb-histogram")
                shot(f"previews-{theme}")
                page.click('.pnb-block[data-node-id="dense_1"]')
                page.wait_for_selector(".pnb-inspector-target")
                shot(f"previews-target-{theme}")
            if want(f"previews-seq-{theme}"):
                open_(f"sample=sequence&theme={theme}&synthetic=1")
                page.wait_for_selector('.pnb-block[data-node-id="log"] .pnb-badge-nan:not([hidden])')
                page.click(".pnb-fit")
                shot(f"previews-seq-fit-{theme}")
                page.click('.pnb-block[data-node-id="log"]')
                page.wait_for_selector(".pnb-inspector .pnb-stat-bad")
                shot(f"previews-seq-{theme}")
            if want(f"previews-cnn-{theme}"):
                open_(f"sample=cnn&theme={theme}")
                page.wait_for_selector('.pnb-block[data-node-id="conv2d"] .pnb-preview')
                page.click('.pnb-block[data-node-id="max_pooling2d"]')
                page.wait_for_selector(".pnb-inspector .pnb-histogram")
                shot(f"previews-cnn-{theme}")
        if want("previews-edit"):
            # An edit in the settings form recomputes that block and its descendants only.
            open_("sample=digits")
            page.wait_for_selector('.pnb-block[data-node-id="dense_1"] .pnb-preview')
            version = lambda n: page.get_attribute(f'.pnb-block[data-node-id="{n}"] .pnb-preview', "data-version")  # noqa: E731
            before = {n: version(n) for n in ["conv2d", "dense", "dense_1"]}
            page.click('.pnb-block[data-node-id="dense"]')
            page.wait_for_selector(".pnb-settings .pnb-settings-form")
            page.fill('.pnb-field[data-key="units"] input', "32")
            page.keyboard.press("Enter")
            page.wait_for_function(f"document.querySelector('.pnb-block[data-node-id=\"dense_1\"] .pnb-preview').dataset.version !== '{before['dense_1']}'")
            after = {n: version(n) for n in before}
            assert after["conv2d"] == before["conv2d"] and after["dense"] != before["dense"], (before, after)
            page.click(".pnb-previews-toggle")
            page.wait_for_function("!document.querySelector('.pnb-preview')")
            shot("previews-off")
            page.click(".pnb-previews-toggle")
            page.wait_for_selector('.pnb-block[data-node-id="dense_1"] .pnb-preview')
            print("previews edit ok:", before, "->", after)
        if want("resnet-previews"):
            open_("sample=resnet50")
            page.wait_for_selector('.pnb-block[data-node-id="predictions"] .pnb-preview')
            shot("resnet-previews")
            page.click(".pnb-fit")
            shot("resnet-previews-fit")
        if want("preview-timing"):
            firsts, applies, paints = [], [], []
            for _ in range(5):
                open_("sample=resnet50&previews=hold")
                r = page.evaluate("window.__pnb.benchPreviews(15)")
                firsts.append(r["first"])
                applies.append(r["update"]["apply"])
                paints.append(r["update"]["paint"])
            med = statistics.median
            print(f"previews message, {r['items']} items ({r['bytes'] / 1024:.0f} KiB of buffers), ResNet50 in Chromium:")
            print(f"  first (blocks grow, relayout): apply median {med(f['apply'] for f in firsts):.1f} ms, "
                  f"to paint {med(f['paint'] for f in firsts):.1f} ms")
            print(f"  update (all {r['items']} redrawn): apply median {med(applies):.1f} ms, to paint {med(paints):.1f} ms")
        if want("timing"):
            for sample, n in [("resnet50", 177), ("synthetic", 800)]:
                ms, paint = [], []
                for _ in range(7):
                    open_(f"sample={sample}&n={n}&previews=hold")  # graph only: no previews message
                    ms.append(float(page.get_attribute(".pnb-canvas", "data-render-ms")))
                    paint.append(page.evaluate("window.__pnb.tPaint"))
                    assert page.locator(".pnb-block").count() == n
                print(f"{sample} ({n} blocks): data-render-ms median {statistics.median(ms):.1f} "
                      f"(min {min(ms):.1f}, max {max(ms):.1f}); render() to first paint median "
                      f"{statistics.median(paint):.1f} ms")
        browser.close()
    httpd.shutdown()
    if errors:
        print("browser errors:", *errors, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
