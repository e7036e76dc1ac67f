// Loads the built bundle with a fake anywidget model and a tiny fake kernel that answers
// commands, so the canvas can be driven and screenshotted without Jupyter.
import widget from "../../perceptinb/static/canvas.js";
import { PALETTE, SAMPLES } from "./samples.mjs";
import { benchPreviews, FakePreviewKernel, PREVIEW_SAMPLES } from "./fake-previews.mjs";

const q = new URLSearchParams(location.search);
if (q.get("theme") === "dark") document.body.classList.add("dark");
const log = (...a) => {
  const el = document.getElementById("log");
  el.textContent = `${a.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" ")}\n${el.textContent}`.slice(0, 4000);
};

const CONFIGS = {
  Conv2D: { filters: 8, kernel_size: [3, 3], strides: [1, 1], padding: "valid", activation: "relu", use_bias: true,
    kernel_initializer: { module: "keras.initializers", class_name: "GlorotUniform", config: { seed: null } }, kernel_regularizer: null },
  Dense: { units: 64, activation: "relu", use_bias: true, kernel_regularizer: null },
};

class FakeModel {
  constructor(state) {
    this.state = state;
    this.handlers = new Map();
    this.sent = [];
  }
  get(k) { return this.state[k]; }
  set(k, v) { this.state[k] = v; this.emit(`change:${k}`); }
  on(e, cb) { (this.handlers.get(e) ?? this.handlers.set(e, []).get(e)).push(cb); }
  off(e, cb) { this.handlers.set(e, (this.handlers.get(e) ?? []).filter((f) => f !== cb)); }
  emit(e, ...args) { for (const cb of [...(this.handlers.get(e) ?? [])]) cb(...args); }
  save_changes() {
    // The kernel computes details for the selected node.
    const id = this.state.selected;
    const nd = findNode(this.state.graph_view.nodes, id);
    setTimeout(() => this.set("details", nd ? detailsFor(nd) : {}), 30);
  }
  send(msg) {
    if (msg.kind !== "command") return this.previewKernel?.receive(msg); // previews: fake-previews.mjs
    this.sent.push(msg);
    log("send", msg);
    setTimeout(() => this.emit("msg:custom", kernel(this, msg.command, msg.id), []), 40);
  }
}

function findNode(nodes, path) {
  let found = null;
  for (const part of (path || "").split("/")) {
    found = nodes.find((n) => n.id === part);
    if (!found) return null;
    nodes = found.group?.nodes ?? [];
  }
  return found;
}

function detailsFor(nd) {
  return { id: nd.id, type: nd.type, shape: nd.shape, params: nd.params, error: nd.error,
    settings: { name: nd.id, trainable: true, dtype: "float32", ...(nd.settings ?? CONFIGS[nd.type] ?? {}) } };
}

function kernel(model, c, id) {
  const g = structuredClone(model.get("graph_view"));
  const bump = () => { g.version += 1; model.set("graph_view", g); };
  const nd = c.node ? g.nodes.find((n) => n.id === c.node) : null;
  const fail = (error) => ({ kind: "command_result", id, ok: false, error });
  switch (c.op) {
    case "move": nd.pos = c.pos; bump(); break;
    case "remove": g.nodes = g.nodes.filter((n) => n !== nd); g.edges = g.edges.filter((e) => e.src !== c.node && e.dst !== c.node); bump(); break;
    case "add": {
      const nid = `${c.type.toLowerCase()}_${g.version}`;
      g.nodes.push({ id: nid, type: c.type, category: PALETTE.find((p) => p.type === c.type)?.category ?? "other", shape: "", params: 0,
        error: null, blocked: false, pos: c.pos ?? null, shares: null, n_inputs: 1, n_outputs: 1, group: null });
      bump();
      break;
    }
    case "connect": g.edges.push({ src: c.src, dst: c.dst, src_port: 0, dst_port: 0 }); bump(); break;
    case "disconnect": g.edges = g.edges.filter((e) => !(e.src === c.src && e.dst === c.dst)); bump(); break;
    case "set": {
      if (typeof c.value === "number" && c.value < 1) return fail(`Expected ${c.key} > 0. Received: ${c.key}=${c.value}`);
      nd.settings = { ...(nd.settings ?? CONFIGS[nd.type] ?? {}), [c.key]: c.value };
      bump();
      setTimeout(() => model.set("details", detailsFor(nd)), 10);
      break;
    }
    case "undo": case "redo": return fail(`Nothing to ${c.op}`);
    default: return fail(`Unknown op ${c.op}`);
  }
  return { kind: "command_result", id, ok: true, error: null };
}

const make = { ...SAMPLES, ...PREVIEW_SAMPLES }[q.get("sample") ?? "cnn"];
const n = Number(q.get("n") ?? 800);
const graph = make(n);
const model = new FakeModel({
  graph_view: graph, selected: "", details: {}, palette: PALETTE,
  read_only: q.get("read_only") === "1", height: Number(q.get("height") ?? 520),
});
// ?previews=0: the kernel starts with previews off; ?synthetic=1: a generated sample.
// ?previews=hold: no answer to request_previews (for benchPreviews).
model.previewKernel = new FakePreviewKernel(model, {
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
