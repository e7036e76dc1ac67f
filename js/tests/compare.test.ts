// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { encodeArray } from "../src/codec";
import widget from "../src/compare/index";
import type { BufferLike } from "../src/rpc";
import { FakeModel } from "./fake-model";

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
  document.body.innerHTML = "";
});

function payload(buffers: BufferLike[]) {
  const arr = (values: number[]) => encodeArray(new Float32Array(values), [values.length], buffers);
  const curve = (run: number, values: number[]) => ({
    metric: "loss",
    run,
    value: arr(values),
    epoch: arr(values.map((_, i) => i + 1)),
    step: null,
    wall: arr(values.map((_, i) => i * 2)),
  });
  const table = {
    labels: ["#1 small", "#2 wide"],
    columns: ["conv.filters", "loss best", "loss last"],
    rows: [
      [4, 0.6, 0.7],
      [8, 0.4, 0.4],
    ],
    best: { "loss best": 1 },
  };
  return {
    runs: [
      { label: "#1 small", run_id: 1, status: "complete" },
      { label: "#2 wide", run_id: 2, status: "complete" },
    ],
    metrics: ["loss"],
    higher: { loss: false },
    baseline: 0,
    curves: [curve(0, [1, 0.6, 0.7]), curve(1, [0.9, 0.5, 0.4])],
    table,
    table_all: {
      ...table,
      columns: [...table.columns, "batch_size"],
      rows: [
        [4, 0.6, 0.7, 32],
        [8, 0.4, 0.4, 32],
      ],
    },
    diff: {
      left: {
        label: "#1 small",
        params: 100,
        nodes: [
          { id: "conv", type: "Conv2D", status: "changed", changes: [["filters", "4", "8"]] },
          { id: "drop", type: "Dropout", status: "removed", changes: [] },
        ],
      },
      right: {
        label: "#2 wide",
        params: 180,
        nodes: [
          { id: "conv", type: "Conv2D", status: "changed", changes: [["filters", "4", "8"]] },
          { id: "extra", type: "Dense", status: "added", changes: [] },
        ],
      },
      params_delta: 80,
      edges_added: 1,
      edges_removed: 1,
    },
  };
}

describe("compare widget", () => {
  it("draws one colored curve per run, the table with the best marked and the diff classes", async () => {
    const model = new FakeModel({});
    const el = document.createElement("div");
    document.body.appendChild(el);
    cleanup = widget.render({ model: model as any, el });
    const buffers: BufferLike[] = [];
    const data = payload(buffers);
    model.reply(true, null, model.calls("data")[0].id, data, buffers);
    await flush();
    const lines = el.querySelectorAll(".pnb-compare-panel[data-metric=loss] .pnb-compare-line");
    expect(lines).toHaveLength(2);
    expect(lines[0].getAttribute("stroke")).not.toBe(lines[1].getAttribute("stroke"));
    expect(el.querySelectorAll(".pnb-compare-raw")).toHaveLength(2);
    expect(el.querySelector(".pnb-best")!.textContent).toBe("0.4");
    expect(el.querySelector(".pnb-compare-baseline")!.textContent).toContain("#1 small");
    expect(el.querySelectorAll(".pnb-compare-table th")).toHaveLength(4);
    (el.querySelector(".pnb-compare-showall input") as HTMLInputElement).click();
    expect(el.querySelectorAll(".pnb-compare-table th")).toHaveLength(5);
    // The diff's canvases come from a second call, once the curves are drawn.
    expect(el.querySelector(".pnb-diff-note")!.textContent).toContain("Drawing both models");
    const side = (ids: string[]) => ({
      label: "",
      view: { nodes: ids.map((id) => ({ id, type: "Dense", category: "core", shape: "(None, 4)" })), edges: [] },
      previews: null,
    });
    model.reply(true, null, model.calls("diff_canvases")[0].id, { left: side(["conv", "drop"]), right: side(["conv", "extra"]), sample: false });
    await flush();
    expect(el.querySelector('[data-side="left"] .pnb-block.pnb-diff-removed[data-node-id="drop"]')).not.toBeNull();
    expect(el.querySelector('[data-side="right"] .pnb-block.pnb-diff-added[data-node-id="extra"]')).not.toBeNull();
    const changed = el.querySelectorAll<HTMLElement>('.pnb-block.pnb-diff-changed[data-node-id="conv"]');
    expect(changed).toHaveLength(2);
    expect(changed[1].title).toBe("filters: 4 → 8");
    expect(el.querySelectorAll(".pnb-block:not(.pnb-diff-added, .pnb-diff-removed, .pnb-diff-changed)")).toHaveLength(0);
    expect(el.querySelector(".pnb-diff-note")).toBeNull();
    expect(el.querySelector(".pnb-compare")!.getAttribute("data-diff-ready")).toBe("1");
    expect(el.querySelector('.pnb-diff-change[data-node-id="conv"] .pnb-diff-setting')!.textContent).toBe("filters: 4 → 8");
    expect(el.querySelector(".pnb-diff-summary")!.textContent).toContain("1 added, 1 removed, 1 changed · parameters +80");
    const axis = el.querySelector(".pnb-compare-axis") as HTMLSelectElement;
    axis.value = "wall";
    axis.dispatchEvent(new Event("change"));
    expect(el.querySelector(".pnb-compare-panel")!.textContent).toContain("seconds");
  });
});
