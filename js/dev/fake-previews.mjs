// A fake preview kernel for the dev harness and the tests: it answers request_previews,
// request_detail and set_previews the way perceptinb.preview.channel does, with deterministic
// synthetic payloads shaped like the real ones (uint8 images and grids, float16 vectors, int32
// tokens, each a binary buffer handed over as a DataView), and sends incremental `previews`
// messages when a node's settings change. Two extra sample graphs exercise every preview kind.

const THUMB_SIDE = 64, THUMB_TILE = 24, THUMB_CHANNELS = 16, DETAIL_SIDE = 256, DETAIL_CHANNELS = 36;
const SHORT_VECTOR = 32, LINE_POINTS = 256, BINS = 32;

/** float -> IEEE half bits (round to nearest), enough for test payloads. */
export function toHalf(v) {
  if (Number.isNaN(v)) return 0x7e00;
  const u = new Uint32Array(new Float32Array([v]).buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 112;
  const mant = u & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) return exp < -10 ? sign : sign | (((mant | 0x800000) >> (1 - exp)) + 0x1000) >> 13;
  return (sign | (exp << 10)) + ((mant + 0x1000) >> 13);
}

export function float16Bytes(values) {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalf(values[i]);
  return out;
}

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

export function parseShape(text) {
  const m = /^\((.*)\)$/.exec((text || "").trim());
  if (!m) return null;
  return m[1].split(",").map((s) => s.trim()).filter(Boolean).slice(1).map(Number);
}

// A handwritten-looking 3 in scikit-learn digits' 8×8, 0..16 format.
const DIGIT = [
  0, 2, 13, 16, 16, 11, 1, 0, 0, 6, 12, 4, 6, 16, 5, 0, 0, 0, 0, 0, 8, 15, 2, 0, 0, 0, 3, 14, 16, 7, 0, 0,
  0, 0, 1, 7, 11, 16, 4, 0, 0, 0, 0, 0, 2, 16, 8, 0, 0, 3, 9, 6, 12, 15, 3, 0, 0, 2, 14, 16, 13, 4, 0, 0,
];

/** The activation value at (y, x, c) of node `nd` (deterministic; `salt` changes on edits). */
function field(nd, salt) {
  const s = hash(nd.id) * 6.28 + salt * 3.1;
  if (nd.type === "InputLayer") {
    return (y, x, c, h, w) => {
      if (h === 8 && w === 8) return DIGIT[y * 8 + x] / 16;
      const r = Math.hypot(y / h - 0.45, x / w - 0.55);
      const base = [0.9 - r, 0.5 + 0.4 * Math.sin(x / 9 + s), 0.4 + 0.5 * Math.cos(y / 13)][c % 3];
      return Math.max(0, Math.min(1, base + (r < 0.22 ? 0.4 : 0)));
    };
  }
  return (y, x, c, h, w) => {
    const fx = 2 + ((c * 7 + Math.floor(s * 10)) % 9), fy = 2 + ((c * 5) % 7);
    const v = Math.sin((fx * x) / w + (fy * y) / h + s + c) + Math.cos((x * y) / (w * h) * (3 + c % 4) + salt);
    return Math.max(0, v); // relu-like: dead units are zeros
  };
}

function stats(values) {
  let min = Infinity, max = -Infinity, sum = 0, sq = 0, zeros = 0, nan = 0, inf = 0, n = 0;
  for (const v of values) {
    if (Number.isNaN(v)) { nan++; continue; }
    if (!isFinite(v)) { inf++; continue; }
    min = Math.min(min, v); max = Math.max(max, v); sum += v; sq += v * v; n++;
    if (v === 0) zeros++;
  }
  const mean = n ? sum / n : null;
  return { min: n ? min : null, mean, max: n ? max : null, std: n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : null,
    zero_frac: values.length ? zeros / values.length : 0, nan, inf };
}

function toUint8(values, lo, hi) {
  const out = new Uint8Array(values.length);
  const k = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < values.length; i++) out[i] = isFinite(values[i]) ? Math.max(0, Math.min(255, Math.round((values[i] - lo) * k))) : 0;
  return out;
}

function range(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return lo <= hi ? [lo, hi] : [0, 0];
}

function histogram(values) {
  const [lo, hi] = range(values);
  const counts = new Float32Array(BINS);
  const span = hi > lo ? hi - lo : 1;
  for (const v of values) if (isFinite(v)) counts[Math.min(BINS - 1, Math.floor(((v - lo) / span) * BINS))]++;
  return { counts, lo, hi };
}

/** Values along a 1-D output (softmax for the last Dense, NaN where the node id says so). */
function vector(nd, n, salt) {
  const s = hash(nd.id) * 6.28 + salt;
  let v = Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + s) * (1 + 0.5 * Math.cos(i * 0.05)) + 0.2 * Math.sin(i * 2.1));
  if (nd.settings?.activation === "softmax" || nd.id === "dense_1" || nd.id === "prediction" || nd.id === "predictions" || nd.id === "classes") {
    const e = v.map((x) => Math.exp(3 * x));
    const z = e.reduce((a, b) => a + b, 0);
    v = e.map((x) => x / z);
  }
  if (nd.type === "ReLU" || nd.settings?.activation === "relu") v = v.map((x) => Math.max(0, x));
  if (nd.id.includes("log")) v = v.map((x) => (x < -0.8 ? NaN : x));
  return v;
}

/**
 * The wire item of one node (as PreviewChannel sends it); payload pushed onto `buffers`.
 * Returns `{item, values}`, `values` being the full activation for histograms.
 */
export function makeItem(nd, buffers, salt = 0, { detail = false, page = 0 } = {}) {
  const shape = parseShape(nd.shape);
  const base = { node: nd.id, shape: shape ?? [], buffer: -1, dtype: null, dims: [], error: null, range: [0, 0] };
  if (nd.error) return { item: { ...base, kind: "none", stats: stats([]), error: nd.error }, values: [] };
  if (nd.blocked || !shape) return { item: { ...base, kind: "none", stats: stats([]), error: "Not computed: an upstream layer failed." }, values: [] };
  if (nd.preview_error) return { item: { ...base, kind: "none", stats: stats([]), error: nd.preview_error }, values: [] };
  const push = (bytes, dtype, dims) => {
    base.buffer = buffers.length;
    buffers.push(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    base.dtype = dtype;
    base.dims = dims;
  };
  if (shape.length === 1 && nd.tokens) {
    const ids = Int32Array.from({ length: shape[0] }, (_, i) => (i < shape[0] - 40 ? 2 + Math.floor(hash(`${nd.id}${i}`) * 9000) : 0));
    push(new Uint8Array(ids.buffer), "int32", [ids.length]);
    return { item: { ...base, kind: "tokens", stats: stats(ids), range: range(ids) }, values: Array.from(ids) };
  }
  if (shape.length <= 1) {
    const n = shape[0] ?? 1;
    const v = vector(nd, n, salt);
    let pts = v;
    if (n > SHORT_VECTOR && !(detail && n <= 4 * LINE_POINTS) && n > LINE_POINTS) {
      pts = Array.from({ length: LINE_POINTS }, (_, i) => v[Math.floor((i * n) / LINE_POINTS)]);
    }
    push(new Uint8Array(float16Bytes(pts).buffer), "float16", [pts.length]);
    return { item: { ...base, kind: n <= SHORT_VECTOR ? "bars" : "line", stats: stats(v), range: range(v) }, values: v };
  }
  const f = field(nd, salt);
  const [H, W, C = 1] = shape.length === 2 ? [shape[0], shape[1], 1] : shape;
  const sample = (h, w, c) => {
    const k = Math.max(1, Math.ceil(Math.max(H, W) / (detail ? DETAIL_SIDE : THUMB_SIDE)));
    return { h: Math.floor(H / k) || 1, w: Math.floor(W / k) || 1, at: (y, x) => f(y * k, x * k, c, H, W) };
  };
  if (shape.length === 2 || C === 1 || C === 3) {
    const kind = shape.length === 2 && (H / W > 4 || H / W < 0.25) ? "heatmap" : C === 3 ? "rgb" : "gray";
    const { h, w, at } = sample(H, W, 0);
    const vals = new Float32Array(h * w * (C === 3 ? 3 : 1));
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      if (C === 3) for (let c = 0; c < 3; c++) vals[(y * w + x) * 3 + c] = f(y * (H / h), x * (W / w), c, H, W);
      else vals[y * w + x] = at(y, x);
    }
    const r = range(vals);
    push(toUint8(vals, ...r), "uint8", C === 3 ? [h, w, 3] : [h, w]);
    return { item: { ...base, kind, stats: stats(vals), range: r }, values: vals };
  }
  // Feature maps: a sheet of tiles, 16 in a thumbnail, 36 per inspector page.
  const per = detail ? DETAIL_CHANNELS : THUMB_CHANNELS;
  const pages = Math.max(1, Math.ceil(C / per));
  page = Math.min(Math.max(0, page), pages - 1);
  const shown = Math.min(per, C - page * per);
  const cols = Math.ceil(Math.sqrt(shown)), rows = Math.ceil(shown / cols);
  const side = detail ? Math.floor(DETAIL_SIDE / cols) : THUMB_TILE;
  const k = Math.max(1, Math.ceil(Math.max(H, W) / side));
  const th = Math.floor(H / k) || 1, tw = Math.floor(W / k) || 1;
  const sheet = new Float32Array(rows * th * cols * tw);
  for (let t = 0; t < shown; t++) {
    const r = Math.floor(t / cols), c = t % cols, ch = page * per + t;
    for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) sheet[(r * th + y) * cols * tw + c * tw + x] = f(y * k, x * k, ch, H, W);
  }
  const r = range(sheet);
  push(toUint8(sheet, ...r), "uint8", [rows * th, cols * tw]);
  const grid = { rows, cols, tile: [th, tw], channels: C, shown, page, pages };
  return { item: { ...base, kind: "grid", stats: stats(sheet), range: r, grid }, values: sheet };
}

/** Every top-level node's item, as the answer to request_previews. */
export function previewsMessage(view, version, salts = new Map(), synthetic = false) {
  const buffers = [];
  const items = view.nodes.map((nd) => makeItem(nd, buffers, salts.get(nd.id) ?? 0).item);
  return { msg: { kind: "previews", version, synthetic, enabled: true, items, removed: [] }, buffers };
}

function descendants(view, id) {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const e of view.edges) if (out.has(e.src) && !out.has(e.dst)) { out.add(e.dst); grew = true; }
  }
  return out;
}

/** The kernel side of the preview messages, for a FakeModel with emit(). */
export class FakePreviewKernel {
  constructor(model, { enabled = true, synthetic = false, delay = 15, hold = false } = {}) {
    this.model = model;
    this.hold = hold; // do not answer request_previews (benchmarks send their own first message)
    this.enabled = enabled;
    this.synthetic = synthetic;
    this.delay = delay;
    this.version = 0;
    this.salts = new Map();
    this.sentVersion = 0;
    this.lastView = model.get("graph_view");
    model.on("change:graph_view", () => this.graphChanged());
  }

  post(msg, buffers) {
    const go = () => this.model.emit("msg:custom", msg, buffers);
    if (this.delay < 0) go();
    else setTimeout(go, this.delay);
  }

  receive(msg) {
    if (msg.kind === "request_previews") { if (!this.hold) this.sendAll(); }
    else if (msg.kind === "set_previews") {
      this.enabled = !!msg.enabled;
      if (this.enabled) this.sendAll();
      else this.post({ kind: "previews", version: ++this.version, synthetic: this.synthetic, enabled: false, items: [],
        removed: this.model.get("graph_view").nodes.map((n) => n.id) }, []);
    } else if (msg.kind === "request_detail") this.sendDetail(msg.node, msg.page ?? 0);
  }

  sendAll() {
    if (!this.enabled) return this.post({ kind: "previews", version: ++this.version, synthetic: this.synthetic, enabled: false, items: [], removed: [] }, []);
    const { msg, buffers } = previewsMessage(this.model.get("graph_view"), ++this.version, this.salts, this.synthetic);
    this.post(msg, buffers);
  }

  /** Edited nodes (settings differ) and their descendants get new previews; gone nodes are removed. */
  graphChanged() {
    const view = this.model.get("graph_view");
    const before = new Map((this.lastView?.nodes ?? []).map((n) => [n.id, n]));
    this.lastView = structuredClone(view);
    if (!this.enabled) return;
    const dirty = new Set();
    for (const nd of view.nodes) {
      const old = before.get(nd.id);
      if (!old || JSON.stringify(old.settings) !== JSON.stringify(nd.settings)) {
        this.salts.set(nd.id, hash(JSON.stringify(nd.settings ?? {})));
        for (const d of descendants(view, nd.id)) dirty.add(d);
      }
    }
    const removed = [...before.keys()].filter((id) => !view.nodes.some((n) => n.id === id));
    if (!dirty.size && !removed.length) return;
    const buffers = [];
    const items = view.nodes.filter((n) => dirty.has(n.id)).map((nd) => makeItem(nd, buffers, this.salts.get(nd.id) ?? 0).item);
    this.post({ kind: "previews", version: ++this.version, synthetic: this.synthetic, enabled: true, items, removed }, buffers);
  }

  sendDetail(id, page) {
    const view = this.model.get("graph_view");
    const nd = view.nodes.find((n) => n.id === id);
    if (!nd || !this.enabled) return;
    const buffers = [];
    const { item, values } = makeItem(nd, buffers, this.salts.get(id) ?? 0, { detail: true, page });
    const h = histogram(values);
    const histogram_ = { buffer: buffers.length, lo: h.lo, hi: h.hi, bins: BINS };
    buffers.push(new DataView(h.counts.buffer));
    let target = null;
    const isOutput = !view.edges.some((e) => e.src === id) && nd.type !== "InputLayer";
    if (isOutput && item.kind === "bars") {
      const n = item.shape[0] ?? 1;
      const y = Array.from({ length: n }, (_, i) => (n === 1 ? 1 : i === 3 % n ? 1 : 0));
      const bytes = new Uint8Array(float16Bytes(y).buffer);
      target = { node: id, kind: "bars", shape: [n], buffer: buffers.length, dtype: "float16", dims: [n], stats: stats(y), error: null, range: [0, 1] };
      buffers.push(new DataView(bytes.buffer));
    }
    const grid = item.grid ?? {};
    this.post({ kind: "preview_detail", node: id, page: grid.page ?? 0, pages: grid.pages ?? 1, item,
      histogram: histogram_, target }, buffers);
  }
}

function node(n) {
  return { type: "Dense", category: "core", shape: "", params: 0, error: null, blocked: false, pos: null, shares: null,
    n_inputs: 1, n_outputs: 1, group: null, ...n };
}
function chain(nodes) {
  return nodes.slice(1).map((n, i) => ({ src: nodes[i].id, dst: n.id, src_port: 0, dst_port: 0 }));
}

/** The quickstart's digits CNN (scikit-learn 8×8 digits), every layer working. */
export function digits() {
  const nodes = [
    node({ id: "input_layer", type: "InputLayer", category: "input", shape: "(None, 8, 8, 1)", n_inputs: 0 }),
    node({ id: "conv2d", type: "Conv2D", category: "convolution", shape: "(None, 6, 6, 16)", params: 160, settings: { filters: 16, activation: "relu" } }),
    node({ id: "max_pooling2d", type: "MaxPooling2D", category: "pooling", shape: "(None, 3, 3, 16)" }),
    node({ id: "flatten", type: "Flatten", category: "reshaping", shape: "(None, 144)" }),
    node({ id: "dense", type: "Dense", category: "core", shape: "(None, 64)", params: 9280, settings: { units: 64, activation: "relu" } }),
    node({ id: "dropout", type: "Dropout", category: "regularization", shape: "(None, 64)" }),
    node({ id: "dense_1", type: "Dense", category: "core", shape: "(None, 10)", params: 650, settings: { units: 10, activation: "softmax" } }),
  ];
  return { version: 1, name: "digits_cnn", synthetic: false, nodes, edges: chain(nodes) };
}

/** A text classifier: tokens, heatmaps, bars, a line with NaN, and a layer failing on the sample. */
export function sequence() {
  const nodes = [
    node({ id: "tokens", type: "InputLayer", category: "input", shape: "(None, 200)", n_inputs: 0, tokens: true }),
    node({ id: "embedding", type: "Embedding", category: "core", shape: "(None, 200, 16)", params: 160000 }),
    node({ id: "lstm", type: "LSTM", category: "recurrent", shape: "(None, 200, 32)", params: 6272 }),
    node({ id: "pool", type: "GlobalAveragePooling1D", category: "pooling", shape: "(None, 32)" }),
    node({ id: "dense", type: "Dense", category: "core", shape: "(None, 128)", params: 4224 }),
    node({ id: "log", type: "Activation", category: "activation", shape: "(None, 128)", settings: { activation: "log" } }),
    node({ id: "classes", type: "Dense", category: "core", shape: "(None, 4)", params: 516, settings: { units: 4, activation: "softmax" } }),
  ];
  const edges = chain(nodes);
  nodes.push(node({ id: "reshape", type: "Reshape", category: "reshaping", shape: "(None, 7, 7)",
    preview_error: "cannot reshape array of size 6400 into shape (7, 7). Expected 49 values. Received: 6400" }));
  edges.push({ src: "lstm", dst: "reshape", src_port: 0, dst_port: 0 });
  return { version: 1, name: "text_classifier", synthetic: false, nodes, edges };
}

const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/**
 * Times applying one `previews` message holding every node (ResNet50: 177 items) and drawing
 * it: `apply` is the synchronous handler (decode, store, draw thumbnails, relayout if needed),
 * `paint` runs until the next frame has been painted. The first message grows the blocks (a
 * relayout); the updates after it change every item's pixels only. Messages are built before
 * timing: encoding is the kernel's cost.
 */
export async function benchPreviews(model, root, rounds = 15) {
  const view = model.get("graph_view");
  const msgs = Array.from({ length: rounds + 1 }, (_, i) =>
    previewsMessage(view, 1000 + i, new Map(view.nodes.map((n) => [n.id, i * 0.37]))));
  const bytes = msgs[0].buffers.reduce((a, b) => a + b.byteLength, 0);
  const apply = [], paint = [];
  let first = null;
  for (const [i, { msg, buffers }] of msgs.entries()) {
    await frame();
    const t0 = performance.now();
    model.emit("msg:custom", msg, buffers);
    const t1 = performance.now();
    await frame();
    const t2 = performance.now();
    if (root.querySelector(`.pnb-preview[data-version="${msg.version}"]`) === null) throw new Error("not drawn");
    if (i === 0) first = { apply: t1 - t0, paint: t2 - t0 };
    else { apply.push(t1 - t0); paint.push(t2 - t0); }
  }
  return { items: msgs[0].msg.items.length, bytes, first, update: { apply: median(apply), paint: median(paint), min: Math.min(...apply), max: Math.max(...apply) } };
}

export const PREVIEW_SAMPLES = { digits, sequence };
