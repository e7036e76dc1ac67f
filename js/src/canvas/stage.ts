/**
 * The stage: the graph as drawn (renderer), the pan/zoom viewport over it, the minimap and the
 * empty-canvas note. A view of the canvas store's graph: `draw` lays it out and draws it, and
 * the view stays where the user put it when blocks grow or shrink (`relayoutKeepingView`).
 */
import { categoryColor } from "../categories";
import type { GraphView } from "../protocol";
import { type DrawResult, GraphRenderer, type RenderOptions } from "../render";
import { Minimap, Viewport } from "../viewport";

export class Stage {
  readonly el: HTMLDivElement;
  readonly renderer: GraphRenderer;
  readonly viewport: Viewport;
  readonly minimapCanvas: HTMLCanvasElement;
  readonly minimap: Minimap;
  private readonly empty: HTMLDivElement;
  /** Blocks drawn last time, nested ones included. */
  blockCount = 0;
  /** The user moved the view: it is not refit for them any more. */
  userTouched = false;
  private needInitialView = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(doc: Document, uid: string) {
    this.el = doc.createElement("div");
    this.el.className = "pnb-stage";
    this.renderer = new GraphRenderer(doc, uid);
    this.viewport = new Viewport(this.el, this.renderer.world);
    this.empty = doc.createElement("div");
    this.empty.className = "pnb-empty";
    this.minimapCanvas = doc.createElement("canvas");
    this.minimapCanvas.className = "pnb-minimap";
    this.minimapCanvas.setAttribute("aria-label", "Minimap: click to move the view");
    this.minimap = new Minimap(this.minimapCanvas, this.viewport);
    this.el.append(this.renderer.world, this.empty);

    // Focus moves (Tab to an off-screen block, a test clicking one) scroll the clipped stage;
    // turn that into a pan so the transform stays the only source of the view position.
    const onScroll = () => {
      const { scrollLeft, scrollTop } = this.el;
      if (!scrollLeft && !scrollTop) return;
      this.el.scrollLeft = 0;
      this.el.scrollTop = 0;
      this.viewport.panBy(-scrollLeft, -scrollTop);
    };
    this.el.addEventListener("scroll", onScroll);
    this.cleanups.push(() => this.el.removeEventListener("scroll", onScroll));
    const ro = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => this.onResize()) : null;
    ro?.observe(this.el);
    this.cleanups.push(() => ro?.disconnect());
    this.viewport.set(0, 0, 1);
  }

  /** Lays out and draws `view`; the first graph with blocks gets the initial view. */
  draw(view: GraphView, opts: RenderOptions): DrawResult {
    const result = this.renderer.draw(view, opts);
    const items = [];
    for (const nd of view.nodes) {
      const b = result.boxes.get(nd.id);
      if (!b) continue;
      const color = nd.error ? "#d32f2f" : nd.blocked ? "#9e9e9e" : categoryColor(nd.category);
      items.push({ x: b.x, y: b.y, w: b.w, h: b.h, color });
    }
    this.minimap.setItems(items, result);
    if (this.blockCount === 0 && result.blockCount > 0) this.needInitialView = true;
    this.blockCount = result.blockCount;
    if (this.needInitialView && this.el.clientWidth > 0) {
      this.needInitialView = false;
      this.viewport.initial(result);
    }
    this.empty.hidden = result.blockCount > 0;
    this.empty.textContent = opts.readOnly ? "This model has no layers." : "Empty model: add layers from the palette.";
    return result;
  }

  fit(): void {
    const r = this.renderer.last;
    if (r?.blockCount) this.viewport.fit(r);
  }

  toggleMinimap(): boolean {
    this.minimapCanvas.hidden = !this.minimapCanvas.hidden;
    this.minimap.draw();
    return !this.minimapCanvas.hidden;
  }

  /**
   * Redraws (with `redraw`) after blocks grew or shrank (previews arrived or were switched off)
   * without the view jumping: the first view is recomputed until the user moved it; after that,
   * the `selected` block (else the one nearest the centre) stays where it is on screen.
   */
  relayoutKeepingView(selected: string, redraw: () => void): void {
    const boxes = this.renderer.last?.boxes;
    let anchor = boxes?.has(selected) ? selected : "";
    if (boxes && !anchor) {
      const v = this.viewport.visible();
      let best = Infinity;
      for (const [id, b] of boxes) {
        const d = Math.hypot(b.x + b.w / 2 - (v.x + v.w / 2), b.y + b.h / 2 - (v.y + v.h / 2));
        if (d < best) [best, anchor] = [d, id];
      }
    }
    const before = anchor ? { ...boxes!.get(anchor)! } : null;
    redraw();
    const after = anchor ? this.renderer.last?.boxes.get(anchor) : null;
    const k = this.viewport.k;
    if (!this.userTouched && !selected && this.renderer.last && this.el.clientWidth > 0) this.viewport.initial(this.renderer.last);
    else if (before && after) this.viewport.panBy((before.x - after.x) * k, (before.y - after.y) * k);
  }

  private onResize(): void {
    if (!this.el.clientWidth) return;
    const r = this.renderer.last;
    if (this.needInitialView && r) {
      this.needInitialView = false;
      if (!this.userTouched) this.viewport.initial(r);
    }
    this.minimap.draw();
  }

  destroy(): void {
    for (const f of this.cleanups.splice(0)) f();
    this.minimap.destroy();
    this.renderer.destroy();
  }
}
