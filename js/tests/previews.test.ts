// @vitest-environment happy-dom
// Previews in the widget: thumbnails in blocks, incremental redraws, NaN flags, the toolbar
// toggle and the inspector, driven by the harness' fake preview kernel.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import widget from "../src/canvas/index";
import { decodeDetail } from "../src/inspector";
import { THUMB_SLOT } from "../src/previews";
import { blockHeight } from "../src/render";
import { cnn, PALETTE } from "../dev/samples.mjs";
import { digits, FakePreviewKernel, makeItem, previewsMessage, sequence } from "../dev/fake-previews.mjs";
import { FakeModel } from "./fake-model";

let model: FakeModel;
let el: HTMLElement;
let cleanup: () => void;

function mount(graph = digits(), kernel = true) {
  model = new FakeModel({ graph_view: graph, selected: "", details: {}, palette: PALETTE, read_only: false, height: 480 });
  el = document.createElement("div");
  document.body.appendChild(el);
  cleanup = widget.render({ model, el });
  if (kernel) answer();
}

/** The fake kernel answers every message sent so far (synchronously). */
function answer() {
  const k = new FakePreviewKernel(model, { delay: -1 });
  for (const m of model.messages.splice(0)) if (m.kind !== "command") k.receive(m);
  return k;
}

const block = (id: string) => el.querySelector<HTMLElement>(`.pnb-block[data-node-id="${id}"]`)!;
const preview = (id: string) => block(id)?.querySelector<HTMLElement>(".pnb-preview") ?? null;
const root = () => el.querySelector<HTMLElement>(".pnb-canvas")!;

beforeEach(() => {
  document.body.innerHTML = "";
});
afterEach(() => cleanup?.());

describe("thumbnails", () => {
  it("asks for every preview on render and draws one .pnb-preview per block", () => {
    mount(digits(), false);
    expect(model.messages).toEqual([{ kind: "request_previews" }]);
    expect(el.querySelectorAll(".pnb-preview")).toHaveLength(0);
    const h0 = parseFloat(block("conv2d").style.height);
    answer();
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

  it("keeps graphs without previews compact", () => {
    mount(digits(), false);
    expect(parseFloat(block("dense").style.height)).toBe(blockHeight({ error: null }));
  });

  it("redraws only the nodes in an update and removes the ones in `removed`", () => {
    mount();
    const conv = preview("conv2d")!;
    const dense = preview("dense")!;
    const buffers: DataView[] = [];
    const nd = digits().nodes.find((n) => n.id === "dense")!;
    model.emit("msg:custom", { kind: "previews", version: 7, synthetic: false, items: [makeItem(nd, buffers, 0.5).item], removed: ["dropout"] }, buffers);
    expect(preview("dense")!.dataset.version).toBe("7");
    expect(preview("dense")).toBe(dense); // the same canvas, redrawn in place
    expect(preview("conv2d")).toBe(conv);
    expect(conv.dataset.version).toBe("1");
    expect(preview("dropout")).toBeNull();
    // The block of a removed preview shrinks back.
    expect(parseFloat(block("dropout").style.height)).toBe(blockHeight({ error: null }));
  });

  it("stores previews of nodes not drawn yet and shows them when the node appears", () => {
    mount();
    const g = digits();
    const extra = { ...g.nodes[4], id: "dense_extra" };
    const buffers: DataView[] = [];
    model.emit("msg:custom", { kind: "previews", version: 2, synthetic: false, items: [makeItem(extra, buffers).item], removed: [] }, buffers);
    expect(block("dense_extra")).toBeNull();
    g.version = 2;
    g.nodes.push(extra);
    g.edges.push({ src: "dense_1", dst: "dense_extra", src_port: 0, dst_port: 0 });
    model.update("graph_view", g);
    expect(preview("dense_extra")!.dataset.version).toBe("2");
  });

  it("keeps drawn thumbnails when a block is rebuilt", () => {
    mount();
    const g = digits();
    g.version = 2;
    g.nodes[1] = { ...g.nodes[1], params: 999 }; // changes the block key: the element is rebuilt
    const old = block("conv2d");
    model.update("graph_view", g);
    expect(block("conv2d")).not.toBe(old);
    expect(preview("conv2d")).not.toBeNull();
  });

  it("flags NaN and Inf in red on the block", () => {
    mount(sequence());
    const log = block("log");
    expect(log.classList.contains("pnb-block-nonfinite")).toBe(true);
    const badge = log.querySelector<HTMLElement>(".pnb-badge-nan")!;
    expect(badge.hidden).toBe(false);
    expect(badge.textContent).toBe("NaN");
    expect(preview("log")!.classList.contains("pnb-preview-nonfinite")).toBe(true);
    expect(block("dense").classList.contains("pnb-block-nonfinite")).toBe(false);
    expect(block("dense").querySelector<HTMLElement>(".pnb-badge-nan")!.hidden).toBe(true);
  });

  it("draws tokens as numbers, sequences as heatmaps, and a preview error in the block", () => {
    mount(sequence());
    expect(preview("tokens")!.tagName).toBe("DIV");
    expect(preview("tokens")!.querySelectorAll(".pnb-token").length).toBeGreaterThan(10);
    expect(preview("embedding")!.dataset.kind).toBe("heatmap");
    const err = preview("reshape")!;
    expect(err.classList.contains("pnb-preview-error")).toBe(true);
    expect(err.textContent).toContain("Received: 6400");
  });

  it("leaves failed and blocked blocks to their own message", () => {
    mount(cnn());
    expect(preview("conv2d")).not.toBeNull();
    expect(preview("conv2d_1")).toBeNull(); // graph_view already shows the Keras error
    expect(preview("flatten")).toBeNull(); // blocked
    expect(parseFloat(block("flatten").style.height)).toBe(blockHeight({ error: null }));
  });

  it("shows the synthetic-sample badge", () => {
    mount(digits(), false);
    const badge = el.querySelector<HTMLElement>(".pnb-toolbar .pnb-badge-synthetic")!;
    expect(badge.hidden).toBe(true);
    const { msg, buffers } = previewsMessage(digits(), 1, new Map(), true);
    model.emit("msg:custom", msg, buffers);
    expect(badge.hidden).toBe(false);
    expect(badge.textContent).toContain("synthetic");
  });

  it("switches previews off and on from the toolbar", () => {
    mount();
    const toggle = el.querySelector<HTMLButtonElement>(".pnb-previews-toggle")!;
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    toggle.click();
    expect(model.messages).toEqual([{ kind: "set_previews", enabled: false }]);
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
    expect(el.querySelectorAll(".pnb-preview")).toHaveLength(0);
    expect(parseFloat(block("dense").style.height)).toBe(blockHeight({ error: null }));
    toggle.click();
    expect(model.messages.at(-1)).toEqual({ kind: "set_previews", enabled: true });
    answer();
    expect(preview("dense")).not.toBeNull();
  });

  it("follows the kernel's previews switch", () => {
    mount(digits(), false);
    model.emit("msg:custom", { kind: "previews", version: 1, synthetic: false, enabled: false, items: [], removed: [] }, []);
    expect(el.querySelector(".pnb-previews-toggle")!.getAttribute("aria-pressed")).toBe("false");
  });

  it("ignores other messages and survives malformed ones", () => {
    mount();
    model.emit("msg:custom", { kind: "previews", version: 3, items: [{ node: "dense", kind: "gray", buffer: 9, dims: [2, 2] }] }, []);
    expect(preview("dense")!.textContent).toContain("malformed");
    model.emit("msg:custom", { kind: "something_else" }, []);
    model.emit("msg:custom", null, undefined);
    expect(preview("conv2d")).not.toBeNull();
  });
});

describe("inspector", () => {
  const select = (id: string) => {
    block(id).dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, button: 0, clientX: 5, clientY: 5, pointerId: 1 }));
    block(id).dispatchEvent(new PointerEvent("pointerup", { bubbles: true, button: 0, clientX: 5, clientY: 5, pointerId: 1 }));
  };
  const inspector = () => el.querySelector<HTMLElement>(".pnb-settings .pnb-inspector")!;

  it("asks for the full resolution of the selected block and shows view, histogram and stats", () => {
    const k = (mount(), answer());
    select("conv2d");
    expect(model.messages).toEqual([{ kind: "request_detail", node: "conv2d", page: 0 }]);
    k.receive(model.messages.pop());
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

  it("pages through channels", () => {
    const g = digits();
    g.nodes[1] = { ...g.nodes[1], shape: "(None, 6, 6, 80)" }; // 80 channels: 3 pages of 36
    const k = (mount(g), answer());
    select("conv2d");
    k.receive(model.messages.pop());
    const ins = inspector();
    expect(ins.querySelector<HTMLElement>(".pnb-inspector-pager")!.hidden).toBe(false);
    expect(ins.querySelector(".pnb-inspector-page")!.textContent).toBe("channels 1–36 of 80");
    expect(ins.querySelector<HTMLButtonElement>(".pnb-inspector-prev")!.disabled).toBe(true);
    ins.querySelector<HTMLButtonElement>(".pnb-inspector-next")!.click();
    expect(model.messages.at(-1)).toEqual({ kind: "request_detail", node: "conv2d", page: 1 });
    k.receive(model.messages.pop());
    expect(ins.querySelector(".pnb-inspector-page")!.textContent).toBe("channels 37–72 of 80");
    ins.querySelector<HTMLButtonElement>(".pnb-inspector-next")!.click();
    k.receive(model.messages.pop());
    expect(ins.querySelector(".pnb-inspector-page")!.textContent).toBe("channels 73–80 of 80"); // a short last page
    expect(ins.querySelector<HTMLButtonElement>(".pnb-inspector-next")!.disabled).toBe(true);
  });

  it("shows the target next to the output, and NaN in red", () => {
    const k = (mount(sequence()), answer());
    select("classes");
    k.receive(model.messages.pop());
    const target = inspector().querySelector<HTMLElement>(".pnb-inspector-target")!;
    expect(target.textContent).toContain("target");
    expect(target.querySelector(".pnb-preview")).not.toBeNull();
    select("log");
    k.receive(model.messages.pop());
    const nan = inspector().querySelector<HTMLElement>('dd[data-stat="NaN"]')!;
    expect(nan.classList.contains("pnb-stat-bad")).toBe(true);
    expect(Number(nan.textContent)).toBeGreaterThan(0);
  });

  it("ignores a late answer for a block no longer selected, and refreshes on an edit", () => {
    const k = (mount(), answer());
    select("conv2d");
    const late = model.messages.pop();
    select("dense");
    k.receive(late); // answer for conv2d arrives after the selection moved on
    expect(inspector().querySelector<HTMLElement>(".pnb-inspector-view .pnb-preview")!.dataset.kind).toBe("line");
    model.messages.length = 0;
    const buffers: DataView[] = [];
    const nd = digits().nodes.find((n) => n.id === "dense")!;
    model.emit("msg:custom", { kind: "previews", version: 5, synthetic: false, items: [makeItem(nd, buffers, 0.3).item], removed: [] }, buffers);
    expect(model.messages).toEqual([{ kind: "request_detail", node: "dense", page: 0 }]);
  });

  it("shows only the message of a layer that fails on the sample, and nothing twice", () => {
    const k = (mount(sequence()), answer());
    select("reshape"); // builds, fails on the sample: only the inspector can say so
    k.receive(model.messages.pop());
    const ins = inspector();
    expect(ins.hidden).toBe(false);
    expect(ins.querySelector(".pnb-inspector-error")!.textContent).toContain("cannot reshape");
    expect(ins.querySelector<HTMLElement>(".pnb-inspector-views")!.hidden).toBe(true);
    expect(ins.querySelector<HTMLElement>(".pnb-inspector-hist")!.hidden).toBe(true);
    cleanup();
    const k2 = (mount(cnn()), answer());
    select("conv2d_1"); // failed to build: the settings panel already shows the Keras error
    k2.receive(model.messages.pop());
    expect(inspector().hidden).toBe(true);
  });

  it("decodes a detail message's histogram from float32 bytes", () => {
    const counts = new Float32Array([1, 0, 4, 2]);
    const d = decodeDetail(
      {
        kind: "preview_detail", node: "x", page: 0, pages: 1,
        item: { node: "x", kind: "none", shape: [], buffer: -1, dtype: "uint8", dims: [], stats: { min: 0, mean: 0, max: 0, std: 0, zero_frac: 1, nan: 0, inf: 0 }, error: null },
        histogram: { buffer: 0, lo: -1, hi: 3, bins: 4 },
        target: null,
      },
      [new DataView(counts.buffer)],
    )!;
    expect(Array.from(d.histogram!.counts)).toEqual([1, 0, 4, 2]);
    expect([d.histogram!.lo, d.histogram!.hi]).toEqual([-1, 3]);
    expect(decodeDetail({ kind: "previews" })).toBeNull();
  });
});
