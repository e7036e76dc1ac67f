/**
 * The preview inspector of the selected block: the full-resolution output (paged by channel
 * groups for feature maps), the target `y` next to it when known, a value histogram and the
 * summary stats. It sits at the top of the `.pnb-settings` panel, which then scrolls as a whole,
 * so the settings form stays one scroll away. Full resolution is fetched on demand with the
 * `preview_detail` call (only the selected block's, as the kernel bounds thumbnails to 16 KB).
 */
import { decodeArray } from "./codec";
import { el } from "./dom";
import { type BufferLike, decodeItem, formatShape, formatValue, histogramRects, type Preview } from "./preview-data";
import { drawPreview, nonFiniteText, type PreviewLayer, statsTitle } from "./previews";
import type { PreviewDetail } from "./protocol";
import type { Rpc } from "./rpc";

/** Content width of the 280px settings panel. */
const PANEL_W = 256;
const HIST_H = 56;
const HIST_COLOR = "#4f8fd6";

export interface Detail {
  node: string;
  page: number;
  pages: number;
  item: Preview;
  histogram: { counts: Float32Array; lo: number; hi: number } | null;
  target: Preview | null;
}

/** Decodes the `detail` of a `preview_detail` result; null when there is none. */
export function decodeDetail(raw: unknown, buffers: readonly (BufferLike | null)[] = [], version = 0): Detail | null {
  const m = raw as Partial<PreviewDetail> | null;
  if (!m || typeof m !== "object" || !m.item || typeof m.node !== "string") return null;
  let histogram: Detail["histogram"] = null;
  const h = m.histogram;
  if (h && typeof h === "object") {
    try {
      const counts = decodeArray(h.counts, buffers, "histogram.counts");
      if (counts.data instanceof Float32Array) histogram = { counts: counts.data, lo: Number(h.lo), hi: Number(h.hi) };
    } catch {
      histogram = null; // a malformed histogram hides the histogram, not the preview
    }
  }
  return {
    node: m.node,
    page: Math.max(0, Number(m.page) || 0),
    pages: Math.max(1, Number(m.pages) || 1),
    item: decodeItem({ ...m.item, node: m.item.node ?? m.node }, buffers, version),
    histogram,
    target: m.target && typeof m.target === "object" ? decodeItem({ ...m.target, node: m.target.node ?? m.node }, buffers, version) : null,
  };
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best] || Number.isNaN(values[best])) best = i;
  return best;
}

function iconButton(doc: Document, cls: string, text: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = el(doc, "button", `pnb-icon-button ${cls}`, text);
  b.type = "button";
  b.title = label;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

/** Draws a histogram into `canvas` (CSS size w×h, device resolution). */
export function drawHistogram(canvas: HTMLCanvasElement, counts: Float32Array, lo: number, hi: number, w: number, h: number): void {
  const dpr = Math.min(2, canvas.ownerDocument.defaultView?.devicePixelRatio || 1);
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  canvas.dataset.bins = String(counts.length);
  let ctx: CanvasRenderingContext2D | null = null;
  try {
    ctx = canvas.getContext("2d");
  } catch {
    ctx = null;
  }
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = HIST_COLOR;
  for (const r of histogramRects(counts, w, h)) if (r.h > 0) ctx.fillRect(r.x, r.y, r.w, r.h);
  if (lo < 0 && hi > 0) {
    // Where zero falls: dead ReLU units pile up there.
    ctx.fillStyle = "rgba(128, 128, 128, 0.9)";
    ctx.fillRect(Math.round(((0 - lo) / (hi - lo)) * w) - 0.5, 0, 1, h);
  }
}

/** The `.pnb-inspector` section; `show(id)` follows the selection. */
export class Inspector {
  readonly el: HTMLDetailsElement;
  private readonly title: HTMLSpanElement;
  private readonly views: HTMLDivElement;
  private readonly pager: HTMLDivElement;
  private readonly pageText: HTMLSpanElement;
  private readonly prevBtn: HTMLButtonElement;
  private readonly nextBtn: HTMLButtonElement;
  private readonly hist: HTMLCanvasElement;
  private readonly histAxis: HTMLDivElement;
  private readonly histBox: HTMLDivElement;
  private readonly stats: HTMLDListElement;
  private readonly error: HTMLDivElement;
  private id = "";
  private page = 0;
  private detail: Detail | null = null;
  private outputEl: HTMLElement | null = null;
  /** Answers to requests older than the latest are dropped (a slow answer for an old page). */
  private asked = 0;

  constructor(
    private readonly doc: Document,
    private readonly rpc: Rpc,
    private readonly layer: PreviewLayer,
    /** The panel hosting this section; gets `pnb-has-inspector` while it is shown. */
    private readonly panel: HTMLElement,
  ) {
    this.el = el(doc, "details", "pnb-inspector");
    this.el.open = true;
    this.el.setAttribute("aria-label", "Layer output preview");
    const summary = el(doc, "summary", "pnb-inspector-head");
    this.title = el(doc, "span", "pnb-inspector-title", "Output of the previewed sample");
    summary.append(this.title);
    this.views = el(doc, "div", "pnb-inspector-views");
    this.pager = el(doc, "div", "pnb-inspector-pager");
    this.prevBtn = iconButton(doc, "pnb-inspector-prev", "‹", "Previous channels", () => this.request(this.page - 1));
    this.nextBtn = iconButton(doc, "pnb-inspector-next", "›", "Next channels", () => this.request(this.page + 1));
    this.pageText = el(doc, "span", "pnb-inspector-page");
    this.pager.append(this.prevBtn, this.pageText, this.nextBtn);
    this.histBox = el(doc, "div", "pnb-inspector-hist");
    this.hist = el(doc, "canvas", "pnb-histogram");
    this.hist.setAttribute("role", "img");
    this.histAxis = el(doc, "div", "pnb-histogram-axis");
    this.histBox.append(el(doc, "div", "pnb-inspector-label", "Value histogram"), this.hist, this.histAxis);
    this.stats = el(doc, "dl", "pnb-inspector-stats");
    this.error = el(doc, "div", "pnb-inspector-error");
    this.el.append(summary, this.error, this.views, this.pager, this.histBox, this.stats);
    this.render();
  }

  /** Follows the selection; asks the kernel for full resolution when it changes. */
  show(id: string): void {
    if (id === this.id) return;
    this.id = id;
    this.page = 0;
    this.detail = null;
    if (id) this.request(0);
    this.render();
  }

  /** The thumbnails of `ids` changed: refresh the selected one at full resolution too. */
  previewsChanged(ids: string[]): void {
    if (!this.id || !ids.includes(this.id)) return;
    if (this.layer.store.get(this.id)) this.request(this.page);
    else this.detail = null;
    this.render();
  }

  private request(page: number): void {
    if (!this.id || !this.layer.enabled) return;
    const pages = this.detail?.pages ?? 1;
    page = Math.max(0, Math.min(page, pages - 1));
    const id = this.id;
    const asked = ++this.asked;
    this.rpc.call<{ version: number; detail: unknown }>("preview_detail", { node: id, page }).then(
      ({ result, buffers }) => {
        if (id !== this.id || asked !== this.asked) return; // late answer for an old selection
        const d = decodeDetail(result.detail, buffers, result.version);
        if (!d) return;
        this.detail = d;
        this.page = d.page;
        this.render();
      },
      () => {}, // e.g. the block went away meanwhile: the thumbnail stays what is shown
    );
  }

  private render(): void {
    const thumb = this.id ? this.layer.store.get(this.id) : undefined;
    const d = this.detail;
    const item = d?.item ?? thumb ?? null;
    // A layer that failed to build already shows its message in the settings below.
    const shownBelow = !!item?.error && !item.data && !!this.layer.node(this.id)?.error;
    const visible = !!item && this.layer.enabled && !shownBelow;
    this.el.hidden = !visible;
    this.panel.classList.toggle("pnb-has-inspector", visible);
    if (!item || !visible) {
      this.views.replaceChildren();
      this.outputEl = null;
      return;
    }
    const target = d?.target ?? null;
    this.title.textContent = `Output of the ${this.layer.store.synthetic ? "synthetic" : "previewed"} sample`;
    this.error.hidden = !item.error;
    this.error.textContent = item.error ?? "";
    // Failed on the sample: the message is all there is to show.
    const failed = !!item.error && !item.data;
    for (const part of [this.views, this.stats]) part.hidden = failed;
    if (failed) {
      this.views.replaceChildren();
      this.outputEl = null;
      this.pager.hidden = this.histBox.hidden = true;
      return;
    }

    // Output (and target beside it): half the width each when both are shown.
    const w = target ? (PANEL_W - 8) / 2 : PANEL_W;
    const box = { w, h: target ? 150 : 200 };
    const out = this.figure(item, box, "output", this.outputEl);
    this.outputEl = out.querySelector(".pnb-preview");
    const figs = [out];
    if (target) figs.push(this.figure(target, box, "target y", null, "pnb-inspector-target"));
    this.views.replaceChildren(...figs);

    // Channel pager for feature-map grids.
    const pages = d?.pages ?? 1;
    this.pager.hidden = pages <= 1;
    if (pages > 1) {
      const g = item.grid;
      const shown = g?.shown || 0;
      // Every page but the last holds the same number of channels; the last holds the rest.
      const first = this.page >= pages - 1 && g ? g.channels - shown + 1 : this.page * shown + 1;
      this.pageText.textContent =
        g && shown ? `channels ${first}–${Math.min(g.channels, first + shown - 1)} of ${g.channels}` : `page ${this.page + 1} of ${pages}`;
      this.prevBtn.disabled = this.page <= 0;
      this.nextBtn.disabled = this.page >= pages - 1;
    }

    const h = d?.histogram;
    const any = !!h && Array.prototype.some.call(h.counts, (c: number) => c > 0);
    this.histBox.hidden = !any;
    if (h && any) {
      drawHistogram(this.hist, h.counts, h.lo, h.hi, PANEL_W, HIST_H);
      this.hist.setAttribute("aria-label", `Histogram of ${h.counts.length} bins from ${formatValue(h.lo)} to ${formatValue(h.hi)}`);
      this.histAxis.replaceChildren(el(this.doc, "span", "", formatValue(h.lo)), el(this.doc, "span", "", formatValue(h.hi)));
    }
    this.renderStats(item);
  }

  private figure(p: Preview, box: { w: number; h: number }, label: string, prev: HTMLElement | null, cls = ""): HTMLElement {
    const fig = el(this.doc, "figure", `pnb-inspector-view ${cls}`.trim());
    fig.style.width = `${box.w}px`;
    const area = el(this.doc, "div", "pnb-inspector-area");
    area.style.minHeight = `${Math.min(box.h, 64)}px`;
    area.appendChild(drawPreview(this.doc, p, box, prev, true));
    const cap = el(this.doc, "figcaption", "pnb-inspector-caption");
    // For class scores, the winning index is what one compares against the target.
    cap.append(el(this.doc, "span", "pnb-inspector-name", label), el(this.doc, "span", "pnb-inspector-shape", formatShape(p.shape)));
    if (p.kind === "bars" && p.data && p.data.length > 1) cap.append(el(this.doc, "span", "pnb-inspector-argmax", `argmax ${argmax(p.data)}`));
    fig.append(area, cap);
    fig.title = statsTitle(p);
    return fig;
  }

  private renderStats(p: Preview): void {
    const s = p.stats;
    const rows: [string, string, boolean][] = [
      ["min", formatValue(s.min), false],
      ["mean", formatValue(s.mean), false],
      ["max", formatValue(s.max), false],
      ["std", formatValue(s.std), false],
      ["dead units", `${formatValue(s.zero_frac * 100)} %`, false],
      ["NaN", String(s.nan), s.nan > 0],
      ["Inf", String(s.inf), s.inf > 0],
    ];
    const parts: HTMLElement[] = [];
    for (const [k, v, bad] of rows) {
      const dt = el(this.doc, "dt", bad ? "pnb-stat-bad" : "", k);
      const dd = el(this.doc, "dd", bad ? "pnb-stat-bad" : "", v);
      dt.dataset.stat = dd.dataset.stat = k;
      parts.push(dt, dd);
    }
    this.stats.replaceChildren(...parts);
    this.stats.classList.toggle("pnb-inspector-nonfinite", !!nonFiniteText(p));
  }

  destroy(): void {
    this.asked = -1;
    this.panel.classList.remove("pnb-has-inspector");
    this.el.remove();
  }
}
