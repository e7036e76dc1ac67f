// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cnn, nested, PALETTE } from "../dev/samples.mjs";
import widget from "../src/canvas/index";
import { FakeModel } from "./fake-model";

let model: FakeModel;
let el: HTMLElement;
let cleanup: () => void;

function mount(over: Record<string, unknown> = {}) {
  model = new FakeModel({ _graph_view: cnn(), selected: "", details: {}, palette: PALETTE, read_only: false, locked: "", height: 480, ...over });
  el = document.createElement("div");
  document.body.appendChild(el);
  cleanup = widget.render({ model, el });
}

const root = () => el.querySelector<HTMLElement>(".pnb-canvas")!;
const block = (id: string) => el.querySelector<HTMLElement>(`.pnb-block[data-node-id="${id}"]`)!;
const key = (target: Element, init: KeyboardEventInit) => {
  const ev = new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(ev);
  return ev;
};
const pointer = (target: Element, type: string, x: number, y: number) =>
  target.dispatchEvent(new PointerEvent(type, { bubbles: true, cancelable: true, button: 0, clientX: x, clientY: y, pointerId: 1 }));
const click = (target: Element, x = 5, y = 5) => {
  pointer(target, "pointerdown", x, y);
  pointer(target, "pointerup", x, y);
};
const commands = () => model.sent.map((m) => m.params.command);
const flush = () => new Promise((r) => setTimeout(r, 0));
/** The kernel pushes the selected block's details (a selection change keeps the version). */
const pushDetails = (details: unknown) => model.push("update", { version: Number(root().dataset.version), details });

beforeEach(() => {
  document.body.innerHTML = "";
  mount();
});
afterEach(() => cleanup?.());

describe("canvas widget", () => {
  it("draws the graph and records version, block count and render time", () => {
    const r = root();
    expect(r.dataset.version).toBe("1");
    expect(r.dataset.blockCount).toBe("8");
    expect(r.dataset.renderMs).toMatch(/^\d+\.\d$/); // measured, with one decimal
    r.dataset.renderMs = "stale";
    model.push("update", { version: 2, graph: cnn() });
    expect(r.dataset.renderMs).toMatch(/^\d+\.\d$/); // measured again on every redraw
    expect(r.dataset.version).toBe("2");
    expect(el.querySelectorAll(".pnb-block[data-node-id]")).toHaveLength(8);
    expect(el.querySelectorAll(".pnb-edge")).toHaveLength(7);
    expect(el.querySelector(".pnb-palette")).not.toBeNull();
    expect(el.querySelector(".pnb-settings")).not.toBeNull();
    expect(r.getAttribute("tabindex")).toBe("0");
    expect(r.style.height).toBe("480px");
    expect(el.querySelector(".pnb-count")!.textContent).toBe("8 blocks");
  });

  it("redraws on a newer graph_view snapshot, and ignores an older one", () => {
    const g = cnn();
    g.version = 2;
    g.nodes.push({ ...g.nodes[1], id: "extra" });
    g.edges.push({ src: "dense_1", dst: "extra", src_port: 0, dst_port: 0 });
    model.update("_graph_view", g);
    expect(root().dataset.version).toBe("2");
    expect(root().dataset.blockCount).toBe("9");
    expect(block("extra")).not.toBeNull();
    model.update("_graph_view", cnn()); // version 1: older than what is drawn
    expect(block("extra")).not.toBeNull();
  });

  it("follows the height trait", () => {
    model.update("height", 300);
    expect(root().style.height).toBe("300px");
  });

  it("selects on click, syncs `selected`, and clears on background click and Escape", () => {
    click(block("conv2d"));
    expect(model.get("selected")).toBe("conv2d");
    expect(model.saves).toBe(1);
    expect(block("conv2d").classList.contains("pnb-block-selected")).toBe(true);
    const settings = el.querySelector(".pnb-settings")!;
    expect(settings.classList.contains("pnb-settings-empty")).toBe(false);
    expect(settings.textContent).toContain("conv2d");

    click(el.querySelector(".pnb-stage")!);
    expect(model.get("selected")).toBe("");
    expect(settings.classList.contains("pnb-settings-empty")).toBe(true);

    click(block("dense"));
    key(root(), { key: "Escape" });
    expect(model.get("selected")).toBe("");
  });

  it("selects a focused block with Enter", () => {
    key(block("flatten"), { key: "Enter" });
    expect(model.get("selected")).toBe("flatten");
  });

  it("follows `selected` set by the kernel", () => {
    model.update("selected", "dense");
    expect(block("dense").classList.contains("pnb-block-selected")).toBe(true);
  });

  it("keeps key events from reaching the notebook and sends undo / redo / remove", () => {
    let leaked = 0;
    const spy = () => leaked++;
    document.addEventListener("keydown", spy);
    try {
      const ev = key(root(), { key: "z", ctrlKey: true });
      expect(ev.defaultPrevented).toBe(true);
      key(root(), { key: "z", metaKey: true, shiftKey: true });
      key(root(), { key: "a" }); // a JupyterLab command-mode key: swallowed too
      click(block("dropout"));
      key(block("dropout"), { key: "Delete" });
    } finally {
      document.removeEventListener("keydown", spy);
    }
    expect(leaked).toBe(0);
    expect(commands()).toEqual([{ op: "undo" }, { op: "redo" }, { op: "remove", node: "dropout" }]);
    expect(model.sent.every((m) => m.kind === "rpc" && Number.isInteger(m.id))).toBe(true);
    const ids = model.sent.map((m) => m.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("does not delete the block while typing in a field", () => {
    click(block("dense"));
    const search = el.querySelector<HTMLInputElement>(".pnb-palette-search")!;
    key(search, { key: "Backspace" });
    expect(commands()).toEqual([]);
  });

  it("shows a failed command in the status line", async () => {
    el.querySelector<HTMLButtonElement>(".pnb-undo")!.click();
    expect(commands()).toEqual([{ op: "undo" }]);
    model.reply(false, "Nothing to undo");
    await flush();
    const status = el.querySelector<HTMLElement>(".pnb-status")!;
    expect(status.hidden).toBe(false);
    expect(status.classList.contains("pnb-status-error")).toBe(true);
    expect(status.textContent).toContain("Nothing to undo");
  });

  it("ignores results of commands it did not send", () => {
    model.emit("msg:custom", { kind: "rpc_reply", id: 999999, ok: false, result: null, error: "not mine" }, []);
    model.emit("msg:custom", { kind: "something_else" }, []);
    expect(el.querySelector<HTMLElement>(".pnb-status")!.hidden).toBe(true);
  });

  it("adds a palette layer near the view centre", () => {
    el.querySelector<HTMLElement>('.pnb-palette-item[data-type="Dense"]')!.click();
    const [cmd] = commands();
    expect(cmd.op).toBe("add");
    expect(cmd.type).toBe("Dense");
    expect(cmd.pos).toHaveLength(2);
    expect(cmd.pos.every(Number.isFinite)).toBe(true);
  });

  it("sends move when a block is dragged", () => {
    const b = block("dense");
    const x0 = parseFloat(b.style.left);
    const y0 = parseFloat(b.style.top);
    pointer(b, "pointerdown", 10, 10);
    pointer(b, "pointermove", 40, 60);
    pointer(b, "pointermove", 60, 80);
    pointer(b, "pointerup", 60, 80);
    expect(commands()).toEqual([{ op: "move", node: "dense", pos: [x0 + 50, y0 + 70] }]);
    expect(model.get("selected")).toBe(""); // a drag is not a click
  });

  it("edits settings and shows the kernel's error under the field", async () => {
    click(block("conv2d"));
    expect(el.querySelector(".pnb-settings")!.textContent).toContain("Loading settings");
    pushDetails({
      id: "conv2d",
      type: "Conv2D",
      shape: "(None, 26, 26, 8)",
      params: 80,
      error: null,
      settings: { name: "conv2d", filters: 8, padding: "valid", use_bias: true, kernel_size: [3, 3], bias_regularizer: null },
      fields: [
        { key: "filters", kind: "int", value: 8, nullable: false, editable: true },
        { key: "padding", kind: "str", value: "valid", nullable: false, editable: true },
        { key: "use_bias", kind: "bool", value: true, nullable: false, editable: true },
        { key: "kernel_size", kind: "tuple", item: "int", scalar: true, value: [3, 3], nullable: false, editable: true },
        { key: "bias_regularizer", kind: "json", value: null, nullable: true, editable: true },
      ],
    });
    const field = (k: string) => el.querySelector<HTMLElement>(`.pnb-field[data-key="${k}"]`)!;
    expect(field("kernel_size").querySelector("input")!.value).toBe("3, 3");
    expect(field("bias_regularizer").querySelector("input")!.value).toBe("");

    const filters = field("filters").querySelector("input")!;
    filters.value = "-4";
    key(filters, { key: "Enter" });
    expect(commands()).toEqual([{ op: "set", node: "conv2d", key: "filters", value: -4 }]);
    model.reply(false, "Expected filters > 0. Received: filters=-4");
    await flush();
    expect(field("filters").querySelector(".pnb-field-error")!.textContent).toBe("Expected filters > 0. Received: filters=-4 Kept: 8.");
    expect(field("filters").querySelector("input")!.value).toBe("8"); // the value the layer kept
    expect(el.querySelector<HTMLElement>(".pnb-status")!.hidden).toBe(true); // shown inline only

    const bias = field("use_bias").querySelector("input")!;
    bias.checked = false;
    bias.dispatchEvent(new Event("change"));
    expect(commands()[1]).toEqual({ op: "set", node: "conv2d", key: "use_bias", value: false });
    model.reply(true);
    await flush();
    expect(field("use_bias").querySelector(".pnb-field-error")!.textContent).toBe("");

    const padding = field("padding").querySelector("input")!;
    padding.value = "same";
    padding.dispatchEvent(new Event("blur"));
    expect(commands()[2]).toEqual({ op: "set", node: "conv2d", key: "padding", value: "same" });

    const junk = field("filters").querySelector("input")!;
    junk.value = "abc";
    key(junk, { key: "Enter" });
    expect(commands()).toHaveLength(3); // not a number: caught before sending
    expect(field("filters").querySelector(".pnb-field-error")!.textContent).toContain("Expected an integer");
  });

  it("keeps a renamed block selected, from the update that renames it", async () => {
    click(block("dense"));
    pushDetails({
      id: "dense",
      type: "Dense",
      shape: "",
      params: 0,
      error: null,
      settings: { name: "dense", units: 4 },
      fields: [{ key: "units", kind: "int", value: 4, nullable: false, editable: true }],
    });
    const name = el.querySelector<HTMLInputElement>('.pnb-field[data-key="name"] input')!;
    name.value = "wide";
    key(name, { key: "Enter" });
    expect(commands().at(-1)).toEqual({ op: "rename", node: "dense", name: "wide" });
    const g = cnn();
    g.nodes.find((n) => n.id === "dense")!.id = "wide";
    g.edges = g.edges.map((e) => ({ ...e, src: e.src === "dense" ? "wide" : e.src, dst: e.dst === "dense" ? "wide" : e.dst }));
    const saves = model.saves;
    model.push("update", { version: 2, graph: g, changes: { added: [], removed: [], renamed: { dense: "wide" } } });
    expect(model.get("selected")).toBe("wide"); // never deselected in between
    expect(model.saves).toBe(saves + 1);
    expect(block("wide").classList.contains("pnb-block-selected")).toBe(true);
    model.reply(true, null, undefined, { version: 2, added: [], removed: [], renamed: { dense: "wide" } });
    await flush();
    expect(model.get("selected")).toBe("wide");
    expect(el.querySelector(".pnb-settings .pnb-panel-title")!.textContent).toBe("wide");
  });

  it("zooms with the wheel and the toolbar, keeping the graph", () => {
    const world = el.querySelector<HTMLElement>(".pnb-world")!;
    const scale = () => Number(world.style.transform.match(/scale\(([\d.e-]+)\)/)![1]);
    const k0 = scale();
    const stage = el.querySelector(".pnb-stage")!;
    const ev = new WheelEvent("wheel", { bubbles: true, cancelable: true, deltaY: -200, clientX: 100, clientY: 100 });
    stage.dispatchEvent(ev);
    expect(ev.defaultPrevented).toBe(true);
    expect(scale()).toBeGreaterThan(k0);
    const k1 = scale();
    el.querySelector<HTMLButtonElement>(".pnb-zoom-out")!.click();
    expect(scale()).toBeLessThan(k1);
    key(root(), { key: "+" });
    expect(scale()).toBeCloseTo(k1, 5);
  });

  it("is selection-only when read_only", () => {
    cleanup();
    document.body.innerHTML = "";
    mount({ read_only: true });
    expect(el.querySelector<HTMLElement>(".pnb-palette")!.hidden).toBe(true);
    expect(el.querySelector<HTMLElement>(".pnb-undo")!.hidden).toBe(true);
    expect(el.querySelectorAll(".pnb-port-out")).toHaveLength(0);
    key(root(), { key: "z", ctrlKey: true });
    click(block("dense"));
    key(block("dense"), { key: "Delete" });
    expect(model.get("selected")).toBe("dense");
    expect(model.sent).toEqual([]);
  });

  it("expands a nested model in place", () => {
    model.update("_graph_view", { ...nested(), version: 2 });
    expect(root().dataset.blockCount).toBe("9");
    block("encoder").querySelector<HTMLButtonElement>(".pnb-group-toggle")!.click();
    expect(root().dataset.blockCount).toBe("13");
    expect(block("encoder").querySelector('.pnb-block[data-node-id="encoder/enc_dense"]')).not.toBeNull();
    click(block("encoder/enc_dense"));
    expect(model.get("selected")).toBe("encoder/enc_dense");
  });

  it("cleans up listeners and DOM", () => {
    expect(model.listenerCount()).toBeGreaterThan(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(el.querySelector(".pnb-canvas")).toBeNull();
    cleanup = () => {};
  });
});
