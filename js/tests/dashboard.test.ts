// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { clampPercent, formatDuration, formatRate } from "../src/dashboard/format";
import widget from "../src/dashboard/index";
import { FakeModel } from "./fake-model";

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
  document.body.innerHTML = "";
});

function mount(state: Record<string, unknown>) {
  const model = new FakeModel(state);
  const el = document.createElement("div");
  document.body.appendChild(el);
  cleanup = widget.render({ model: model as any, el });
  return { model, el };
}

const running = {
  title: "digits_cnn",
  status: "running",
  message: "",
  note: "",
  epoch: 2,
  epochs: 10,
  step: 5,
  steps: 45,
  progress: 11.1,
  rate: 1234.5,
  rate_unit: "samples/s",
  eta: 75,
  elapsed: 3,
  controls: true,
  controls_note: "",
};

describe("format", () => {
  it("formats durations, rates and percentages", () => {
    expect(formatDuration(7)).toBe("0:07");
    expect(formatDuration(3723)).toBe("1:02:03");
    expect(formatDuration(null)).toBe("");
    expect(formatRate(1234.5)).toBe("1,235");
    expect(formatRate(12.34)).toBe("12.3");
    expect(clampPercent(140)).toBe(100);
    expect(clampPercent("x")).toBe(0);
  });
});

describe("header", () => {
  it("shows progress with aria-valuenow and calls control over the rpc", () => {
    const { model, el } = mount({ kind: "header", state: running });
    const bar = el.querySelector<HTMLElement>(".pnb-progress")!;
    expect(bar.getAttribute("aria-valuenow")).toBe("11.1");
    expect(bar.getAttribute("role")).toBe("progressbar");
    expect(el.querySelector(".pnb-run-status")!.getAttribute("data-status")).toBe("running");
    expect(el.querySelector(".pnb-dash-position")!.textContent).toBe("epoch 2/10 · batch 5/45");
    expect(el.querySelector(".pnb-rate")!.textContent).toBe("1,235 samples/s");
    expect(el.querySelector(".pnb-eta")!.textContent).toBe("ETA 1:15");
    const stop = el.querySelector<HTMLButtonElement>(".pnb-stop")!;
    stop.click();
    expect(model.messages).toEqual([{ kind: "rpc", id: expect.any(Number), method: "control", params: { action: "stop" } }]);
    expect(el.querySelector(".pnb-run-status")!.textContent).toBe("stopping…");
    model.reply(true, null, model.calls("control")[0].id, { action: "stop", status: "running" });
    expect(stop.disabled).toBe(true);
    model.update("state", { ...running, status: "stopped", message: "Stopped by you." });
    expect(el.querySelector(".pnb-run-status")!.textContent).toBe("stopped");
    expect(el.querySelector<HTMLElement>(".pnb-dash-message")!.hidden).toBe(false);
    expect(stop.disabled).toBe(true);
  });

  it("swaps Pause for Resume while paused", () => {
    const { model, el } = mount({ kind: "header", state: running });
    const pause = el.querySelector<HTMLButtonElement>(".pnb-pause")!;
    const resume = el.querySelector<HTMLButtonElement>(".pnb-resume")!;
    expect(resume.hidden).toBe(true);
    pause.click();
    expect(model.calls("control").at(-1).params).toEqual({ action: "pause" });
    model.update("state", { ...running, status: "paused" });
    expect(pause.hidden).toBe(true);
    expect(resume.hidden).toBe(false);
    resume.click();
    expect(model.calls("control").at(-1).params).toEqual({ action: "resume" });
  });

  it("shows the kernel's refusal and makes the button usable again", async () => {
    const { model, el } = mount({ kind: "header", state: running });
    const pause = el.querySelector<HTMLButtonElement>(".pnb-pause")!;
    const error = el.querySelector<HTMLElement>(".pnb-dash-error")!;
    expect(error.hidden).toBe(true);
    pause.click();
    expect(el.querySelector(".pnb-run-status")!.textContent).toBe("pausing…");
    expect(pause.disabled).toBe(true);
    const refusal = "The run has already ended (complete): there is nothing to pause.";
    model.reply(false, refusal, model.calls("control")[0].id);
    await Promise.resolve();
    expect(error.hidden).toBe(false);
    expect(error.textContent).toBe(refusal);
    expect(error.getAttribute("role")).toBe("alert");
    expect(el.querySelector(".pnb-run-status")!.textContent).toBe("running");
    expect(pause.disabled).toBe(false);
    // The next click clears the old refusal.
    pause.click();
    expect(error.hidden).toBe(true);
  });

  it("stops listening when the view closes, a pending call included", async () => {
    const { model, el } = mount({ kind: "header", state: running });
    el.querySelector<HTMLButtonElement>(".pnb-stop")!.click();
    cleanup?.();
    cleanup = null;
    expect(model.listenerCount()).toBe(0);
    await Promise.resolve();
    expect(el.querySelector(".pnb-dash-header")).toBeNull();
  });

  it("disables controls with the reason when the fit blocks the cell", () => {
    const note = "This fit blocks the cell";
    const { el } = mount({ kind: "header", state: { ...running, controls: false, controls_note: note } });
    const stop = el.querySelector<HTMLButtonElement>(".pnb-stop")!;
    expect(stop.disabled).toBe(true);
    expect(stop.title).toBe(note);
    expect(el.querySelector(".pnb-dash-note")!.textContent).toContain(note);
  });
});

describe("picker", () => {
  const graph = {
    nodes: [
      { id: "image", type: "InputLayer", category: "input", weights: false },
      { id: "conv", type: "Conv2D", category: "convolution", weights: true },
      { id: "dense", type: "Dense", category: "core", weights: true },
    ],
    edges: [
      { src: "image", dst: "conv" },
      { src: "conv", dst: "dense" },
    ],
  };

  it("draws the model and selects a layer with weights on click", () => {
    const { model, el } = mount({ kind: "picker", graph, selected: "conv" });
    const nodes = el.querySelectorAll(".pnb-pick-node");
    expect(nodes.length).toBe(3);
    expect(el.querySelectorAll(".pnb-picker-edge").length).toBe(2);
    expect(el.querySelector(".pnb-pick-selected")!.getAttribute("data-node-id")).toBe("conv");
    el.querySelector<SVGElement>('.pnb-pick-node[data-node-id="image"]')!.dispatchEvent(new MouseEvent("click"));
    expect(model.get("selected")).toBe("conv"); // no weights: not selectable
    el.querySelector<SVGElement>('.pnb-pick-node[data-node-id="dense"]')!.dispatchEvent(new MouseEvent("click"));
    expect(model.get("selected")).toBe("dense");
    expect(model.saves).toBe(1);
    expect(el.querySelector(".pnb-pick-selected")!.getAttribute("data-node-id")).toBe("dense");
  });
});

describe("table", () => {
  it("renders metric cards and rows", () => {
    const { model, el } = mount({
      kind: "table",
      table: {
        title: "Test",
        metrics: [{ label: "accuracy", value: "97.0 %" }],
        columns: ["class", "F1"],
        rows: [
          ["0", "0.990"],
          ["1", "0.950"],
        ],
      },
    });
    expect(el.querySelector(".pnb-metric-value")!.textContent).toBe("97.0 %");
    expect(el.querySelectorAll("tbody tr").length).toBe(2);
    model.update("table", { title: "Test", metrics: [], columns: [], rows: [], note: "n" });
    expect(el.querySelectorAll("tbody tr").length).toBe(0);
    expect(el.querySelector(".pnb-table-note")!.textContent).toBe("n");
  });

  it("reports an unknown part", () => {
    const { el } = mount({ kind: "nope" });
    expect(el.textContent).toContain("unknown dashboard part");
  });
});
