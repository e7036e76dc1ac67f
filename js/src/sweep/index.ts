/**
 * anywidget entry of a sweep (`.pnb-sweep`): "Trial k/n" with an ETA on a
 * `.pnb-progress[aria-valuenow]` (finished trials), overlaid curves of every trial (the
 * objective per epoch, or the loss per batch, drawn with the comparison view's helpers), and a
 * live sortable table, one `.pnb-sweep-row[data-trial]` per trial, with Stop all, stop one and
 * Compare selected. State arrives whole: one `state` call, then `state` pushes (at most two a
 * second, sent by the kernel's publisher thread).
 */
import "../theme.css";
import "./sweep.css";
import type { AnyModel } from "../anymodel";
import { decodeArray } from "../codec";
import { colorOf, extent, formatValue, linePath } from "../compare/series";
import { el } from "../dom";
import { type BufferLike, Rpc, RpcError } from "../rpc";
import { formatDuration, LIVE, progressText, type SortKey, type SweepRow, sortRows, statusText } from "./table";

interface State {
  name: string;
  objective: string;
  mode: string;
  keys: string[];
  finished: number;
  total: number;
  eta: number | null;
  done: boolean;
  best: number | null;
  rows: SweepRow[];
  curves: { trial: number; value: unknown; batch_x: unknown; batch_loss: unknown }[];
  can_compare: boolean;
}

const SVG = "http://www.w3.org/2000/svg";
const H = 200;
const PAD = { l: 48, r: 10, t: 10, b: 24 };

function svg(doc: Document, tag: string, attrs: Record<string, string | number>): SVGElement {
  const node = doc.createElementNS(SVG, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function render({ model, el: host }: { model: AnyModel; el: HTMLElement }): () => void {
  const doc = host.ownerDocument;
  const rpc = new Rpc(model);
  let state: State | null = null;
  let buffers: BufferLike[] = [];
  let sort: SortKey = "trial";
  let descending = false;
  let view: "epoch" | "batch" = "epoch";
  const selected = new Set<number>();

  const root = el(doc, "div", "pnb-sweep");
  const head = el(doc, "div", "pnb-sweep-head");
  const title = el(doc, "span", "pnb-sweep-title", "Sweep");
  const progress = el(doc, "div", "pnb-progress");
  progress.setAttribute("role", "progressbar");
  progress.setAttribute("aria-valuemin", "0");
  progress.setAttribute("aria-valuenow", "0");
  const bar = el(doc, "div", "pnb-progress-bar");
  const text = el(doc, "span", "pnb-progress-text", "Starting…");
  progress.append(bar, text);
  const stopAll = el(doc, "button", "pnb-sweep-stop-all", "Stop all");
  const compare = el(doc, "button", "pnb-sweep-compare", "Compare selected");
  const chooser = el(doc, "select", "pnb-sweep-view");
  for (const [value, label] of [
    ["epoch", "objective by epoch"],
    ["batch", "loss by batch"],
  ]) {
    const opt = el(doc, "option", "", label);
    opt.value = value;
    chooser.append(opt);
  }
  head.append(title, progress, chooser, compare, stopAll);
  const note = el(doc, "div", "pnb-sweep-note");
  const chart = svg(doc, "svg", { class: "pnb-sweep-chart", height: H });
  const table = el(doc, "table", "pnb-sweep-table");
  root.append(head, note, chart, table);
  host.append(root);

  const say = (message: string, error = false) => {
    note.textContent = message;
    note.classList.toggle("pnb-sweep-error", error);
  };
  const call = (method: string, params: Record<string, unknown>) =>
    rpc.call(method, params).catch((e: unknown) => say(e instanceof RpcError ? e.message : String(e), true));

  stopAll.onclick = () => {
    stopAll.disabled = true;
    call("stop", {});
  };
  compare.onclick = () => call("compare", { trials: [...selected] });
  chooser.onchange = () => {
    view = chooser.value as "epoch" | "batch";
    drawChart();
  };

  function apply(next: State, bufs: BufferLike[]): void {
    state = next;
    buffers = bufs;
    title.textContent = `${next.name} · ${next.objective} (${next.mode})`;
    progress.setAttribute("aria-valuemax", String(next.total));
    progress.setAttribute("aria-valuenow", String(next.finished));
    progress.dataset.done = String(next.done);
    bar.style.width = `${next.total ? (100 * next.finished) / next.total : 0}%`;
    text.textContent = progressText(next.finished, next.total, next.eta, next.done);
    stopAll.disabled = next.done;
    compare.disabled = !next.can_compare || selected.size < 2;
    drawTable();
    drawChart();
  }

  function drawTable(): void {
    if (!state) return;
    const columns: [SortKey, string][] = [
      ["trial", "#"],
      ...state.keys.map((k, i): [SortKey, string] => [`param:${i}`, k]),
      ["status", "Status"],
      ["epoch", "Epoch"],
      ["best", `Best ${state.objective}`],
      ["seconds", "Time"],
    ];
    const thead = el(doc, "thead");
    const hr = el(doc, "tr");
    hr.append(el(doc, "th", "pnb-sweep-select"));
    for (const [key, label] of columns) {
      const th = el(doc, "th", key === sort ? `pnb-sweep-sorted${descending ? " pnb-sweep-desc" : ""}` : "", label);
      th.dataset.sort = key;
      th.onclick = () => {
        descending = key === sort ? !descending : false;
        sort = key;
        drawTable();
      };
      hr.append(th);
    }
    hr.append(el(doc, "th"));
    thead.append(hr);
    const tbody = el(doc, "tbody");
    for (const row of sortRows(state.rows, sort, descending)) {
      const tr = el(doc, "tr", "pnb-sweep-row");
      tr.dataset.trial = String(row.trial);
      tr.dataset.status = row.status;
      if (row.trial === state.best) tr.classList.add("pnb-sweep-best");
      const pick = el(doc, "input");
      pick.type = "checkbox";
      pick.checked = selected.has(row.trial);
      pick.onchange = () => {
        if (pick.checked) selected.add(row.trial);
        else selected.delete(row.trial);
        compare.disabled = !state?.can_compare || selected.size < 2;
      };
      const cell = el(doc, "td", "pnb-sweep-select");
      cell.append(pick);
      tr.append(cell);
      const swatch = el(doc, "td", "pnb-sweep-num", String(row.trial));
      swatch.style.borderLeft = `4px solid ${colorOf(row.trial)}`;
      tr.append(swatch);
      for (const value of row.params) tr.append(el(doc, "td", "pnb-sweep-num", formatValue(value)));
      const status = el(doc, "td", "");
      const chip = el(doc, "span", `pnb-chip pnb-chip-${row.status}`, statusText(row));
      if (row.message) chip.title = row.message;
      status.append(chip);
      tr.append(status);
      tr.append(el(doc, "td", "pnb-sweep-num", `${row.epoch}/${row.epochs}`));
      tr.append(el(doc, "td", "pnb-sweep-num", formatValue(row.best)));
      tr.append(el(doc, "td", "pnb-sweep-num", formatDuration(row.seconds)));
      const actions = el(doc, "td");
      if (LIVE.has(row.status)) {
        const stop = el(doc, "button", "pnb-sweep-stop", "Stop");
        stop.onclick = () => {
          stop.disabled = true;
          call("stop", { trial: row.trial });
        };
        actions.append(stop);
      }
      tr.append(actions);
      tbody.append(tr);
    }
    table.replaceChildren(thead, tbody);
  }

  function drawChart(): void {
    chart.replaceChildren();
    if (!state) return;
    // Drawn at the element's own width, so text is never stretched (no non-uniform viewBox).
    const W = Math.max(240, Math.round(chart.getBoundingClientRect().width) || 520);
    chart.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const series: { trial: number; xs: Float32Array; ys: Float32Array }[] = [];
    state.curves.forEach((c, i) => {
      const ys = decodeArray(view === "epoch" ? c.value : c.batch_loss, buffers, `curves[${i}]`).data as Float32Array;
      const xs =
        view === "epoch" ? Float32Array.from(ys, (_, k) => k + 1) : (decodeArray(c.batch_x, buffers, `curves[${i}].batch_x`).data as Float32Array);
      if (ys.length) series.push({ trial: c.trial, xs, ys });
    });
    if (!series.length) {
      const t = svg(doc, "text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "pnb-sweep-axis" });
      t.textContent = "Curves appear with the first metrics.";
      chart.append(t);
      return;
    }
    const [x0, x1] = extent(series.map((s) => s.xs));
    const [y0, y1] = extent(series.map((s) => s.ys));
    const sx = (v: number) => PAD.l + ((v - x0) / (x1 - x0 || 1)) * (W - PAD.l - PAD.r);
    const sy = (v: number) => H - PAD.b - ((v - y0) / (y1 - y0 || 1)) * (H - PAD.t - PAD.b);
    chart.append(svg(doc, "path", { d: `M${PAD.l},${PAD.t}V${H - PAD.b}H${W - PAD.r}`, class: "pnb-sweep-frame" }));
    for (const [v, y] of [
      [y1, PAD.t + 8],
      [y0, H - PAD.b],
    ] as const) {
      const t = svg(doc, "text", { x: PAD.l - 4, y, "text-anchor": "end", class: "pnb-sweep-axis" });
      t.textContent = formatValue(v);
      chart.append(t);
    }
    for (const [v, x, anchor] of [
      [x0, PAD.l, "start"],
      [x1, W - PAD.r, "end"],
    ] as const) {
      const t = svg(doc, "text", { x, y: H - 6, "text-anchor": anchor, class: "pnb-sweep-axis" });
      t.textContent = formatValue(v);
      chart.append(t);
    }
    const label = svg(doc, "text", { x: (PAD.l + W - PAD.r) / 2, y: H - 6, "text-anchor": "middle", class: "pnb-sweep-axis" });
    label.textContent = view === "epoch" ? `${state.objective} by epoch` : "loss per batch, by epoch";
    chart.append(label);
    for (const s of series) {
      const best = s.trial === state.best;
      chart.append(
        svg(doc, "path", {
          d: linePath(s.xs, s.ys, sx, sy),
          stroke: colorOf(s.trial),
          class: `pnb-sweep-line${best ? " pnb-sweep-line-best" : ""}`,
          "data-trial": s.trial,
        }),
      );
    }
  }

  const off = rpc.on("state", (data, bufs) => apply(data as State, bufs));
  rpc
    .call<State>("state")
    .then(({ result, buffers: bufs }) => apply(result, bufs))
    .catch((e: unknown) => say(e instanceof RpcError ? e.message : String(e), true));
  return () => {
    off();
    rpc.destroy();
  };
}

export default { render };
