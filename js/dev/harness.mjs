// Loads the built bundle with a fake anywidget model and the fake kernel of fake-previews.mjs,
// which answers the rpc calls (commands, previews, details) and pushes updates, so the canvas
// can be driven and screenshotted without Jupyter.
import widget from "../../perceptinb/static/canvas.js";
import { PALETTE, SAMPLES } from "./samples.mjs";
import { benchPreviews, detailsFor, FakeKernel, findNode, PREVIEW_SAMPLES } from "./fake-previews.mjs";

const q = new URLSearchParams(location.search);
if (q.get("theme") === "dark") document.body.classList.add("dark");
const log = (...a) => {
  const el = document.getElementById("log");
  el.textContent = `${a.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" ")}\n${el.textContent}`.slice(0, 4000);
};

class FakeModel {
  constructor(state) {
    this.state = state;
    this.handlers = new Map();
    this.sent = []; // the commands sent, for dev/shoot.py: {id, command}
  }
  get(k) { return this.state[k]; }
  set(k, v) { this.state[k] = v; this.emit(`change:${k}`); }
  on(e, cb) { (this.handlers.get(e) ?? this.handlers.set(e, []).get(e)).push(cb); }
  off(e, cb) { this.handlers.set(e, (this.handlers.get(e) ?? []).filter((f) => f !== cb)); }
  emit(e, ...args) { for (const cb of [...(this.handlers.get(e) ?? [])]) cb(...args); }
  save_changes() {
    // The kernel pushes the details of the selected node (without a new version).
    const nd = findNode(this.state._graph_view.nodes, this.state.selected);
    this.kernel.push({ version: this.kernel.version, details: detailsFor(nd) });
  }
  send(msg, _callbacks, buffers) {
    if (msg.method === "command") {
      this.sent.push({ id: msg.id, command: msg.params.command });
      log("send", msg.params.command);
    }
    this.kernel.receive(msg, buffers);
  }
}

const make = { ...SAMPLES, ...PREVIEW_SAMPLES }[q.get("sample") ?? "cnn"];
const n = Number(q.get("n") ?? 800);
const graph = make(n);
const model = new FakeModel({
  _graph_view: graph, selected: "", details: {}, palette: PALETTE,
  read_only: q.get("read_only") === "1", height: Number(q.get("height") ?? 520), locked: q.get("locked") ?? "",
});
// ?previews=0: the kernel starts with previews off; ?synthetic=1: a generated sample.
// ?previews=hold: no answer to the previews call (for benchPreviews). ?locked=reason: a run holds it.
model.kernel = new FakeKernel(model, {
  enabled: q.get("previews") !== "0", synthetic: q.get("synthetic") === "1", hold: q.get("previews") === "hold",
});
const el = document.createElement("div");
document.getElementById("out").appendChild(el);
const t0 = performance.now();
const cleanup = widget.render({ model, el });
const tSync = performance.now() - t0;
window.__pnb = { model, cleanup, tSync, ready: false, benchPreviews: (rounds) => benchPreviews(model, el, rounds) };
requestAnimationFrame(() => setTimeout(() => {
  window.__pnb.tPaint = performance.now() - t0;
  window.__pnb.ready = true;
  log(`render: sync ${tSync.toFixed(1)} ms, to paint ${window.__pnb.tPaint.toFixed(1)} ms, data-render-ms ${el.querySelector(".pnb-canvas").dataset.renderMs}`);
}, 0));
