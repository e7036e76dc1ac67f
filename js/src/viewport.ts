/**
 * Zoom and pan of the world element (one CSS transform: screen = world * k + (x, y)), fitting,
 * and the minimap: a small <canvas> that shows every block and the visible rectangle, and moves
 * the view when clicked or dragged.
 */
import type { Point } from "./layout";

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const MIN_ZOOM = 0.002;
export const MAX_ZOOM = 2.5;
/** The floating toolbar covers the top of the stage: fitted views start below it. */
const TOOLBAR_INSET = 52;
/** Below this scale block text is unreadable, so the first view does not fit deep graphs whole. */
const READABLE_ZOOM = 0.5;

export class Viewport {
  x = 0;
  y = 0;
  k = 1;
  private listeners: (() => void)[] = [];

  constructor(
    private readonly stage: HTMLElement,
    private readonly world: HTMLElement,
  ) {}

  onChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  size(): { w: number; h: number } {
    return { w: this.stage.clientWidth || 600, h: this.stage.clientHeight || 400 };
  }

  set(x: number, y: number, k: number): void {
    this.k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k));
    this.x = x;
    this.y = y;
    this.world.style.transform = `translate(${this.x}px, ${this.y}px) scale(${this.k})`;
    // Level of detail: hide small text when it cannot be read anyway (cheaper to paint too).
    this.stage.classList.toggle("pnb-lod-low", this.k < 0.45);
    this.stage.classList.toggle("pnb-lod-min", this.k < 0.2);
    for (const cb of this.listeners) cb();
  }

  /** Zooms by `factor` keeping the world point under screen point (sx, sy) in place. */
  zoomAt(factor: number, sx: number, sy: number): void {
    const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.k * factor));
    const wx = (sx - this.x) / this.k;
    const wy = (sy - this.y) / this.k;
    this.set(sx - wx * k, sy - wy * k, k);
  }

  zoomCenter(factor: number): void {
    const { w, h } = this.size();
    this.zoomAt(factor, w / 2, h / 2);
  }

  panBy(dx: number, dy: number): void {
    this.set(this.x + dx, this.y + dy, this.k);
  }

  toWorld(sx: number, sy: number): Point {
    return { x: (sx - this.x) / this.k, y: (sy - this.y) / this.k };
  }

  /** The world rectangle currently visible. */
  visible(): Rect {
    const { w, h } = this.size();
    const p = this.toWorld(0, 0);
    return { x: p.x, y: p.y, w: w / this.k, h: h / this.k };
  }

  /** Centres the view on world point (wx, wy), keeping the zoom. */
  centerOn(wx: number, wy: number): void {
    const { w, h } = this.size();
    this.set(w / 2 - wx * this.k, h / 2 - wy * this.k, this.k);
  }

  /** Shows all of `b` below the toolbar, never magnified beyond 1. */
  fit(b: Bounds, pad = 24): void {
    const { w, h } = this.size();
    const bw = Math.max(1, b.maxX - b.minX);
    const bh = Math.max(1, b.maxY - b.minY);
    const free = h - pad - TOOLBAR_INSET;
    const k = Math.min(1, (w - 2 * pad) / bw, free / bh);
    const kk = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k));
    this.set((w - bw * kk) / 2 - b.minX * kk, TOOLBAR_INSET + (free - bh * kk) / 2 - b.minY * kk, kk);
  }

  /**
   * The first view: fit everything when it stays readable; otherwise (deep networks such as
   * ResNet50) show the top of the graph at a readable scale, as wide as possible. The fit
   * button and the minimap give the overview.
   */
  initial(b: Bounds, pad = 24): void {
    const { w, h } = this.size();
    const bw = Math.max(1, b.maxX - b.minX);
    const bh = Math.max(1, b.maxY - b.minY);
    const fitK = Math.min(1, (w - 2 * pad) / bw, (h - pad - TOOLBAR_INSET) / bh);
    if (fitK >= READABLE_ZOOM) {
      this.fit(b, pad);
      return;
    }
    const k = Math.max(READABLE_ZOOM, Math.min(0.8, (w - 2 * pad) / bw));
    const x = bw * k <= w - 2 * pad ? (w - bw * k) / 2 - b.minX * k : pad - b.minX * k;
    this.set(x, TOOLBAR_INSET - b.minY * k, k);
  }

  /** Pans the least amount so that world rect `r` is visible left of `rightInset` pixels. */
  ensureVisible(r: Rect, rightInset = 0, margin = 16): void {
    const { w, h } = this.size();
    const left = r.x * this.k + this.x;
    const top = r.y * this.k + this.y;
    const right = left + r.w * this.k;
    const bottom = top + r.h * this.k;
    let dx = 0;
    let dy = 0;
    const maxRight = w - rightInset - margin;
    if (right > maxRight) dx = maxRight - right;
    if (left + dx < margin) dx = margin - left;
    if (bottom > h - margin) dy = h - margin - bottom;
    if (top + dy < margin) dy = margin - top;
    if (dx || dy) this.panBy(dx, dy);
  }
}

export interface MinimapItem extends Rect {
  color: string;
}

/** Overview of all blocks plus the visible rectangle; click or drag to move the view. */
export class Minimap {
  private items: MinimapItem[] = [];
  private bounds: Bounds = { minX: 0, minY: 0, maxX: 1, maxY: 1 };
  private scale = 1;
  private ox = 0;
  private oy = 0;
  private frame = 0;
  private readonly cleanup: (() => void)[] = [];

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly viewport: Viewport,
  ) {
    const move = (ev: PointerEvent) => {
      const r = canvas.getBoundingClientRect();
      const wx = (ev.clientX - r.left - this.ox) / this.scale;
      const wy = (ev.clientY - r.top - this.oy) / this.scale;
      viewport.centerOn(wx, wy);
    };
    const down = (ev: PointerEvent) => {
      ev.stopPropagation();
      ev.preventDefault();
      canvas.setPointerCapture?.(ev.pointerId);
      move(ev);
      const onMove = (e: PointerEvent) => move(e);
      const up = () => {
        canvas.removeEventListener("pointermove", onMove);
        canvas.removeEventListener("pointerup", up);
        canvas.removeEventListener("pointercancel", up);
      };
      canvas.addEventListener("pointermove", onMove);
      canvas.addEventListener("pointerup", up);
      canvas.addEventListener("pointercancel", up);
    };
    canvas.addEventListener("pointerdown", down);
    this.cleanup.push(() => canvas.removeEventListener("pointerdown", down));
    viewport.onChange(() => this.schedule());
  }

  setItems(items: MinimapItem[], bounds: Bounds): void {
    this.items = items;
    this.bounds = bounds;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame || this.canvas.hidden) return;
    const raf = globalThis.requestAnimationFrame ?? ((cb: FrameRequestCallback) => setTimeout(() => cb(0), 16));
    this.frame = raf(() => {
      this.frame = 0;
      this.draw();
    }) as unknown as number;
  }

  draw(): void {
    const c = this.canvas;
    const ctx = c.getContext?.("2d");
    if (!ctx) return;
    const cssW = c.clientWidth || 180;
    const cssH = c.clientHeight || 120;
    const dpr = globalThis.devicePixelRatio || 1;
    if (c.width !== Math.round(cssW * dpr)) c.width = Math.round(cssW * dpr);
    if (c.height !== Math.round(cssH * dpr)) c.height = Math.round(cssH * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    const b = this.bounds;
    const pad = 6;
    const bw = Math.max(1, b.maxX - b.minX);
    const bh = Math.max(1, b.maxY - b.minY);
    this.scale = Math.min((cssW - 2 * pad) / bw, (cssH - 2 * pad) / bh);
    this.ox = (cssW - bw * this.scale) / 2 - b.minX * this.scale;
    this.oy = (cssH - bh * this.scale) / 2 - b.minY * this.scale;
    const s = this.scale;
    for (const it of this.items) {
      ctx.fillStyle = it.color;
      ctx.fillRect(this.ox + it.x * s, this.oy + it.y * s, Math.max(1, it.w * s), Math.max(1, it.h * s));
    }
    const v = this.viewport.visible();
    const style = getComputedStyle(c);
    ctx.strokeStyle = style.getPropertyValue("--pnb-accent").trim() || "#1976d2";
    ctx.lineWidth = 1.5;
    ctx.fillStyle = style.getPropertyValue("--pnb-minimap-view").trim() || "rgba(25,118,210,0.12)";
    const vx = this.ox + v.x * s;
    const vy = this.oy + v.y * s;
    ctx.fillRect(vx, vy, v.w * s, v.h * s);
    ctx.strokeRect(vx, vy, v.w * s, v.h * s);
  }

  destroy(): void {
    for (const f of this.cleanup) f();
    if (this.frame) (globalThis.cancelAnimationFrame ?? clearTimeout)(this.frame);
  }
}
