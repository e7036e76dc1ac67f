/**
 * Block thumbnails: the first sample after each layer, drawn as `.pnb-preview` inside each
 * block's `.pnb-thumb` slot. The kernel's `update` pushes carry the changed nodes only (see
 * protocol.ts); the canvas store keeps them in a {@link PreviewStore}; this module redraws only
 * the nodes that changed, and re-attaches the already drawn elements when the renderer rebuilds a
 * block, so a graph redraw never repaints pixels. Blocks grow only for nodes that have a
 * preview, so graphs without previews stay compact.
 */

import { el } from "./dom";
import {
  barRects,
  formatShape,
  formatValue,
  hasNonFinite,
  imagePixels,
  lineSegments,
  nonFiniteIndices,
  type Pixels,
  type Preview,
  type PreviewStore,
  valueRange,
} from "./preview-data";
import type { GraphNode } from "./protocol";
import type { Rpc } from "./rpc";

/** Drawing area of a thumbnail, in CSS pixels (a block is 184 wide; strip and padding take 24). */
export const THUMB_BOX = { w: 158, h: 64 };
/** Slot heights added to a block: picture + stats line; stats only; a preview error. */
export const THUMB_SLOT = 84;
export const STATS_SLOT = 18;
export const ERROR_SLOT = 30;

// Fixed colours: mid-tones that read on light and dark backgrounds alike, like the colormaps.
const COLORS = { pos: "#4f8fd6", neg: "#e0803a", nan: "#e53935", base: "rgba(128, 128, 128, 0.8)" };
const TOKEN_LIMIT = { thumb: 48, full: 2048 };

export interface Box {
  w: number;
  h: number;
}

function reuseCanvas(doc: Document, prev: HTMLElement | null): HTMLCanvasElement {
  return prev instanceof HTMLCanvasElement || prev?.tagName === "CANVAS" ? (prev as HTMLCanvasElement) : doc.createElement("canvas");
}

function context(c: HTMLCanvasElement): CanvasRenderingContext2D | null {
  try {
    return c.getContext("2d"); // null in DOM-only environments (tests): the pixels are tested pure
  } catch {
    return null;
  }
}

/**
 * Image kinds: one canvas pixel per image pixel, scaled by CSS (integer factors stay crisp).
 * `stretch` (heatmaps, whose aspect means nothing) fills the box instead of keeping the aspect.
 */
function drawImage(doc: Document, px: Pixels, box: Box, prev: HTMLElement | null, stretch: boolean): HTMLCanvasElement {
  const c = reuseCanvas(doc, prev);
  c.width = px.width;
  c.height = px.height;
  const ctx = context(c);
  if (ctx && typeof ImageData !== "undefined") ctx.putImageData(new ImageData(px.data as Uint8ClampedArray<ArrayBuffer>, px.width, px.height), 0, 0);
  let sx = Math.min(box.w / px.width, box.h / px.height);
  if (sx >= 1) sx = Math.floor(sx);
  let sy = sx;
  if (stretch) {
    sx = box.w / px.width;
    sy = Math.min(box.h, Math.max(24, px.height * 4)) / px.height;
  }
  c.style.width = `${Math.max(1, Math.round(px.width * sx))}px`;
  c.style.height = `${Math.max(1, Math.round(px.height * sy))}px`;
  c.classList.toggle("pnb-preview-pixelated", sx >= 1 && sy >= 1);
  return c;
}

/** bars / line: drawn as vectors at device resolution. */
function drawVector(doc: Document, p: Preview, box: Box, prev: HTMLElement | null): HTMLCanvasElement {
  const c = reuseCanvas(doc, prev);
  const values = p.data!;
  // Few bars would be absurdly wide across the whole box; cap their width.
  const w = p.kind === "bars" ? Math.min(box.w, Math.max(box.w / 3, values.length * 14)) : box.w;
  const h = box.h;
  const dpr = Math.min(2, doc.defaultView?.devicePixelRatio || 1);
  c.width = Math.round(w * dpr);
  c.height = Math.round(h * dpr);
  c.style.width = `${w}px`;
  c.style.height = `${h}px`;
  c.classList.remove("pnb-preview-pixelated");
  const ctx = context(c);
  if (!ctx) return c;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const range = valueRange(p);
  const pad = 2; // keeps the line's stroke and the extreme bars inside the canvas
  if (p.kind === "bars") {
    const { bars, zeroY } = barRects(values, range, w, h - pad);
    for (const b of bars) {
      ctx.fillStyle = COLORS[b.kind];
      ctx.fillRect(b.x, b.y + pad / 2, b.w, b.h);
    }
    ctx.fillStyle = COLORS.base;
    ctx.fillRect(0, Math.round(zeroY + pad / 2) - 0.5, w, 1);
  } else {
    const [lo, hi] = range;
    const zeroY = h - pad / 2 - ((0 - lo) / (hi - lo)) * (h - pad);
    ctx.fillStyle = COLORS.base;
    ctx.fillRect(0, Math.round(zeroY) - 0.5, w, 1);
    ctx.strokeStyle = COLORS.pos;
    ctx.lineWidth = 1.25;
    ctx.lineJoin = "round";
    for (const seg of lineSegments(values, range, w - pad, h - pad)) {
      ctx.beginPath();
      ctx.moveTo(seg[0] + pad / 2, seg[1] + pad / 2);
      for (let i = 2; i < seg.length; i += 2) ctx.lineTo(seg[i] + pad / 2, seg[i + 1] + pad / 2);
      if (seg.length === 2) ctx.lineTo(seg[0] + pad / 2 + 1, seg[1] + pad / 2);
      ctx.stroke();
    }
    ctx.fillStyle = COLORS.nan;
    const n = values.length;
    for (const i of nonFiniteIndices(values)) ctx.fillRect(n > 1 ? (i / (n - 1)) * (w - 2) : w / 2, 0, 2, h);
  }
  return c;
}

/**
 * Tokens as chips. Text carries its words as `labels`: the chip shows the word (as text, never
 * markup) and its id on hover; bare token ids show the id. The whole list is the tooltip.
 */
function tokensEl(doc: Document, p: Preview, prev: HTMLElement | null, limit: number): HTMLElement {
  const d = prev && prev.tagName === "DIV" ? prev : doc.createElement("div");
  const ids = p.data!;
  const words = p.labels;
  const n = Math.min(ids.length, limit);
  const spans: HTMLElement[] = [];
  for (let i = 0; i < n; i++) {
    const word = words?.[i];
    const span = el(doc, "span", "pnb-token", word ?? String(ids[i]));
    if (word !== undefined) span.title = `id ${ids[i]}`;
    spans.push(span);
  }
  if (ids.length > n) spans.push(el(doc, "span", "pnb-token-more", `+${ids.length - n}`));
  d.replaceChildren(...spans);
  const shown = words ? words.slice(0, 256) : Array.from(ids.subarray(0, 256));
  d.title = `${words ? "tokens" : "token ids"} (${ids.length}): ${shown.join(" ")}${ids.length > 256 ? " …" : ""}`;
  return d;
}

/**
 * Draws `p` into a `.pnb-preview` element that fits `box`: a <canvas> for pixels, bars and
 * lines, a <div> for token ids and for previews without a picture. Reuses `prev` when it can.
 * `data-version` echoes the message version, so tests can tell when an update was drawn.
 */
export function drawPreview(doc: Document, p: Preview, box: Box, prev: HTMLElement | null = null, full = false): HTMLElement {
  const px = imagePixels(p);
  let out: HTMLElement;
  if (px) out = drawImage(doc, px, box, prev, p.kind === "heatmap");
  else if ((p.kind === "bars" || p.kind === "line") && p.data) out = drawVector(doc, p, box, prev);
  else if (p.kind === "tokens" && p.data) out = tokensEl(doc, p, prev, full ? TOKEN_LIMIT.full : TOKEN_LIMIT.thumb);
  else {
    out = prev && prev.tagName === "DIV" ? prev : doc.createElement("div");
    out.textContent = p.error ?? statsText(p);
  }
  const kind = p.error && !p.data ? "error" : p.kind;
  out.className = `pnb-preview pnb-preview-${kind}${out.classList.contains("pnb-preview-pixelated") ? " pnb-preview-pixelated" : ""}`;
  out.classList.toggle("pnb-preview-nonfinite", hasNonFinite(p));
  out.dataset.version = String(p.version);
  out.dataset.kind = p.kind;
  out.setAttribute("role", "img");
  out.setAttribute(
    "aria-label",
    `${p.kind} preview of ${p.node}, ${formatShape(p.shape)}${nonFiniteText(p) ? `, contains ${nonFiniteText(p)}` : ""}`,
  );
  return out;
}

/** "NaN", "Inf" or "NaN+Inf" when present, else "". */
export function nonFiniteText(p: Pick<Preview, "stats">): string {
  return [p.stats.nan > 0 ? "NaN" : "", p.stats.inf > 0 ? "Inf" : ""].filter(Boolean).join("+");
}

function statsText(p: Preview): string {
  return `${formatShape(p.shape)} · ${formatValue(p.stats.min)} … ${formatValue(p.stats.max)}`;
}

/** Tooltip with every summary number. */
export function statsTitle(p: Preview): string {
  const s = p.stats;
  const parts = [
    `output ${formatShape(p.shape)}`,
    `min ${formatValue(s.min)}  mean ${formatValue(s.mean)}  max ${formatValue(s.max)}  std ${formatValue(s.std)}`,
    `dead units ${formatValue(s.zero_frac * 100)}%`,
  ];
  if (s.nan || s.inf) parts.push(`NaN ${s.nan}  Inf ${s.inf}`);
  if (p.grid) parts.push(`showing ${p.grid.shown} of ${p.grid.channels} channels`);
  return parts.join("\n");
}

/** The thumbnail of one node: its `.pnb-preview`, a stats line and a NaN badge. */
class ThumbView {
  readonly wrap: HTMLDivElement;
  private readonly area: HTMLDivElement;
  private readonly stats: HTMLDivElement;
  private readonly badge: HTMLSpanElement;
  private preview: HTMLElement | null = null;
  drawn: Preview | null = null;

  constructor(private readonly doc: Document) {
    this.wrap = el(doc, "div", "pnb-preview-wrap");
    this.area = el(doc, "div", "pnb-preview-area");
    this.stats = el(doc, "div", "pnb-preview-stats");
    this.badge = el(doc, "span", "pnb-badge-nan");
    this.wrap.append(this.area, this.stats, this.badge);
  }

  draw(p: Preview): void {
    const picture = !!p.data && p.kind !== "none";
    const next = drawPreview(this.doc, p, THUMB_BOX, this.preview);
    if (next !== this.preview) {
      this.preview?.remove();
      this.area.appendChild(next);
      this.preview = next;
    }
    this.wrap.classList.toggle("pnb-preview-compact", !picture);
    this.stats.hidden = !picture;
    if (picture) {
      const label = p.grid ? `${p.grid.shown}/${p.grid.channels} ch` : formatShape(p.shape);
      this.stats.replaceChildren(
        el(this.doc, "span", "pnb-preview-shape", label),
        el(this.doc, "span", "pnb-preview-range", `${formatValue(p.stats.min)} … ${formatValue(p.stats.max)}`),
      );
    }
    const bad = nonFiniteText(p);
    this.badge.hidden = !bad;
    this.badge.textContent = bad;
    this.badge.title = bad ? `Output contains ${p.stats.nan} NaN and ${p.stats.inf} Inf values` : "";
    this.wrap.classList.toggle("pnb-preview-nonfinite", !!bad);
    this.wrap.title = p.error ?? statsTitle(p);
    this.drawn = p;
  }
}

/** What the preview layer needs from the canvas view. */
export interface PreviewHost {
  rpc: Rpc;
  blockElement(id: string): HTMLElement | null;
  /** The node of the current graph view by (path) id. */
  node(id: string): GraphNode | null;
  /** Block heights changed: lay out and draw the graph again (which calls `mount`). */
  relayout(): void;
  /** Previews of these nodes changed or went away (after they were drawn). */
  changed(ids: string[]): void;
  /** Gets `data-preview-version` / `data-preview-ms` after each change. */
  root: HTMLElement;
}

/** The block's own thumb slot (not one of a nested block inside an expanded group). */
function ownThumb(block: HTMLElement): HTMLElement | null {
  for (const part of block.children) {
    if (!part.classList.contains("pnb-block-body")) continue;
    for (const c of part.children) if (c.classList.contains("pnb-thumb")) return c as HTMLElement;
  }
  return null;
}

/**
 * Draws the thumbnails of a {@link PreviewStore} (which the canvas store feeds), and owns the
 * toolbar toggle and the synthetic-sample badge.
 */
export class PreviewLayer {
  readonly toggle: HTMLButtonElement;
  readonly badge: HTMLSpanElement;
  private views = new Map<string, ThumbView>();
  /** Slot height each node had in the last layout: a change that alters one needs a relayout. */
  private laidOut = new Map<string, number>();
  /** Heights recorded by the layout in progress; becomes `laidOut` in `mount` (after each draw). */
  private layingOut = new Map<string, number>();

  constructor(
    private readonly doc: Document,
    private readonly host: PreviewHost,
    readonly store: PreviewStore,
  ) {
    this.toggle = el(doc, "button", "pnb-icon-button pnb-previews-toggle", "▦");
    this.toggle.type = "button";
    this.toggle.title = "Previews on/off (switch off for huge models)";
    this.toggle.setAttribute("aria-label", "Previews on/off");
    this.toggle.setAttribute("aria-pressed", "true");
    this.toggle.addEventListener("click", () => this.setEnabled(!this.enabled));
    this.badge = el(doc, "span", "pnb-badge-synthetic", "synthetic sample");
    this.badge.title = "No sample was given: previews show a generated input, not your data. Set canvas.sample = x.";
    this.badge.hidden = true;
  }

  get enabled(): boolean {
    return this.store.enabled;
  }

  /** The graph view node of a (path) id. */
  node(id: string): GraphNode | null {
    return this.host.node(id);
  }

  /** Thumb slot height of a node (RenderOptions.thumb); remembered to detect relayouts. */
  readonly thumbHeight = (id: string): number => {
    const h = this.slotHeight(id);
    this.layingOut.set(id, h);
    return h;
  };

  private slotHeight(id: string): number {
    const p = this.enabled ? this.store.get(id) : undefined;
    if (!p) return 0;
    if (p.error && !p.data) {
      const nd = this.host.node(id);
      return nd?.error || nd?.blocked ? 0 : ERROR_SLOT; // the block already says why
    }
    return p.data && p.kind !== "none" ? THUMB_SLOT : STATS_SLOT;
  }

  /** The store changed: the toggle, the badge and `data-preview-version` follow it. */
  sync(): void {
    this.toggle.setAttribute("aria-pressed", String(this.enabled));
    this.host.root.classList.toggle("pnb-previews-off", !this.enabled);
    this.badge.hidden = !this.store.synthetic || !this.enabled;
    this.host.root.dataset.previewVersion = String(this.store.version);
  }

  /** Draws changed thumbnails in place, or relays the graph out when a block must grow. */
  present(changed: string[]): void {
    const t0 = performance.now();
    // Only nodes that were laid out count: a node inside a collapsed group has no block.
    const relayout = changed.some((id) => this.laidOut.has(id) && this.slotHeight(id) !== this.laidOut.get(id));
    if (relayout) this.host.relayout();
    else for (const id of changed) this.mountOne(id);
    this.host.root.dataset.previewMs = (performance.now() - t0).toFixed(1);
    this.host.changed(changed);
  }

  /** Attaches (drawing first when needed) every stored preview whose block exists. Call after each graph draw. */
  mount(): void {
    if (this.layingOut.size) {
      this.laidOut = this.layingOut;
      this.layingOut = new Map();
    }
    for (const [id, v] of this.views) {
      if (!this.enabled || !this.store.items.has(id)) {
        v.wrap.remove();
        this.views.delete(id);
      }
    }
    if (this.enabled) for (const id of this.store.items.keys()) this.mountOne(id);
  }

  private mountOne(id: string): void {
    const p = this.store.get(id);
    const block = this.host.blockElement(id);
    let view = this.views.get(id);
    const thumb = block ? ownThumb(block) : null;
    if (!p || !thumb || this.slotHeight(id) === 0) {
      view?.wrap.remove();
      if (!p) this.views.delete(id);
      block?.classList.remove("pnb-block-nonfinite");
      return;
    }
    if (!view) {
      view = new ThumbView(this.doc);
      this.views.set(id, view);
    }
    if (view.drawn !== p) view.draw(p);
    if (view.wrap.parentElement !== thumb) thumb.appendChild(view.wrap);
    block!.classList.toggle("pnb-block-nonfinite", hasNonFinite(p));
  }

  /** The toolbar toggle: the kernel switches and says so in an update (thumbnails come or go). */
  setEnabled(on: boolean): void {
    this.toggle.setAttribute("aria-pressed", String(on)); // at once; the update confirms
    this.host.rpc.call("set_previews", { enabled: on }).catch(() => this.toggle.setAttribute("aria-pressed", String(this.enabled)));
  }

  destroy(): void {
    for (const v of this.views.values()) v.wrap.remove();
    this.views.clear();
  }
}
