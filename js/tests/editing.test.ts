// @vitest-environment happy-dom
// Editing through the canvas widget: the generated settings form, wiring with input-port choice,
// undo/redo availability, and the "Copy as code" / "Export .keras" buttons.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cnn, nested, PALETTE } from "../dev/samples.mjs";
import widget from "../src/canvas/index";
import type { FormField } from "../src/protocol";
import { FakeModel } from "./fake-model";

let model: FakeModel;
let el: HTMLElement;
let cleanup: () => void;

function mount(graph = cnn()) {
  model = new FakeModel({ _graph_view: graph, selected: "", details: {}, palette: PALETTE, read_only: false, locked: "", height: 480 });
  el = document.createElement("div");
  document.body.appendChild(el);
  cleanup = widget.render({ model, el });
}

const block = (id: string) => el.querySelector<HTMLElement>(`.pnb-block[data-node-id="${id}"]`)!;
const field = (k: string) => el.querySelector<HTMLElement>(`.pnb-field[data-key="${k}"]`)!;
const control = <T extends HTMLElement = HTMLInputElement>(k: string) => field(k).querySelector<T>(".pnb-field-input")!;
const errorOf = (k: string) => field(k).querySelector(".pnb-field-error")!.textContent;
const commands = () => model.sent.map((m) => m.params.command);
const lastExport = () => model.calls("export").at(-1);
const flush = () => new Promise((r) => setTimeout(r, 0));
const version = () => Number(el.querySelector<HTMLElement>(".pnb-canvas")!.dataset.version);
const pointer = (target: Element, type: string, x: number, y: number) =>
  target.dispatchEvent(new PointerEvent(type, { bubbles: true, cancelable: true, button: 0, clientX: x, clientY: y, pointerId: 1 }));
const click = (target: Element) => {
  pointer(target, "pointerdown", 5, 5);
  pointer(target, "pointerup", 5, 5);
};
const enter = (input: HTMLElement) => input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));

const GLOROT = { module: "keras.initializers", class_name: "GlorotUniform", config: { seed: null }, registered_name: null };
const HE = { module: "keras.initializers", class_name: "HeNormal", config: { seed: null }, registered_name: null };
function denseFields(units = 32, init: typeof GLOROT = GLOROT): FormField[] {
  return [
    { key: "units", kind: "int", value: units, nullable: false, editable: true, help: "Positive integer, dimensionality of the output space." },
    {
      key: "activation",
      kind: "enum",
      value: "linear",
      nullable: false,
      editable: true,
      choices: ["linear", "relu", "softmax"].map((a) => ({ label: a, value: a })),
      selected: 0,
    },
    { key: "use_bias", kind: "bool", value: true, nullable: false, editable: true },
    { key: "kernel_size", kind: "tuple", item: "int", scalar: true, value: [3, 3], nullable: false, editable: true },
    {
      key: "kernel_initializer",
      kind: "enum",
      value: init,
      nullable: false,
      editable: true,
      choices: [
        {
          label: "GlorotUniform",
          value: init.class_name === "GlorotUniform" ? init : GLOROT,
          params:
            init.class_name === "GlorotUniform" ? [{ key: "seed", kind: "int", value: init.config.seed, nullable: true, editable: true }] : undefined,
        },
        { label: "HeNormal", value: HE },
      ],
      selected: init.class_name === "GlorotUniform" ? 0 : 1,
    },
    { key: "ragged", kind: "bool", value: false, nullable: false, editable: false },
  ];
}
/** The kernel's update with the details of `dense` (a new version when `bump`, as after an edit). */
function showDense(units = 32, init = GLOROT, bump = false) {
  const details = { id: "dense", type: "Dense", shape: `(None, ${units})`, params: 0, error: null, settings: {}, fields: denseFields(units, init) };
  model.push("update", { version: version() + (bump ? 1 : 0), details });
}

beforeEach(() => {
  document.body.innerHTML = "";
  mount();
});
afterEach(() => cleanup?.());

describe("settings form from the kernel's fields", () => {
  beforeEach(() => {
    click(block("dense"));
    showDense();
  });

  it("draws one control per kind, in the kernel's order, with help", () => {
    const keys = [...el.querySelectorAll<HTMLElement>(".pnb-settings-form .pnb-field")].map((r) => r.dataset.key);
    expect(keys).toEqual(["name", "units", "activation", "use_bias", "kernel_size", "kernel_initializer", "kernel_initializer.seed", "ragged"]);
    expect(control("units").value).toBe("32");
    expect(field("units").querySelector("label")!.title).toContain("dimensionality of the output space");
    expect(control<HTMLSelectElement>("activation").tagName).toBe("SELECT");
    expect(control<HTMLSelectElement>("activation").selectedOptions[0].textContent).toBe("linear");
    expect(control("use_bias").type).toBe("checkbox");
    expect(control("kernel_size").value).toBe("3, 3");
    expect(control<HTMLSelectElement>("kernel_initializer").selectedIndex).toBe(0);
    expect(control("kernel_initializer.seed").placeholder).toBe("None");
    expect(control("ragged").disabled).toBe(true);
    expect(field("ragged").classList.contains("pnb-field-readonly")).toBe(true);
  });

  it("sends enums, tuples and object parameters as Keras values", () => {
    const activation = control<HTMLSelectElement>("activation");
    activation.selectedIndex = 1;
    activation.dispatchEvent(new Event("change"));
    const size = control("kernel_size");
    size.value = "5";
    enter(size);
    const init = control<HTMLSelectElement>("kernel_initializer");
    init.selectedIndex = 1;
    init.dispatchEvent(new Event("change"));
    const seed = control("kernel_initializer.seed");
    seed.value = "7";
    enter(seed);
    expect(commands()).toEqual([
      { op: "set", node: "dense", key: "activation", value: "relu" },
      { op: "set", node: "dense", key: "kernel_size", value: 5 },
      { op: "set", node: "dense", key: "kernel_initializer", value: HE },
      { op: "set", node: "dense", key: "kernel_initializer", value: { ...GLOROT, config: { seed: 7 } } },
    ]);
  });

  it("flags unparsable text inline without sending, and sends nothing for an unchanged value", () => {
    const units = control("units");
    units.value = "many";
    enter(units);
    expect(errorOf("units")).toBe("Expected an integer. Received: units=many");
    expect(units.getAttribute("aria-invalid")).toBe("true");
    units.value = "32";
    enter(units);
    units.dispatchEvent(new Event("blur"));
    expect(commands()).toEqual([]);
    expect(errorOf("units")).toBe("");
  });

  it("sends once for Enter followed by blur, for settings and renames", () => {
    const units = control("units");
    units.value = "64";
    enter(units);
    units.dispatchEvent(new Event("blur"));
    const name = control("name");
    name.value = "wide";
    enter(name);
    name.dispatchEvent(new Event("blur"));
    expect(commands()).toEqual([
      { op: "set", node: "dense", key: "units", value: 64 },
      { op: "rename", node: "dense", name: "wide" },
    ]);
  });

  it("shows why Keras refused a value and the value the layer kept", async () => {
    const units = control("units");
    units.value = "-1";
    enter(units);
    expect(commands()).toEqual([{ op: "set", node: "dense", key: "units", value: -1 }]);
    expect(field("units").classList.contains("pnb-field-pending")).toBe(true);
    model.reply(false, "Received an invalid value for `units`, expected a positive integer. Received: units=-1");
    await flush();
    expect(errorOf("units")).toBe("Received an invalid value for `units`, expected a positive integer. Received: units=-1 Kept: 32.");
    expect(units.value).toBe("32");
    expect(field("units").classList.contains("pnb-field-pending")).toBe(false);
  });

  it("updates values in place on success, keeping focus, and rebuilds when the choices change", async () => {
    const units = control("units");
    units.focus();
    units.value = "64";
    enter(units);
    showDense(64, GLOROT, true); // the edit's update comes first, then its reply
    model.reply(true, null, undefined, { version: version(), added: [], removed: [], renamed: {} });
    await flush();
    expect(control("units")).toBe(units); // same element: focus and caret stay
    expect(units.value).toBe("64");
    expect(document.activeElement).toBe(units);
    expect(el.querySelector(".pnb-settings-summary")!.textContent).toContain("(None, 64)");

    const init = control<HTMLSelectElement>("kernel_initializer");
    init.focus();
    showDense(64, HE); // HeNormal has no params listed here: the form is rebuilt
    expect(field("kernel_initializer.seed")).toBeNull();
    expect(control<HTMLSelectElement>("kernel_initializer").selectedIndex).toBe(1);
    expect(document.activeElement).toBe(control("kernel_initializer"));
  });

  it("does not overwrite what the user is typing", () => {
    const units = control("units");
    units.focus();
    units.value = "12";
    showDense(33, GLOROT, true); // e.g. an undo from Python while typing
    expect(units.value).toBe("12");
    enter(units); // what the user typed is sent, against the kernel's newer value
    expect(commands()).toEqual([{ op: "set", node: "dense", key: "units", value: 12 }]);
  });

  it("keeps typing while the previous edit's answer arrives (the user is faster than the kernel)", async () => {
    const units = control("units");
    units.focus();
    units.value = "11";
    enter(units);
    units.value = "12"; // typed before the kernel answered 11
    showDense(11, GLOROT, true); // the update of the first edit
    expect(units.value).toBe("12");
    const first = model.sent[0].id;
    model.reply(true, null, first, { version: version(), added: [], removed: [], renamed: {} });
    await flush();
    expect(units.value).toBe("12"); // the answer to 11 does not take 12 away either
    enter(units);
    expect(commands()).toEqual([
      { op: "set", node: "dense", key: "units", value: 11 },
      { op: "set", node: "dense", key: "units", value: 12 },
    ]);
    expect(field("units").classList.contains("pnb-field-pending")).toBe(true);
    showDense(12, GLOROT, true);
    model.reply(true, null, model.sent[1].id, { version: version(), added: [], removed: [], renamed: {} });
    await flush();
    expect(units.value).toBe("12");
    expect(field("units").classList.contains("pnb-field-pending")).toBe(false);
    expect(errorOf("units")).toBe("");
  });

  it("shows the answer of a field's last edit only, when two are in flight", async () => {
    const units = control("units");
    units.focus();
    units.value = "11";
    enter(units);
    units.value = "12";
    enter(units); // sent before the first answer
    showDense(11, GLOROT, true);
    model.reply(true, null, model.sent[0].id, { version: version(), added: [], removed: [], renamed: {} });
    await flush();
    expect(units.value).toBe("12"); // 12 is still in flight: 11 must not flash back
    showDense(12, GLOROT, true);
    model.reply(true, null, model.sent[1].id, { version: version(), added: [], removed: [], renamed: {} });
    await flush();
    expect(units.value).toBe("12");
  });

  it("keeps Escape in a field from deselecting the block", () => {
    const units = control("units");
    units.focus();
    units.value = "99";
    units.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    expect(units.value).toBe("32");
    expect(model.get("selected")).toBe("dense");
  });
});

describe("wiring", () => {
  /** Client coordinates of a world point (the viewport transform is `translate() scale()`). */
  function toClient(x: number, y: number) {
    const m = el.querySelector<HTMLElement>(".pnb-world")!.style.transform.match(/translate\(([-\d.e]+)px, ([-\d.e]+)px\) scale\(([-\d.e]+)\)/)!;
    return { x: Number(m[1]) + x * Number(m[3]), y: Number(m[2]) + y * Number(m[3]) };
  }
  function dragTo(src: string, dst: string, fraction: number) {
    const target = block(dst);
    const port = block(src).querySelector(".pnb-port-out")!;
    const left = parseFloat(target.style.left);
    const top = parseFloat(target.style.top);
    const p = toClient(left + parseFloat(target.style.width) * fraction, top + 10);
    const spy = vi.spyOn(document, "elementFromPoint").mockReturnValue(target);
    try {
      pointer(port, "pointerdown", 0, 0);
      pointer(port, "pointermove", p.x, p.y);
      const shown = {
        hint: el.querySelector(".pnb-connect-hint")?.textContent,
        slots: target.querySelectorAll(".pnb-port-slot").length,
        active: [...target.querySelectorAll(".pnb-port-slot")].findIndex((s) => s.classList.contains("pnb-port-slot-active")),
        invalid: target.classList.contains("pnb-drop-invalid"),
      };
      pointer(port, "pointerup", p.x, p.y);
      return shown;
    } finally {
      spy.mockRestore();
    }
  }

  it("lets the pointer choose the input port of a merge layer", () => {
    cleanup();
    mount(nested());
    const first = dragTo("left", "concatenate", 0.1);
    expect(first).toEqual({ hint: "→ concatenate: input 1 of 3", slots: 3, active: 0, invalid: false });
    const middle = dragTo("left", "concatenate", 0.5);
    expect(middle.active).toBe(1);
    expect(commands()).toEqual([
      { op: "connect", src: "left", dst: "concatenate", dst_port: 0 },
      { op: "connect", src: "left", dst: "concatenate", dst_port: 1 },
    ]);
    expect(block("concatenate").querySelector(".pnb-port-slots")).toBeNull(); // cleaned up
    expect(el.querySelector(".pnb-connect-hint")).toBeNull();
  });

  it("marks a cycle as refused, and shows the kernel's message on drop", async () => {
    const shown = dragTo("dense_1", "conv2d", 0.5);
    expect(shown.invalid).toBe(true);
    expect(shown.hint).toBe("dense_1 → conv2d would create a cycle");
    expect(commands()).toEqual([{ op: "connect", src: "dense_1", dst: "conv2d" }]);
    model.reply(false, "Connecting 'dense_1' -> 'conv2d' would create a cycle.");
    await flush();
    const status = el.querySelector<HTMLElement>(".pnb-status")!;
    expect(status.hidden).toBe(false);
    expect(status.textContent).toBe("Connect dense_1 → conv2d failed: Connecting 'dense_1' -> 'conv2d' would create a cycle.");
  });
});

describe("adding from the palette", () => {
  it("selects the block the reply names as added; its update came first", async () => {
    for (const id of ["added_1", "added_2"]) {
      el.querySelector<HTMLElement>('.pnb-palette-item[data-type="Dense"]')!.click();
      const cmd = commands().at(-1);
      expect(cmd.op).toBe("add");
      const g = structuredClone(model.get("_graph_view"));
      g.nodes.push({ ...g.nodes[1], id, pos: cmd.pos });
      model.state._graph_view = g;
      const changes = { added: [id], removed: [], renamed: {} };
      model.push("update", { version: version() + 1, graph: g, changes });
      expect(block(id)).not.toBeNull();
      expect(model.get("selected")).not.toBe(id); // a Python-side add does not steal the selection
      model.reply(true, null, undefined, { version: version(), ...changes });
      await flush();
      expect(model.get("selected")).toBe(id);
      expect(el.querySelector(".pnb-settings .pnb-panel-title")!.textContent).toBe(id);
    }
    // The two blocks were placed apart.
    const [a, b] = commands().map((c) => c.pos);
    expect(Math.abs(a[0] - b[0]) >= 184 || Math.abs(a[1] - b[1]) >= 58).toBe(true);
  });

  it("selects nothing when the add is refused", async () => {
    click(block("dense"));
    el.querySelector<HTMLElement>('.pnb-palette-item[data-type="Dense"]')!.click();
    model.reply(false, "Cannot add Dense");
    await flush();
    expect(model.get("selected")).toBe("dense");
    expect(el.querySelector(".pnb-status")!.textContent).toBe("Add Dense failed: Cannot add Dense");
  });
});

describe("toolbar", () => {
  it("disables undo and redo when the kernel has nothing to undo or redo", () => {
    const undo = el.querySelector<HTMLButtonElement>(".pnb-undo")!;
    const redo = el.querySelector<HTMLButtonElement>(".pnb-redo")!;
    expect([undo.disabled, redo.disabled]).toEqual([false, false]); // cnn() says nothing: on
    model.push("update", { version: 2, graph: { ...cnn(), can_undo: true, can_redo: false } });
    expect([undo.disabled, redo.disabled]).toEqual([false, true]);
  });

  it("copies the code to the clipboard", async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    el.querySelector<HTMLButtonElement>(".pnb-copy-code")!.click();
    const request = lastExport();
    expect(request).toEqual({ kind: "rpc", id: request.id, method: "export", params: { format: "code" } });
    model.reply(true, null, request.id, { format: "code", code: "import keras\nmodel = 1\n" });
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith("import keras\nmodel = 1\n"));
    await vi.waitFor(() => expect(el.querySelector(".pnb-status")!.textContent).toContain("Copied the model code (2 lines)"));
    expect(el.querySelector(".pnb-modal")).toBeNull();
  });

  it("shows the code in a dialog when the clipboard refuses", async () => {
    const writeText = vi.fn(async () => {
      throw new Error("denied");
    });
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    el.querySelector<HTMLButtonElement>(".pnb-copy-code")!.click();
    const { id } = lastExport();
    model.reply(true, null, id, { format: "code", code: "model = 2" });
    await vi.waitFor(() => expect(el.querySelector(".pnb-modal")).not.toBeNull());
    const text = el.querySelector<HTMLTextAreaElement>(".pnb-modal textarea")!;
    expect(text.value).toBe("model = 2");
    expect(document.activeElement).toBe(text);
    text.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    expect(el.querySelector(".pnb-modal")).toBeNull();
  });

  it("downloads the .keras file from the binary buffer, and shows export errors", async () => {
    const created: Blob[] = [];
    const createObjectURL = vi.fn((b: Blob) => {
      created.push(b);
      return "blob:pnb";
    });
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const clicked: string[] = [];
    const clickSpy = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    try {
      el.querySelector<HTMLButtonElement>(".pnb-export-keras")!.click();
      const { id } = lastExport();
      expect(lastExport().params).toEqual({ format: "keras" });
      const bytes = new Uint8Array([80, 75, 3, 4, 9]);
      model.reply(true, null, id, { format: "keras", filename: "cnn.keras", size: 5 }, [new DataView(bytes.buffer)]);
      await flush();
      expect(clicked).toEqual(["cnn.keras"]);
      expect(created[0].size).toBe(5);
      expect(el.querySelector(".pnb-status")!.textContent).toBe("Downloaded cnn.keras (5 B)");

      el.querySelector<HTMLButtonElement>(".pnb-export-keras")!.click();
      const second = lastExport().id;
      model.reply(false, "node 'pool' failed", second);
      await flush();
      expect(el.querySelector(".pnb-status")!.textContent).toBe("Export .keras failed: node 'pool' failed");
      expect(clicked).toHaveLength(1);
    } finally {
      clickSpy.mockRestore();
    }
  });
});

describe("locked while a training run uses the layers", () => {
  const REASON = "The canvas is locked while its training run 'digits-1' is in progress: stop the run first (run.stop()) or wait for it to end.";

  it("shows the lock on the toolbar, palette and form, and sends no edit", async () => {
    click(block("dense"));
    showDense();
    model.update("locked", REASON);
    const badge = el.querySelector<HTMLElement>(".pnb-toolbar .pnb-lock-badge")!;
    expect(badge.hidden).toBe(false);
    expect(badge.title).toBe(REASON);
    expect(el.querySelector(".pnb-canvas")!.classList.contains("pnb-locked")).toBe(true);
    expect(el.querySelector<HTMLButtonElement>(".pnb-undo")!.disabled).toBe(true);
    expect(el.querySelector<HTMLButtonElement>(".pnb-redo")!.disabled).toBe(true);
    const lockNote = el.querySelector<HTMLElement>(".pnb-palette-lock")!;
    expect(lockNote.hidden).toBe(false);
    expect(lockNote.textContent).toContain("stop the run first");
    const item = el.querySelector<HTMLButtonElement>('.pnb-palette-item[data-type="Dense"]')!;
    expect(item.disabled).toBe(true);
    item.click();
    expect(el.querySelector(".pnb-settings-lock-note")!.textContent).toBe(REASON);
    expect(control("units").disabled).toBe(true);
    expect(control("name").disabled).toBe(true);
    block("dense").dispatchEvent(new KeyboardEvent("keydown", { key: "Delete", bubbles: true, cancelable: true }));
    el.querySelector<HTMLElement>(".pnb-canvas")!.dispatchEvent(
      new KeyboardEvent("keydown", { key: "z", ctrlKey: true, bubbles: true, cancelable: true }),
    );
    expect(commands()).toEqual([]);
    expect(el.querySelector(".pnb-status")!.textContent).toBe(REASON);

    // Reading still works: selecting, the inspector's request, exports.
    click(block("conv2d"));
    expect(model.get("selected")).toBe("conv2d");
    expect(model.calls("preview_detail").at(-1).params).toEqual({ node: "conv2d", page: 0 });
    el.querySelector<HTMLButtonElement>(".pnb-copy-code")!.click();
    expect(lastExport().params).toEqual({ format: "code" });

    model.update("locked", "");
    expect(badge.hidden).toBe(true);
    expect(el.querySelector<HTMLButtonElement>('.pnb-palette-item[data-type="Dense"]')!.disabled).toBe(false);
    expect(el.querySelector<HTMLButtonElement>(".pnb-undo")!.disabled).toBe(false);
  });

  it("keeps what the user typed when the lock arrives", () => {
    click(block("dense"));
    showDense();
    const units = control("units");
    units.focus();
    units.value = "99";
    model.update("locked", REASON);
    expect(control("units").value).toBe("99");
    expect(control("units").disabled).toBe(true);
  });
});
