/**
 * The two models of an architecture diff as read-only canvases, drawn by the canvas' own
 * renderer (GraphRenderer + layout) under a Viewport each. Blocks are matched by node id and
 * marked `.pnb-diff-added / -removed / -changed`; panning or zooming one canvas moves the other
 * the same way (`syncViewports`), so a block and its counterpart stay side by side. With a
 * sample, each block shows its thumbnail (drawn by previews.ts), both models on the same input.
 */
import "./diff-canvas.css";
import { type BufferLike, decodeItem, type Preview } from "../preview-data";
import { drawPreview, THUMB_BOX, THUMB_SLOT } from "../previews";
import { normalizeGraphView, type PreviewsPayload } from "../protocol";
import { GraphRenderer } from "../render";
import { type Bounds, Viewport } from "../viewport";

export type DiffStatus = "same" | "added" | "removed" | "changed";

/** One side of the kernel's `diff_canvases` reply. */
export interface DiffCanvasSide {
  label: string;
  view: unknown;
  previews: PreviewsPayload | null;
}
export interface DiffCanvasesPayload {
  left: DiffCanvasSide;
  right: DiffCanvasSide;
  sample: boolean;
}

/** Wheel notches are ~100 px of deltaY: one notch zooms by about 14%. */
const WHEEL_ZOOM = 0.0013;

/**
 * Keeps every viewport at the same pan and zoom: a change to one is applied to the others.
 * Both canvases lay out in the same world coordinates, so one transform shows matching blocks
 * at matching places.
 */
export function syncViewports(views: readonly Viewport[]): void {
  let syncing = false;
  for (const source of views) {
    source.onChange(() => {
      if (syncing) return; // the others' own changes echo back here
      syncing = true;
      try {
        for (const other of views) {
          if (other !== source && (other.x !== source.x || other.y !== source.y || other.k !== source.k)) {
            other.set(source.x, source.y, source.k);
          }
        }
      } finally {
        syncing = false;
      }
    });
  }
}

/** Drag the background to pan, wheel to zoom toward the cursor. Returns the cleanup. */
export function attachPanZoom(stage: HTMLElement, viewport: Viewport): () => void {
  let last: { x: number; y: number; id: number } | null = null;
  const down = (ev: PointerEvent) => {
    if (ev.button !== 0) return;
    last = { x: ev.clientX, y: ev.clientY, id: ev.pointerId };
    stage.setPointerCapture?.(ev.pointerId);
    stage.classList.add("pnb-panning");
    ev.preventDefault();
  };
  const move = (ev: PointerEvent) => {
    if (!last || ev.pointerId !== last.id) return;
    viewport.panBy(ev.clientX - last.x, ev.clientY - last.y);
    last = { x: ev.clientX, y: ev.clientY, id: ev.pointerId };
  };
  const up = () => {
    last = null;
    stage.classList.remove("pnb-panning");
  };
  const wheel = (ev: WheelEvent) => {
    ev.preventDefault();
    const r = stage.getBoundingClientRect();
    viewport.zoomAt(Math.exp(-ev.deltaY * WHEEL_ZOOM), ev.clientX - r.left, ev.clientY - r.top);
  };
  stage.addEventListener("pointerdown", down);
  stage.addEventListener("pointermove", move);
  stage.addEventListener("pointerup", up);
  stage.addEventListener("pointercancel", up);
  stage.addEventListener("wheel", wheel, { passive: false });
  return () => {
    stage.removeEventListener("pointerdown", down);
    stage.removeEventListener("pointermove", move);
    stage.removeEventListener("pointerup", up);
    stage.removeEventListener("pointercancel", up);
    stage.removeEventListener("wheel", wheel);
  };
}

/** The previews of one side by node id (undecodable items become "none" previews with a message). */
export function decodePreviews(payload: PreviewsPayload | null, buffers: readonly BufferLike[]): Map<string, Preview> {
  const out = new Map<string, Preview>();
  for (const item of payload?.items ?? []) {
    const p = decodeItem(item, buffers, 0);
    out.set(p.node, p);
  }
  return out;
}

/** One read-only canvas of the diff. */
export class DiffCanvas {
  readonly root: HTMLDivElement;
  readonly stage: HTMLDivElement;
  readonly renderer: GraphRenderer;
  readonly viewport: Viewport;
  private readonly cleanup: () => void;

  constructor(
    private readonly doc: Document,
    uid: string,
  ) {
    // `.pnb-canvas` gives the blocks the canvas' colours and sizes (root.css).
    this.root = doc.createElement("div");
    this.root.className = "pnb-canvas pnb-diff-canvas";
    this.stage = doc.createElement("div");
    this.stage.className = "pnb-stage";
    this.renderer = new GraphRenderer(doc, uid);
    this.stage.append(this.renderer.world);
    this.root.append(this.stage);
    this.viewport = new Viewport(this.stage, this.renderer.world);
    this.cleanup = attachPanZoom(this.stage, this.viewport);
  }

  /** Draws the graph view with each block's diff class and, where given, its thumbnail. */
  draw(
    rawView: unknown,
    status: ReadonlyMap<string, DiffStatus>,
    previews: ReadonlyMap<string, Preview>,
    /** Per changed block: its settings as "key: old → new" lines, shown on hover. */
    changes: ReadonlyMap<string, string> = new Map(),
  ): Bounds {
    const view = normalizeGraphView(rawView);
    const pictured = (id: string) => {
      const p = previews.get(id);
      return !!p && (p.kind !== "none" || !!p.error);
    };
    const drawn = this.renderer.draw(view, {
      expanded: new Set(),
      selected: "",
      readOnly: true,
      thumb: (id) => (pictured(id) ? THUMB_SLOT : 0),
    });
    for (const node of view.nodes) {
      const block = this.renderer.blockElement(node.id);
      if (!block) continue;
      const mark = status.get(node.id) ?? "same";
      for (const s of ["added", "removed", "changed"]) block.classList.toggle(`pnb-diff-${s}`, s === mark);
      block.removeAttribute("tabindex"); // read-only: nothing to focus or edit
      const changed = changes.get(node.id);
      if (changed) block.title = changed;
      const p = previews.get(node.id);
      const slot = block.querySelector<HTMLElement>(".pnb-thumb");
      if (p && slot && pictured(node.id)) {
        const wrap = this.doc.createElement("div");
        wrap.className = "pnb-preview-wrap";
        const area = this.doc.createElement("div");
        area.className = "pnb-preview-area";
        area.append(drawPreview(this.doc, p, THUMB_BOX));
        wrap.append(area);
        wrap.title = p.error ?? `${p.kind} preview of ${p.node} on the sample`;
        slot.replaceChildren(wrap);
      }
    }
    return drawn;
  }

  destroy(): void {
    this.cleanup();
    this.renderer.destroy();
  }
}

/** The smallest bounds holding both. */
export function union(a: Bounds, b: Bounds): Bounds {
  return {
    minX: Math.min(a.minX, b.minX),
    minY: Math.min(a.minY, b.minY),
    maxX: Math.max(a.maxX, b.maxX),
    maxY: Math.max(a.maxY, b.maxY),
  };
}
