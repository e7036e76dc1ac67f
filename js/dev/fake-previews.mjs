// A fake kernel for the dev harness and the tests. It speaks the one wire (src/rpc.ts) the way
// perceptinb.widgets.canvas does: it answers the `command`, `previews`, `preview_detail`,
// `set_previews` and `export` calls, and pushes one ordered `update` per change, with
// deterministic synthetic payloads shaped like the real ones (uint8 images and grids, float16
// vectors, int32 tokens; each array a {buffer, dtype, shape} descriptor with its bytes as a
// DataView). Two extra sample graphs exercise every preview kind. The codec itself is tested
// against fixtures written by Python (tests/fixtures); these payloads only need to be plausible.

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
  const base = { node: nd.id, shape: shape ?? [], data: null, error: null, range: [0, 0] };
  if (nd.error) return { item: { ...base, kind: "none", stats: stats([]), error: nd.error }, values: [] };
  if (nd.blocked || !shape) return { item: { ...base, kind: "none", stats: stats([]), error: "Not computed: an upstream layer failed." }, values: [] };
  if (nd.preview_error) return { item: { ...base, kind: "none", stats: stats([]), error: nd.preview_error }, values: [] };
  const push = (bytes, dtype, dims) => {
    base.data = { buffer: buffers.length, dtype, shape: dims };
    buffers.push(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
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

/** Every top-level node's item: the payload of the `previews` call. */
export function previewsPayload(view, salts = new Map(), synthetic = false) {
  const buffers = [];
  const items = view.nodes.map((nd) => makeItem(nd, buffers, salts.get(nd.id) ?? 0).item);
  return { payload: { items, removed: [], enabled: true, synthetic }, buffers };
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

const CONFIGS = {
  Conv2D: { filters: 8, kernel_size: [3, 3], strides: [1, 1], padding: "valid", activation: "relu", use_bias: true,
    kernel_initializer: { module: "keras.initializers", class_name: "GlorotUniform", config: { seed: null } }, kernel_regularizer: null },
  Dense: { units: 64, activation: "relu", use_bias: true, kernel_regularizer: null },
};

/** The node at a path id ("GROUP/CHILD"), or null. */
export function findNode(nodes, path) {
  if (!path) return null;
  let found = null;
  for (const part of (path || "").split("/")) {
    found = nodes.find((n) => n.id === part);
    if (!found) return null;
    nodes = found.group?.nodes ?? [];
  }
  return found;
}

/** The `details` of a node: its settings as form fields (ints, strings, booleans as JSON). */
export function detailsFor(nd) {
  if (!nd) return {};
  const settings = { name: nd.id, trainable: true, ...(nd.settings ?? CONFIGS[nd.type] ?? {}) };
  const kind = (v) => (typeof v === "boolean" ? "bool" : Number.isInteger(v) ? "int" : typeof v === "number" ? "float" : typeof v === "string" ? "str" : "json");
  const fields = Object.entries(settings).filter(([k]) => k !== "name")
    .map(([key, value]) => ({ key, kind: kind(value), value, nullable: value === null, editable: true }));
  return { id: nd.id, type: nd.type, shape: nd.shape, params: nd.params, error: nd.error, settings, fields };
}

/**
 * The kernel side of a FakeModel: `receive(msg, buffers)` takes what the view sends. Answers
 * after `delay` ms (-1: synchronously). `commands: false` leaves command calls to the test.
 */
export class FakeKernel {
  constructor(model, { enabled = true, synthetic = false, delay = 15, hold = false, commands = true } = {}) {
    this.model = model;
    this.hold = hold; // do not answer the `previews` call (benchmarks send their own first update)
    this.commands = commands;
    this.enabled = enabled;
    this.synthetic = synthetic;
    this.delay = delay;
    this.version = model.get("_graph_view")?.version ?? 1;
    this.salts = new Map();
    this.log = [];
    this.seq = 0;
  }

  later(fn) {
    if (this.delay < 0) fn();
    else setTimeout(fn, this.delay);
  }

  reply(id, ok, result, error = null, buffers = []) {
    this.later(() => this.model.emit("msg:custom", { kind: "rpc_reply", id, ok, result: ok ? result : null, error }, buffers));
  }

  push(data, buffers = []) {
    this.later(() => this.model.emit("msg:custom", { kind: "rpc_push", topic: "update", seq: ++this.seq, data }, buffers));
  }

  receive(msg) {
    if (!msg || msg.kind !== "rpc") return;
    const { id, method, params = {} } = msg;
    this.log.push(msg);
    if (method === "previews") { if (!this.hold) this.answerPreviews(id); }
    else if (method === "set_previews") this.setEnabled(id, !!params.enabled);
    else if (method === "preview_detail") this.answerDetail(id, params.node, params.page ?? 0);
    else if (method === "command") { if (this.commands) this.command(id, params.command ?? {}); }
    else if (method === "graph") this.reply(id, true, { version: this.version, graph: this.model.get("_graph_view"), details: {} });
    else if (method === "export") this.reply(id, false, null, "The fake kernel cannot export");
    else this.reply(id, false, null, `Unknown method. Received: method=${JSON.stringify(method)}.`);
  }

  answerPreviews(id) {
    const view = this.model.get("_graph_view");
    if (!this.enabled) return this.reply(id, true, { version: this.version, items: [], removed: [], enabled: false, synthetic: this.synthetic });
    const { payload, buffers } = previewsPayload(view, this.salts, this.synthetic);
    this.reply(id, true, { version: this.version, ...payload }, null, buffers);
  }

  setEnabled(id, on) {
    this.enabled = on;
    const view = this.model.get("_graph_view");
    this.version += 1;
    if (on) {
      const { payload, buffers } = previewsPayload(view, this.salts, this.synthetic);
      this.push({ version: this.version, previews: payload }, buffers);
    } else {
      this.push({ version: this.version, previews: { items: [], removed: view.nodes.map((n) => n.id), enabled: false, synthetic: this.synthetic } });
    }
    this.reply(id, true, { version: this.version });
  }

  /** One edit: the new graph, its details and the previews of what changed, in one update. */
  publish(graph, before, changes) {
    this.version += 1;
    graph.version = this.version;
    this.model.state._graph_view = graph; // the trait snapshot (its change event comes later, if ever)
    const dirty = new Set();
    const old = new Map(before.nodes.map((n) => [n.id, n]));
    for (const nd of graph.nodes) {
      const o = old.get(nd.id);
      if (!o || JSON.stringify(o.settings) !== JSON.stringify(nd.settings)) {
        this.salts.set(nd.id, hash(JSON.stringify(nd.settings ?? {})));
        for (const d of descendants(graph, nd.id)) dirty.add(d);
      }
    }
    const buffers = [];
    const items = this.enabled ? graph.nodes.filter((n) => dirty.has(n.id)).map((nd) => makeItem(nd, buffers, this.salts.get(nd.id) ?? 0).item) : [];
    const removed = [...old.keys()].filter((id) => !graph.nodes.some((n) => n.id === id));
    const selected = this.model.get("selected");
    const details = detailsFor(findNode(graph.nodes, changes.renamed[selected] ?? selected));
    this.push({ version: this.version, graph, details, changes,
      previews: { items, removed, enabled: this.enabled, synthetic: this.synthetic } }, buffers);
  }

  command(id, c) {
    const before = this.model.get("_graph_view");
    const g = structuredClone(before);
    const nd = c.node ? g.nodes.find((n) => n.id === c.node) : null;
    const fail = (error) => this.reply(id, false, null, error);
    const changes = { added: [], removed: [], renamed: {} };
    if (c.node && !nd) return fail(`'node' names no node of the graph. Received: ${JSON.stringify(c.node)}.`);
    switch (c.op) {
      case "move": nd.pos = c.pos; break;
      case "remove": g.nodes = g.nodes.filter((n) => n !== nd); g.edges = g.edges.filter((e) => e.src !== c.node && e.dst !== c.node); changes.removed.push(c.node); break;
      case "add": {
        const nid = `${c.type.toLowerCase()}_${g.version}`;
        g.nodes.push({ id: nid, type: c.type, category: "other", shape: "", params: 0, error: null, blocked: false,
          pos: c.pos ?? null, shares: null, n_inputs: 1, n_outputs: 1, multi_input: false, group: null });
        changes.added.push(nid);
        break;
      }
      case "rename": {
        if (g.nodes.some((n) => n.id === c.name)) return fail(`A node named '${c.name}' already exists.`);
        for (const e of g.edges) { if (e.src === nd.id) e.src = c.name; if (e.dst === nd.id) e.dst = c.name; }
        changes.renamed[nd.id] = c.name;
        nd.id = c.name;
        break;
      }
      case "connect": g.edges.push({ src: c.src, dst: c.dst, src_port: 0, dst_port: c.dst_port ?? 0 }); break;
      case "disconnect": g.edges = g.edges.filter((e) => !(e.src === c.src && e.dst === c.dst)); break;
      case "set": {
        if (typeof c.value === "number" && c.value < 1) return fail(`Expected ${c.key} > 0. Received: ${c.key}=${c.value}`);
        nd.settings = { ...(nd.settings ?? CONFIGS[nd.type] ?? {}), [c.key]: c.value };
        break;
      }
      case "undo": case "redo": return fail(`Nothing to ${c.op}.`);
      default: return fail(`Unknown op ${JSON.stringify(c.op)}.`);
    }
    this.publish(g, before, changes);
    this.reply(id, true, { version: this.version, ...changes });
  }

  answerDetail(id, node, page) {
    const view = this.model.get("_graph_view");
    const nd = view.nodes.find((n) => n.id === node);
    if (!nd) return this.reply(id, false, null, `preview_detail: no node '${node}' in the graph.`);
    if (!this.enabled) return this.reply(id, true, { version: this.version, detail: null });
    const buffers = [];
    const { item, values } = makeItem(nd, buffers, this.salts.get(node) ?? 0, { detail: true, page });
    const h = histogram(values);
    const counts = { buffer: buffers.length, dtype: "float32", shape: [BINS] };
    buffers.push(new DataView(h.counts.buffer));
    let target = null;
    const isOutput = !view.edges.some((e) => e.src === node) && nd.type !== "InputLayer";
    if (isOutput && item.kind === "bars") {
      const n = item.shape[0] ?? 1;
      const y = Array.from({ length: n }, (_, i) => (n === 1 ? 1 : i === 3 % n ? 1 : 0));
      const bytes = new Uint8Array(float16Bytes(y).buffer);
      target = { node, kind: "bars", shape: [n], data: { buffer: buffers.length, dtype: "float16", shape: [n] }, stats: stats(y), error: null, range: [0, 1] };
      buffers.push(new DataView(bytes.buffer));
    }
    const grid = item.grid ?? {};
    const detail = { node, page: grid.page ?? 0, pages: grid.pages ?? 1, item, histogram: { counts, lo: h.lo, hi: h.hi }, target };
    this.reply(id, true, { version: this.version, detail }, null, buffers);
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
 * Times applying one `update` holding every node's preview (ResNet50: 177 items) and drawing
 * it: `apply` is the synchronous handler (decode, store, draw thumbnails, relayout if needed),
 * `paint` runs until the next frame has been painted. The first update grows the blocks (a
 * relayout); the updates after it change every item's pixels only. Messages are built before
 * timing: encoding is the kernel's cost.
 */
export async function benchPreviews(model, root, rounds = 15) {
  const view = model.get("_graph_view");
  const msgs = Array.from({ length: rounds + 1 }, (_, i) => {
    const { payload, buffers } = previewsPayload(view, new Map(view.nodes.map((n) => [n.id, i * 0.37])));
    return { msg: { kind: "rpc_push", topic: "update", seq: 1000 + i, data: { version: 1000 + i, previews: payload } }, buffers };
  });
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
    if (root.querySelector(`.pnb-preview[data-version="${msg.data.version}"]`) === null) throw new Error("not drawn");
    if (i === 0) first = { apply: t1 - t0, paint: t2 - t0 };
    else { apply.push(t1 - t0); paint.push(t2 - t0); }
  }
  return { items: msgs[0].msg.data.previews.items.length, bytes, first, update: { apply: median(apply), paint: median(paint), min: Math.min(...apply), max: Math.max(...apply) } };
}

export const PREVIEW_SAMPLES = { digits, sequence };
