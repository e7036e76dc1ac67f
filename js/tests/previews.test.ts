// @vitest-environment happy-dom
// Previews in the widget: thumbnails in blocks, incremental redraws, NaN flags, the toolbar
// toggle and the inspector, driven by the harness' fake preview kernel.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digits, FakeKernel, previewItem, previewsPayload, sequence } from "../dev/fake-previews.mjs";
import { entryOf } from "../dev/kernel-previews.mjs";
import { cnn, PALETTE } from "../dev/samples.mjs";
import widget from "../src/canvas/index";
import { decodeDetail } from "../src/inspector";
import { THUMB_SLOT } from "../src/previews";
import { blockHeight } from "../src/render";
import { FakeModel } from "./fake-model";
import fixture from "./fixtures/previews.json";
import { fixtureBuffers } from "./wire";

let model: FakeModel;
let kernel: FakeKernel;
let el: HTMLElement;
let cleanup: () => void;
const flush = () => new Promise((r) => setTimeout(r, 0));

async function mount(graph = digits(), answered = true) {
  model = new FakeModel({ _graph_view: graph, selected: "", details: {}, palette: PALETTE, read_only: false, height: 480, locked: "" });
  kernel = new FakeKernel(model, { delay: -1 });
  el = document.createElement("div");
  document.body.appendChild(el);
  cleanup = widget.render({ model, el });
  if (answered) await answer();
}

/** The fake kernel answers every call sent so far (synchronously); the replies land. */
async function answer(messages = model.messages.splice(0)) {
  for (const m of messages) kernel.receive(m);
  await flush();
}

/** The kernel pushes the previews of `items` in an update of `version`. */
function pushPreviews(version: number, nodes: Parameters<typeof previewItem>[0][], removed: string[] = []) {
  const buffers: DataView[] = [];
  const items = nodes.map((nd) => previewItem(nd, buffers));
  model.push("update", { version, previews: { items, removed, enabled: true, synthetic: false } }, buffers);
}
const calls = (method: string) => model.messages.filter((m) => m.method === method).map((m) => m.params);

const block = (id: string) => el.querySelector<HTMLElement>(`.pnb-block[data-node-id="${id}"]`)!;
const preview = (id: string) => block(id)?.querySelector<HTMLElement>(".pnb-preview") ?? null;
const root = () => el.querySelector<HTMLElement>(".pnb-canvas")!;

beforeEach(() => {
  document.body.innerHTML = "";
});
afterEach(() => cleanup?.());

describe("thumbnails", () => {
  it("are the ones Python made for every block of the fake kernel's samples", () => {
    // js/dev/kernel_fixture.py must list each sample block under its id and shape; a block it
    // misses would silently get a template of its kind.
    for (const nd of [...digits().nodes, ...sequence().nodes]) expect(entryOf(nd, true), `${nd.id} ${nd.shape}`).not.toBeNull();
    const buffers: DataView[] = [];
    const item = previewItem(digits().nodes[1], buffers);
    expect(item.node).toBe("conv2d");
    expect(item.data).toEqual({ buffer: 0, dtype: "uint8", shape: [expect.any(Number), expect.any(Number)] });
    const next = previewItem(digits().nodes[6], buffers);
    expect(next.data!.buffer).toBe(1); // re-indexed into the one payload
    expect(next.data!.dtype).toBe("float16");
  });

  it("asks for the current graph and every preview on render and draws one .pnb-preview per block", async () => {
    await mount(digits(), false);
    expect(model.messages).toEqual([
      { kind: "rpc", id: expect.any(Number), method: "graph", params: {} },
      { kind: "rpc", id: expect.any(Number), method: "previews", params: {} },
      { kind: "rpc", id: expect.any(Number), method: "samples", params: {} }, // the sample strip
    ]);
    expect(el.querySelectorAll(".pnb-preview")).toHaveLength(0);
    const h0 = parseFloat(block("conv2d").style.height);
    await answer();
    for (const nd of digits().nodes) expect(preview(nd.id), nd.id).not.toBeNull();
    expect(preview("input_layer")!.tagName).toBe("CANVAS");
    expect(preview("conv2d")!.dataset.kind).toBe("grid");
    expect(preview("dense_1")!.dataset.kind).toBe("bars");
    expect(preview("flatten")!.dataset.kind).toBe("line");
    expect(preview("conv2d")!.dataset.version).toBe("1");
    // Blocks grew to fit the thumbnail, once.
    expect(parseFloat(block("conv2d").style.height)).toBe(h0 + THUMB_SLOT);
    expect(root().dataset.previewVersion).toBe("1");
    expect(block("conv2d").querySelector(".pnb-preview-stats")!.textContent).toContain("16/16 ch");
  });

  it("keeps graphs without previews compact", async () => {
    await mount(digits(), false);
    expect(parseFloat(block("dense").style.height)).toBe(blockHeight({ error: null }));
  });

  it("redraws only the nodes in an update and removes the ones in `removed`", async () => {
    await mount();
    const conv = preview("conv2d")!;
    const dense = preview("dense")!;
    pushPreviews(7, [digits().nodes.find((n) => n.id === "dense")!], ["dropout"]);
    expect(preview("dense")!.dataset.version).toBe("7");
    expect(root().dataset.version).toBe("7");
    expect(preview("dense")).toBe(dense); // the same canvas, redrawn in place
    expect(preview("conv2d")).toBe(conv);
    expect(conv.dataset.version).toBe("1");
    expect(preview("dropout")).toBeNull();
    // The block of a removed preview shrinks back.
    expect(parseFloat(block("dropout").style.height)).toBe(blockHeight({ error: null }));
  });

  it("applies a new block and its preview from one update, whole", async () => {
    await mount();
    const g = digits();
    const extra = { ...g.nodes[4], id: "dense_extra" };
    g.nodes.push(extra);
    g.edges.push({ src: "dense_1", dst: "dense_extra", src_port: 0, dst_port: 0 });
    const buffers: DataView[] = [];
    const previews = { items: [previewItem(extra, buffers)], removed: [], enabled: true, synthetic: false };
    model.push("update", { version: 2, graph: g, previews }, buffers);
    expect(preview("dense_extra")!.dataset.version).toBe("2");
    expect(root().dataset.version).toBe("2");
  });

  it("drops an update older than what it shows", async () => {
    await mount();
    pushPreviews(5, [digits().nodes[4]]);
    const g = digits();
    g.nodes.push({ ...g.nodes[4], id: "stale" });
    model.push("update", { version: 4, graph: g });
    expect(block("stale")).toBeNull();
    expect(root().dataset.version).toBe("5");
  });

  it("keeps drawn thumbnails when a block is rebuilt", async () => {
    await mount();
    const g = digits();
    g.nodes[1] = { ...g.nodes[1], params: 999 }; // changes the block key: the element is rebuilt
    const old = block("conv2d");
    model.push("update", { version: 2, graph: g });
    expect(block("conv2d")).not.toBe(old);
    expect(preview("conv2d")).not.toBeNull();
  });

  it("flags NaN and Inf in red on the block", async () => {
    await mount(sequence());
    const log = block("log");
    expect(log.classList.contains("pnb-block-nonfinite")).toBe(true);
    const badge = log.querySelector<HTMLElement>(".pnb-badge-nan")!;
    expect(badge.hidden).toBe(false);
    expect(badge.textContent).toBe("NaN");
    expect(preview("log")!.classList.contains("pnb-preview-nonfinite")).toBe(true);
    expect(block("dense").classList.contains("pnb-block-nonfinite")).toBe(false);
    expect(block("dense").querySelector<HTMLElement>(".pnb-badge-nan")!.hidden).toBe(true);
  });

  it("draws tokens as numbers, sequences as heatmaps, and a preview error in the block", async () => {
    await mount(sequence());
    expect(preview("tokens")!.tagName).toBe("DIV");
    expect(preview("tokens")!.querySelectorAll(".pnb-token").length).toBeGreaterThan(10);
    expect(preview("embedding")!.dataset.kind).toBe("heatmap");
    const err = preview("reshape")!;
    expect(err.classList.contains("pnb-preview-error")).toBe(true);
    expect(err.textContent).toContain("Received: 6400");
  });

  it("leaves failed and blocked blocks to their own message", async () => {
    await mount(cnn());
    expect(preview("conv2d")).not.toBeNull();
    expect(preview("conv2d_1")).toBeNull(); // graph_view already shows the Keras error
    expect(preview("flatten")).toBeNull(); // blocked
    expect(parseFloat(block("flatten").style.height)).toBe(blockHeight({ error: null }));
  });

  it("shows the synthetic-sample badge, following the sample", async () => {
    await mount(digits(), false);
    const badge = el.querySelector<HTMLElement>(".pnb-toolbar .pnb-badge-synthetic")!;
    expect(badge.hidden).toBe(true);
    const { payload, buffers } = previewsPayload(digits(), true);
    model.push("update", { version: 2, previews: payload }, buffers);
    expect(badge.hidden).toBe(false);
    model.push("update", { version: 3, previews: { items: [], removed: [], enabled: true, synthetic: false } });
    expect(badge.hidden).toBe(true);
    model.push("update", { version: 4, previews: { ...payload, items: [] } });
    expect(badge.hidden).toBe(false);
    expect(badge.textContent).toContain("synthetic");
  });

  it("switches previews off and on from the toolbar", async () => {
    await mount();
    const toggle = el.querySelector<HTMLButtonElement>(".pnb-previews-toggle")!;
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    toggle.click();
    expect(calls("set_previews")).toEqual([{ enabled: false }]);
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
    await answer();
    expect(el.querySelectorAll(".pnb-preview")).toHaveLength(0);
    expect(parseFloat(block("dense").style.height)).toBe(blockHeight({ error: null }));
    toggle.click();
    expect(calls("set_previews").at(-1)).toEqual({ enabled: true });
    await answer();
    expect(preview("dense")).not.toBeNull();
  });

  it("follows the kernel's previews switch", async () => {
    await mount(digits(), false);
    model.push("update", { version: 2, previews: { enabled: false, synthetic: false, items: [], removed: [] } });
    expect(el.querySelector(".pnb-previews-toggle")!.getAttribute("aria-pressed")).toBe("false");
  });

  it("ignores other messages and survives malformed ones", async () => {
    await mount();
    model.push("update", { version: 3, previews: { items: [{ node: "dense", kind: "gray", data: { buffer: 9, dtype: "uint8", shape: [2, 2] } }] } });
    expect(preview("dense")!.textContent).toContain("malformed");
    expect(preview("dense")!.textContent).toContain("data.buffer");
    model.emit("msg:custom", { kind: "something_else" }, []);
    model.emit("msg:custom", null, undefined);
    model.push("update", "junk");
    model.push("update", { version: "9", graph: null });
    expect(preview("conv2d")).not.toBeNull();
    expect(root().dataset.version).toBe("3");
  });
});

describe("inspector", () => {
  const select = (id: string) => {
    block(id).dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, button: 0, clientX: 5, clientY: 5, pointerId: 1 }));
    block(id).dispatchEvent(new PointerEvent("pointerup", { bubbles: true, button: 0, clientX: 5, clientY: 5, pointerId: 1 }));
  };
  const inspector = () => el.querySelector<HTMLElement>(".pnb-settings .pnb-inspector")!;

  it("asks for the full resolution of the selected block and shows view, histogram and stats", async () => {
    await mount();
    select("conv2d");
    expect(calls("preview_detail")).toEqual([{ node: "conv2d", page: 0 }]);
    await answer();
    const ins = inspector();
    expect(ins.hidden).toBe(false);
    expect(el.querySelector(".pnb-settings")!.classList.contains("pnb-has-inspector")).toBe(true);
    expect(ins.querySelector<HTMLElement>(".pnb-inspector-view .pnb-preview")!.dataset.kind).toBe("grid");
    expect(ins.querySelector<HTMLCanvasElement>(".pnb-histogram")!.dataset.bins).toBe("32");
    const stat = (name: string) => ins.querySelector<HTMLElement>(`dd[data-stat="${name}"]`)!;
    expect(stat("dead units").textContent).toMatch(/%$/);
    expect(stat("NaN").classList.contains("pnb-stat-bad")).toBe(false);
    expect(ins.querySelector(".pnb-inspector-target")).toBeNull();
    // Settings stay in the same panel.
    expect(el.querySelector(".pnb-settings .pnb-settings-body")).not.toBeNull();
  });

  it("pages through channels", async () => {
    const g = digits();
    g.nodes[1] = { ...g.nodes[1], shape: "(None, 6, 6, 80)" }; // 80 channels: 3 pages of 36
    await mount(g);
    select("conv2d");
    await answer();
    const ins = inspector();
    expect(ins.querySelector<HTMLElement>(".pnb-inspector-pager")!.hidden).toBe(false);
    expect(ins.querySelector(".pnb-inspector-page")!.textContent).toBe("channels 1–36 of 80");
    expect(ins.querySelector<HTMLButtonElement>(".pnb-inspector-prev")!.disabled).toBe(true);
    ins.querySelector<HTMLButtonElement>(".pnb-inspector-next")!.click();
    expect(calls("preview_detail").at(-1)).toEqual({ node: "conv2d", page: 1 });
    await answer();
    expect(ins.querySelector(".pnb-inspector-page")!.textContent).toBe("channels 37–72 of 80");
    ins.querySelector<HTMLButtonElement>(".pnb-inspector-next")!.click();
    await answer();
    expect(ins.querySelector(".pnb-inspector-page")!.textContent).toBe("channels 73–80 of 80"); // a short last page
    expect(ins.querySelector<HTMLButtonElement>(".pnb-inspector-next")!.disabled).toBe(true);
  });

  it("shows the target next to the output, and NaN in red", async () => {
    await mount(sequence());
    select("classes");
    await answer();
    const target = inspector().querySelector<HTMLElement>(".pnb-inspector-target")!;
    expect(target.textContent).toContain("target");
    expect(target.querySelector(".pnb-preview")).not.toBeNull();
    select("log");
    await answer();
    const nan = inspector().querySelector<HTMLElement>('dd[data-stat="NaN"]')!;
    expect(nan.classList.contains("pnb-stat-bad")).toBe(true);
    expect(Number(nan.textContent)).toBeGreaterThan(0);
  });

  it("ignores a late answer for a block no longer selected, and refreshes on an edit", async () => {
    await mount();
    select("conv2d");
    const late = model.messages.splice(0);
    select("dense");
    await answer(); // dense's answer
    await answer(late); // conv2d's answer arrives after the selection moved on
    expect(inspector().querySelector<HTMLElement>(".pnb-inspector-view .pnb-preview")!.dataset.kind).toBe("line");
    pushPreviews(5, [digits().nodes.find((n) => n.id === "dense")!], []);
    expect(model.messages).toEqual([{ kind: "rpc", id: expect.any(Number), method: "preview_detail", params: { node: "dense", page: 0 } }]);
  });

  it("shows only the message of a layer that fails on the sample, and nothing twice", async () => {
    await mount(sequence());
    select("reshape"); // builds, fails on the sample: only the inspector can say so
    await answer();
    const ins = inspector();
    expect(ins.hidden).toBe(false);
    expect(ins.querySelector(".pnb-inspector-error")!.textContent).toContain("cannot reshape");
    expect(ins.querySelector<HTMLElement>(".pnb-inspector-views")!.hidden).toBe(true);
    expect(ins.querySelector<HTMLElement>(".pnb-inspector-hist")!.hidden).toBe(true);
    cleanup();
    await mount(cnn());
    select("conv2d_1"); // failed to build: the settings panel already shows the Keras error
    await answer();
    expect(inspector().hidden).toBe(true);
  });

  it("decodes a detail written by the Python side", () => {
    const { content, buffers } = fixture.detail;
    const d = decodeDetail(content.detail, fixtureBuffers(buffers), content.version)!;
    expect(d.node).toBe("dense");
    expect(d.item.kind).toBe("bars");
    expect(d.histogram!.counts.length).toBe(32);
    expect(Array.from(d.histogram!.counts).reduce((a, b) => a + b, 0)).toBe(d.item.data!.length);
    expect(d.target!.kind).toBe("tokens");
    expect(decodeDetail({ kind: "previews" })).toBeNull();
  });
});
