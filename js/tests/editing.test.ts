// @vitest-environment happy-dom
// Editing through the canvas widget: the generated settings form, wiring with input-port choice,
// undo/redo availability, and the "Copy as code" / "Export .keras" buttons.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget from "../src/canvas/index";
import { cnn, nested, PALETTE } from "../dev/samples.mjs";
import type { FormField } from "../src/protocol";
import { FakeModel } from "./fake-model";

let model: FakeModel;
let el: HTMLElement;
let cleanup: () => void;

function mount(graph = cnn()) {
  model = new FakeModel({ graph_view: graph, selected: "", details: {}, palette: PALETTE, read_only: false, height: 480 });
  el = document.createElement("div");
  document.body.appendChild(el);
  cleanup = widget.render({ model, el });
}

const block = (id: string) => el.querySelector<HTMLElement>(`.pnb-block[data-node-id="${id}"]`)!;
const field = (k: string) => el.querySelector<HTMLElement>(`.pnb-field[data-key="${k}"]`)!;
const control = <T extends HTMLElement = HTMLInputElement>(k: string) => field(k).querySelector<T>(".pnb-field-input")!;
const errorOf = (k: string) => field(k).querySelector(".pnb-field-error")!.textContent;
const commands = () => model.sent.map((m) => m.command);
const lastExport = () => model.messages.filter((m) => m.kind === "export").at(-1);
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
            init.class_name === "GlorotUniform"
              ? [{ key: "seed", kind: "int", value: init.config.seed, nullable: true, editable: true }]
              : undefined,
        },
        { label: "HeNormal", value: HE },
      ],
      selected: init.class_name === "GlorotUniform" ? 0 : 1,
    },
    { key: "ragged", kind: "bool", value: false, nullable: false, editable: false },
  ];
}
function showDense(units = 32, init = GLOROT) {
  model.update("details", { id: "dense", type: "Dense", shape: `(None, ${units})`, params: 0, error: null, settings: {}, fields: denseFields(units, init) });
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

  it("shows why Keras refused a value and the value the layer kept", () => {
    const units = control("units");
    units.value = "-1";
    enter(units);
    expect(commands()).toEqual([{ op: "set", node: "dense", key: "units", value: -1 }]);
    expect(field("units").classList.contains("pnb-field-pending")).toBe(true);
    model.reply(false, "Received an invalid value for `units`, expected a positive integer. Received: units=-1");
    expect(errorOf("units")).toBe("Received an invalid value for `units`, expected a positive integer. Received: units=-1 Kept: 32.");
    expect(units.value).toBe("32");
    expect(field("units").classList.contains("pnb-field-pending")).toBe(false);
  });

  it("updates values in place on success, keeping focus, and rebuilds when the choices change", () => {
    const units = control("units");
    units.focus();
    units.value = "64";
    enter(units);
    model.reply(true);
    showDense(64);
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
    showDense(33); // e.g. an undo from Python while typing
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

  it("marks a cycle as refused, and shows the kernel's message on drop", () => {
    const shown = dragTo("dense_1", "conv2d", 0.5);
    expect(shown.invalid).toBe(true);
    expect(shown.hint).toBe("dense_1 → conv2d would create a cycle");
    expect(commands()).toEqual([{ op: "connect", src: "dense_1", dst: "conv2d" }]);
    model.reply(false, "Connecting 'dense_1' -> 'conv2d' would create a cycle.");
    const status = el.querySelector<HTMLElement>(".pnb-status")!;
    expect(status.hidden).toBe(false);
    expect(status.textContent).toBe("Connect failed: Connecting 'dense_1' -> 'conv2d' would create a cycle.");
  });
});

describe("adding from the palette", () => {
  it("selects the new block once its result and the new graph arrived, in either order", () => {
    for (const resultFirst of [true, false]) {
      el.querySelector<HTMLElement>('.pnb-palette-item[data-type="Dense"]')!.click();
      const cmd = commands().at(-1);
      expect(cmd.op).toBe("add");
      const g = structuredClone(model.get("graph_view"));
      g.version += 1;
      const id = `added_${resultFirst}`;
      g.nodes.push({ ...g.nodes[1], id, pos: cmd.pos });
      if (resultFirst) model.reply(true);
      model.update("graph_view", g);
      if (!resultFirst) model.reply(true);
      expect(model.get("selected")).toBe(id);
      expect(el.querySelector(".pnb-settings .pnb-panel-title")!.textContent).toBe(id);
    }
    // The two blocks were placed apart.
    const [a, b] = commands().map((c) => c.pos);
    expect(Math.abs(a[0] - b[0]) >= 184 || Math.abs(a[1] - b[1]) >= 58).toBe(true);
  });

  it("selects nothing when the add is refused", () => {
    click(block("dense"));
    el.querySelector<HTMLElement>('.pnb-palette-item[data-type="Dense"]')!.click();
    model.reply(false, "Cannot add Dense");
    model.update("graph_view", { ...cnn(), version: 5 });
    expect(model.get("selected")).toBe("dense");
  });
});

describe("toolbar", () => {
  it("disables undo and redo when the kernel has nothing to undo or redo", () => {
    const undo = el.querySelector<HTMLButtonElement>(".pnb-undo")!;
    const redo = el.querySelector<HTMLButtonElement>(".pnb-redo")!;
    expect([undo.disabled, redo.disabled]).toEqual([false, false]); // older kernels: always on
    model.update("graph_view", { ...cnn(), version: 2, can_undo: true, can_redo: false });
    expect([undo.disabled, redo.disabled]).toEqual([false, true]);
  });

  it("copies the code to the clipboard", async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    el.querySelector<HTMLButtonElement>(".pnb-copy-code")!.click();
    const request = lastExport();
    expect(request).toEqual({ kind: "export", id: request.id, format: "code" });
    model.emit("msg:custom", { kind: "export_result", id: request.id, format: "code", ok: true, error: null, code: "import keras\nmodel = 1\n" }, []);
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
    model.emit("msg:custom", { kind: "export_result", id, format: "code", ok: true, error: null, code: "model = 2" }, []);
    await vi.waitFor(() => expect(el.querySelector(".pnb-modal")).not.toBeNull());
    const text = el.querySelector<HTMLTextAreaElement>(".pnb-modal textarea")!;
    expect(text.value).toBe("model = 2");
    expect(document.activeElement).toBe(text);
    text.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    expect(el.querySelector(".pnb-modal")).toBeNull();
  });

  it("downloads the .keras file from the binary buffer, and shows export errors", () => {
    const created: Blob[] = [];
    const createObjectURL = vi.fn((b: Blob) => (created.push(b), "blob:pnb"));
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const clicked: string[] = [];
    const clickSpy = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    try {
      el.querySelector<HTMLButtonElement>(".pnb-export-keras")!.click();
      const { id } = lastExport();
      expect(lastExport()).toEqual({ kind: "export", id, format: "keras" });
      const bytes = new Uint8Array([80, 75, 3, 4, 9]);
      model.emit("msg:custom", { kind: "export_result", id, format: "keras", ok: true, error: null, filename: "cnn.keras", size: 5 }, [new DataView(bytes.buffer)]);
      expect(clicked).toEqual(["cnn.keras"]);
      expect(created[0].size).toBe(5);
      expect(el.querySelector(".pnb-status")!.textContent).toBe("Downloaded cnn.keras (5 B)");

      el.querySelector<HTMLButtonElement>(".pnb-export-keras")!.click();
      const second = lastExport().id;
      model.emit("msg:custom", { kind: "export_result", id: second, format: "keras", ok: false, error: "node 'pool' failed" }, []);
      expect(el.querySelector(".pnb-status")!.textContent).toBe("Export .keras failed: node 'pool' failed");
      expect(clicked).toHaveLength(1);
    } finally {
      clickSpy.mockRestore();
    }
  });
});
