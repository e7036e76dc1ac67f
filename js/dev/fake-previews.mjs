// A fake kernel for the dev harness and the tests. It speaks the one wire (src/rpc.ts) the way
// perceptinb.widgets.canvas does: it answers the `command`, `graph`, `previews`,
// `preview_detail`, `set_previews` and `export` calls, and pushes one ordered `update` per
// change. It encodes no preview itself: thumbnails and inspector details are the ones Python
// made (./kernel-previews.mjs, from tests/fixtures/kernel.json), so the two cannot drift. Two
// extra sample graphs exercise every preview kind.
import { detailOf, parseShape, previewItem } from "./kernel-previews.mjs";

export { parseShape, previewItem };

/** Every top-level node's item: the payload of the `previews` call. */
export function previewsPayload(view, synthetic = false) {
  const buffers = [];
  const items = view.nodes.map((nd) => previewItem(nd, buffers));
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
    const { payload, buffers } = previewsPayload(view, this.synthetic);
    this.reply(id, true, { version: this.version, ...payload }, null, buffers);
  }

  setEnabled(id, on) {
    this.enabled = on;
    const view = this.model.get("_graph_view");
    this.version += 1;
    if (on) {
      const { payload, buffers } = previewsPayload(view, this.synthetic);
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
        for (const d of descendants(graph, nd.id)) dirty.add(d);
      }
    }
    const buffers = [];
    const items = this.enabled ? graph.nodes.filter((n) => dirty.has(n.id)).map((nd) => previewItem(nd, buffers)) : [];
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
    const detail = detailOf(nd, page, buffers);
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
 * relayout); the updates after it redraw every thumbnail in place. Messages are built before
 * timing: encoding is the kernel's cost.
 */
export async function benchPreviews(model, root, rounds = 15) {
  const view = model.get("_graph_view");
  const msgs = Array.from({ length: rounds + 1 }, (_, i) => {
    const { payload, buffers } = previewsPayload(view);
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
