/**
 * anywidget entry of a comparison (`.pnb-compare`): overlaid curves per metric (x: epoch, step
 * or wall time; EMA smoothing with the raw curve faint behind; one color per run in every
 * panel), the differing-settings table (show all; best highlighted; baseline deltas) and the
 * architecture diff of the first two models as two synchronized canvases (`.pnb-block` with
 * `.pnb-diff-added / -removed / -changed`, see diff.ts).
 */
import "../theme.css";
import "./compare.css";
import type { AnyModel } from "../anymodel";
import { decodeArray } from "../codec";
import { el, option } from "../dom";
import { type BufferLike, Rpc, RpcError } from "../rpc";
import { type DiffData, type DiffView, renderDiff } from "./diff";
import type { DiffCanvasesPayload } from "./diff-canvas";
import { colorOf, ema, extent, formatValue, linePath } from "./series";

interface Curve {
  metric: string;
  run: number;
  value: Float32Array;
  epoch: Float32Array | null;
  step: Float32Array | null;
  wall: Float32Array | null;
}
interface Table {
  labels: string[];
  columns: string[];
  rows: unknown[][];
  best: Record<string, number>;
}
interface Payload {
  runs: { label: string; run_id: number | null; status: string | null }[];
  metrics: string[];
  baseline: number | null;
  curves: any[];
  table: Table;
  table_all: Table;
  diff: DiffData | null;
}

const SVG = "http://www.w3.org/2000/svg";
const W = 300;
const H = 170;
const PAD = { l: 46, r: 8, t: 18, b: 22 };
const X_LABEL: Record<string, string> = { epoch: "epoch", step: "step", wall: "seconds" };

function decodeCurves(raw: any[], buffers: BufferLike[]): Curve[] {
  const f = (d: unknown, name: string) => (d ? (decodeArray(d, buffers, name).data as Float32Array) : null);
  return raw.map((c, i) => ({
    metric: c.metric,
    run: c.run,
    value: f(c.value, `curves[${i}].value`) as Float32Array,
    epoch: f(c.epoch, `curves[${i}].epoch`),
    step: f(c.step, `curves[${i}].step`),
    wall: f(c.wall, `curves[${i}].wall`),
  }));
}

function render({ model, el: host }: { model: AnyModel; el: HTMLElement }): () => void {
  const doc = host.ownerDocument;
  const rpc = new Rpc(model);
  const root = el(doc, "div", "pnb-compare");
  const note = el(doc, "div", "pnb-compare-note", "Loading the comparison…");
  root.append(note);
  host.append(root);
  let data: Payload | null = null;
  let curves: Curve[] = [];
  let axis: "epoch" | "step" | "wall" = "epoch";
  let smoothing = 0.6;
  let showAll = false;

  const controls = el(doc, "div", "pnb-compare-controls");
  const axisSelect = el(doc, "select", "pnb-compare-axis");
  for (const a of ["epoch", "step", "wall"]) axisSelect.append(option(doc, a, `x: ${a === "wall" ? "wall time" : a}`));
  const slider = el(doc, "input", "pnb-compare-smoothing");
  slider.type = "range";
  slider.min = "0";
  slider.max = "0.99";
  slider.step = "0.01";
  slider.value = String(smoothing);
  const sliderLabel = el(doc, "label", "pnb-compare-smoothing-label");
  sliderLabel.append("Smoothing ", slider);
  const smoothText = el(doc, "span", "", smoothing.toFixed(2));
  sliderLabel.append(smoothText);
  controls.append(axisSelect, sliderLabel);
  const legend = el(doc, "div", "pnb-compare-legend");
  const panels = el(doc, "div", "pnb-compare-panels");
  const tableBox = el(doc, "div", "pnb-compare-tablebox");
  const diffBox = el(doc, "div", "pnb-compare-diffbox");

  function drawLegend(): void {
    legend.replaceChildren(
      ...data!.runs.map((r, i) => {
        const item = el(doc, "span", "pnb-compare-legend-item");
        const sw = el(doc, "span", "pnb-compare-swatch");
        sw.style.background = colorOf(i);
        item.append(sw, r.label + (data!.baseline === i ? " (baseline)" : ""));
        return item;
      }),
    );
  }

  function drawPanels(): void {
    const out: HTMLElement[] = [];
    for (const metric of data!.metrics) {
      const mine = curves.filter((c) => c.metric === metric);
      if (!mine.length) continue;
      const xsOf = (c: Curve) => c[axis] ?? c.epoch ?? c.value.map((_, i) => i + 1);
      const smooth = mine.map((c) => ema(c.value, smoothing));
      const [x0, x1] = extent(mine.map(xsOf));
      const [y0, y1] = extent(mine.map((c) => c.value));
      const sx = (v: number) => PAD.l + ((v - x0) / (x1 - x0 || 1)) * (W - PAD.l - PAD.r);
      const sy = (v: number) => H - PAD.b - ((v - y0) / (y1 - y0 || 1)) * (H - PAD.t - PAD.b);
      const panel = el(doc, "div", "pnb-compare-panel");
      panel.dataset.metric = metric;
      const svg = doc.createElementNS(SVG, "svg");
      svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
      svg.setAttribute("width", String(W));
      svg.setAttribute("height", String(H));
      const text = (x: number, y: number, s: string, anchor = "start", cls = "pnb-compare-tick") => {
        const t = doc.createElementNS(SVG, "text");
        t.setAttribute("x", String(x));
        t.setAttribute("y", String(y));
        t.setAttribute("text-anchor", anchor);
        t.setAttribute("class", cls);
        t.textContent = s;
        svg.append(t);
      };
      const frame = doc.createElementNS(SVG, "rect");
      frame.setAttribute("x", String(PAD.l));
      frame.setAttribute("y", String(PAD.t));
      frame.setAttribute("width", String(W - PAD.l - PAD.r));
      frame.setAttribute("height", String(H - PAD.t - PAD.b));
      frame.setAttribute("class", "pnb-compare-frame");
      svg.append(frame);
      text(PAD.l, 12, metric, "start", "pnb-compare-title");
      text(PAD.l - 4, PAD.t + 8, formatValue(y1), "end");
      text(PAD.l - 4, H - PAD.b, formatValue(y0), "end");
      text(PAD.l, H - 6, formatValue(x0));
      text(W - PAD.r, H - 6, `${formatValue(x1)} ${X_LABEL[axis]}`, "end");
      mine.forEach((c, k) => {
        const xs = xsOf(c);
        for (const [ys, cls] of [
          [c.value, "pnb-compare-raw"],
          [smooth[k], "pnb-compare-line"],
        ] as const) {
          if (cls === "pnb-compare-raw" && smoothing === 0) continue;
          const path = doc.createElementNS(SVG, "path");
          path.setAttribute("d", linePath(xs, ys, sx, sy));
          path.setAttribute("class", cls);
          path.setAttribute("stroke", colorOf(c.run));
          path.dataset.run = String(c.run);
          svg.append(path);
        }
      });
      panel.append(svg);
      out.push(panel);
    }
    panels.replaceChildren(...out);
  }

  function drawTable(): void {
    const t = showAll ? data!.table_all : data!.table;
    const toggle = el(doc, "label", "pnb-compare-showall");
    const box = el(doc, "input");
    box.type = "checkbox";
    box.checked = showAll;
    box.addEventListener("change", () => {
      showAll = box.checked;
      drawTable();
    });
    toggle.append(box, " Show all settings");
    const table = el(doc, "table", "pnb-compare-table");
    const head = el(doc, "tr");
    head.append(el(doc, "th", "", "run"), ...t.columns.map((c) => el(doc, "th", "", c)));
    table.append(head);
    t.rows.forEach((cells, i) => {
      const tr = el(doc, "tr");
      if (data!.baseline === i) tr.classList.add("pnb-compare-baseline");
      const name = el(doc, "td", "pnb-compare-run");
      const sw = el(doc, "span", "pnb-compare-swatch");
      sw.style.background = colorOf(i);
      name.append(sw, t.labels[i]);
      tr.append(name);
      cells.forEach((v, j) => {
        const td = el(doc, "td", typeof v === "number" ? "pnb-compare-num" : "", formatValue(v));
        if (typeof v === "string" && v.length > 24) td.title = v;
        if (t.best[t.columns[j]] === i) td.classList.add("pnb-best");
        tr.append(td);
      });
      table.append(tr);
    });
    const wrap = el(doc, "div", "pnb-compare-tablewrap");
    wrap.append(table);
    tableBox.replaceChildren(toggle, wrap);
  }

  axisSelect.addEventListener("change", () => {
    axis = axisSelect.value as typeof axis;
    drawPanels();
  });
  slider.addEventListener("input", () => {
    smoothing = Number(slider.value);
    smoothText.textContent = smoothing.toFixed(2);
    drawPanels();
  });

  let diffView: DiffView | null = null;
  /** Both models as canvases: asked after the curves are drawn (building them takes a moment). */
  function drawDiffCanvases(view: DiffView): void {
    rpc
      .call<DiffCanvasesPayload | null>("diff_canvases")
      .then(({ result, buffers }) => {
        if (!result) return view.fail("the kernel has no two architectures to draw");
        view.showCanvases(result, buffers);
        root.dataset.diffReady = "1";
      })
      .catch((e) => view.fail(e instanceof RpcError ? e.message : String(e)));
  }

  rpc
    .call<Payload>("data")
    .then(({ result, buffers }) => {
      data = result;
      curves = decodeCurves(result.curves, buffers);
      drawLegend();
      drawPanels();
      drawTable();
      diffView = renderDiff(doc, diffBox, result.diff);
      root.replaceChildren(controls, legend, panels, tableBox, diffBox);
      root.dataset.ready = "1";
      if (diffView) drawDiffCanvases(diffView);
    })
    .catch((e) => {
      note.textContent = e instanceof RpcError ? e.message : String(e);
      note.classList.add("pnb-compare-error");
    });

  return () => {
    diffView?.destroy();
    rpc.destroy();
  };
}

export default { render };
