// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { colorOf, ema, extent, linePath } from "../src/compare/series";
import widget from "../src/hub/index";
import { formatDuration, type HubRow, visibleRows, windowOf } from "../src/hub/rows";
import { FakeModel } from "./fake-model";

function row(id: number, extra: Partial<HubRow> = {}): HubRow {
  return {
    id,
    name: `run ${id}`,
    status: "complete",
    progress: 100,
    duration: id * 10,
    metric: "val_loss",
    best: 1 / id,
    test_metric: null,
    test: null,
    exported: [],
    modified: 1_800_000_000 + id,
    params: 100,
    message: "",
    ...extra,
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
  document.body.innerHTML = "";
});

describe("hub rows", () => {
  const rows = [row(1), row(2, { status: "running", progress: 40 }), row(3, { name: "wide cnn", best: null })];

  it("sorts both ways with missing values last", () => {
    const view = { sort: "best" as const, descending: false, status: "", search: "" };
    expect(visibleRows(rows, view).map((r) => r.id)).toEqual([2, 1, 3]);
    expect(visibleRows(rows, { ...view, descending: true }).map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it("filters by status and searches name, id and status", () => {
    const view = { sort: "id" as const, descending: false, status: "", search: "" };
    expect(visibleRows(rows, { ...view, status: "running" }).map((r) => r.id)).toEqual([2]);
    expect(visibleRows(rows, { ...view, search: "WIDE" }).map((r) => r.id)).toEqual([3]);
    expect(visibleRows(rows, { ...view, search: "2" }).map((r) => r.id)).toEqual([2]);
  });

  it("windows a long list and formats durations", () => {
    expect(windowOf(10_000, 3000, 420, 30, 8)).toEqual([92, 122]);
    expect(windowOf(5, 0, 420, 30)).toEqual([0, 5]);
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(65)).toBe("1:05");
  });
});

describe("hub widget", () => {
  function mount() {
    const model = new FakeModel({ height: 300, formats: ["keras", "tflite"] });
    const el = document.createElement("div");
    document.body.appendChild(el);
    cleanup = widget.render({ model: model as any, el });
    return { model, el };
  }

  it("asks for the rows, draws only the visible ones and applies pushes", async () => {
    const { model, el } = mount();
    const call = model.calls("rows")[0];
    model.reply(true, null, call.id, { rows: Array.from({ length: 5000 }, (_, i) => row(i + 1)) });
    await flush();
    const drawn = el.querySelectorAll(".pnb-hub-row[data-run-id]");
    expect(drawn.length).toBeGreaterThan(5);
    expect(drawn.length).toBeLessThan(60);
    expect(drawn[0].getAttribute("data-run-id")).toBe("5000"); // newest first
    model.push("rows", { rows: [row(5000, { status: "running", progress: 42 })], removed: [4999] });
    const chip = el.querySelector('.pnb-hub-row[data-run-id="5000"] .pnb-chip')!;
    expect(chip.textContent).toBe("running 42%");
    expect(chip.classList.contains("pnb-chip-running")).toBe(true);
    expect(el.querySelector('.pnb-hub-row[data-run-id="4999"]')).toBeNull();
    expect(el.querySelector(".pnb-hub-count")!.textContent).toContain("4999 of 4999 runs");
  });

  it("deletes only after the inline confirmation, and compares the selection", async () => {
    const { model, el } = mount();
    model.reply(true, null, model.calls("rows")[0].id, { rows: [row(1), row(2)] });
    await flush();
    (el.querySelector('.pnb-hub-row[data-run-id="1"] .pnb-hub-delete') as HTMLButtonElement).click();
    expect(model.calls("delete")).toHaveLength(0);
    (el.querySelector('.pnb-hub-row[data-run-id="1"] .pnb-hub-confirm') as HTMLButtonElement).click();
    expect(model.calls("delete")[0].params).toEqual({ id: 1 });
    for (const box of el.querySelectorAll<HTMLInputElement>(".pnb-hub-select input")) box.click();
    const compare = el.querySelector(".pnb-hub-compare") as HTMLButtonElement;
    expect(compare.textContent).toBe("Compare (2)");
    compare.click();
    expect(model.calls("compare")[0].params).toEqual({ ids: [1, 2] });
  });
});

describe("compare series", () => {
  it("smooths with debiased EMA and leaves gaps", () => {
    const s = ema([1, 1, NaN, 1], 0.9);
    expect(Array.from(s).map((v) => (Number.isNaN(v) ? "nan" : v.toFixed(3)))).toEqual(["1.000", "1.000", "nan", "1.000"]);
    expect(Array.from(ema([0, 10], 0))).toEqual([0, 10]);
  });

  it("keeps 20 distinct colors and draws paths with gaps", () => {
    expect(new Set(Array.from({ length: 20 }, (_, i) => colorOf(i))).size).toBe(20);
    expect(extent([[3, NaN, 1]])).toEqual([1, 3]);
    expect(
      linePath(
        [1, 2, 3],
        [1, NaN, 3],
        (v) => v,
        (v) => v,
      ),
    ).toBe("M1.0,1.0M3.0,3.0");
  });
});
