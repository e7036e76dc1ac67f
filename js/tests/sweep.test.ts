// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { encodeArray } from "../src/codec";
import type { BufferLike } from "../src/rpc";
import widget from "../src/sweep/index";
import { progressText, type SweepRow, sortRows, statusText } from "../src/sweep/table";
import { FakeModel } from "./fake-model";

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
  document.body.innerHTML = "";
});

function row(trial: number, status: string, best: number | null, attempt = 1): SweepRow {
  return { trial, params: [2 ** (trial + 2)], status, attempt, epoch: 2, epochs: 3, best, seconds: 1.5, message: "", run_id: trial + 10 };
}

function state(buffers: BufferLike[], finished: number, done = false) {
  const arr = (values: number[]) => encodeArray(new Float32Array(values), [values.length], buffers);
  return {
    name: "cnn",
    objective: "val_loss",
    mode: "min",
    keys: ["dense.units"],
    finished,
    total: 3,
    eta: done ? 0 : 12,
    done,
    best: 1,
    rows: [row(0, "complete", 0.5), row(1, "running", 0.3, 2), row(2, "queued", null)],
    curves: [
      { trial: 0, value: arr([0.9, 0.5]), batch_x: arr([0.5, 1, 1.5, 2]), batch_loss: arr([1, 0.8, 0.6, 0.5]) },
      { trial: 1, value: arr([0.6, 0.3]), batch_x: arr([0.5, 1]), batch_loss: arr([0.7, 0.4]) },
      { trial: 2, value: arr([]), batch_x: arr([]), batch_loss: arr([]) },
    ],
    can_compare: true,
  };
}

describe("sweep table helpers", () => {
  it("sorts by any column with missing values last, and says Trial k/n with an ETA", () => {
    const rows = [row(0, "complete", 0.5), row(1, "running", 0.3), row(2, "queued", null)];
    expect(sortRows(rows, "best", false).map((r) => r.trial)).toEqual([1, 0, 2]);
    expect(sortRows(rows, "best", true).map((r) => r.trial)).toEqual([0, 1, 2]);
    expect(sortRows(rows, "param:0", true).map((r) => r.trial)).toEqual([2, 1, 0]);
    expect(progressText(1, 3, 75, false)).toBe("Trial 2/3 · ETA 1 min 15 s");
    expect(progressText(3, 3, 0, true)).toBe("3/3 trials finished");
    expect(statusText(row(1, "running", 0.3, 2))).toBe("running (retry 1)");
  });
});

describe("sweep widget", () => {
  it("shows progress, one row per trial, overlaid curves, and sends stop and compare calls", async () => {
    const model = new FakeModel({});
    const el = document.createElement("div");
    document.body.appendChild(el);
    cleanup = widget.render({ model: model as any, el });
    let buffers: BufferLike[] = [];
    model.reply(true, null, model.calls("state")[0].id, state(buffers, 1), buffers);
    await flush();
    const progress = el.querySelector(".pnb-sweep .pnb-progress")!;
    expect(progress.getAttribute("aria-valuenow")).toBe("1");
    expect(progress.textContent).toContain("Trial 2/3");
    expect(el.querySelectorAll(".pnb-sweep-row")).toHaveLength(3);
    expect(el.querySelector('.pnb-sweep-row[data-trial="1"]')!.textContent).toContain("running (retry 1)");
    expect(el.querySelector(".pnb-sweep-best")!.getAttribute("data-trial")).toBe("1");
    expect(el.querySelectorAll(".pnb-sweep-line")).toHaveLength(2);
    expect(el.querySelectorAll(".pnb-sweep-stop")).toHaveLength(2);

    (el.querySelector('.pnb-sweep-row[data-trial="1"] .pnb-sweep-stop') as HTMLButtonElement).click();
    expect(model.calls("stop")[0].params).toEqual({ trial: 1 });
    for (const t of [0, 1]) (el.querySelector(`.pnb-sweep-row[data-trial="${t}"] input`) as HTMLInputElement).click();
    (el.querySelector(".pnb-sweep-compare") as HTMLButtonElement).click();
    expect(model.calls("compare")[0].params).toEqual({ trials: [0, 1] });

    (el.querySelector('th[data-sort="best"]') as HTMLElement).click();
    expect([...el.querySelectorAll(".pnb-sweep-row")].map((r) => r.getAttribute("data-trial"))).toEqual(["1", "0", "2"]);

    buffers = [];
    model.emit("msg:custom", { kind: "rpc_push", topic: "state", seq: 1, data: state(buffers, 3, true) }, buffers);
    expect(progress.getAttribute("aria-valuenow")).toBe("3");
    expect(progress.textContent).toBe("3/3 trials finished");
    expect((el.querySelector(".pnb-sweep-stop-all") as HTMLButtonElement).disabled).toBe(true);
  });
});
