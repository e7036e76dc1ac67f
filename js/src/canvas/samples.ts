/**
 * The sample strip: the first samples of the canvas' data along the bottom of the stage (images
 * as small thumbnails, table rows and text as short text, each with its target). Picking one
 * (click, ArrowLeft/ArrowRight in the strip, `[` / `]` anywhere in the canvas) asks the kernel
 * (``pick_sample {index}``) to make it the sample every block previews; the new thumbnails come
 * with the kernel's ordered ``update`` push, like any other preview change. The kernel's
 * ``samples`` push keeps every view's strip in step with picks from Python or other views.
 */
import "./samples.css";
import { type BufferLike, decodeArray, type NdArray } from "../codec";
import type { Rpc } from "../rpc";

/** One strip item, as the kernel's ``samples`` call lists it (see samples_strip.py). */
export interface StripItem {
  index: number;
  kind: "image" | "text";
  image?: unknown;
  text?: string;
  target?: string;
}

export interface StripPixels {
  width: number;
  height: number;
  /** RGBA, row-major: what ImageData takes. */
  data: Uint8ClampedArray;
}

/** RGBA pixels of a uint8 thumbnail, [h, w] gray or [h, w, 3] colour; null for anything else. */
export function stripPixels(a: NdArray): StripPixels | null {
  const [h, w, c = 1] = a.shape;
  if (a.dtype !== "uint8" || !(a.shape.length === 2 || (a.shape.length === 3 && c === 3)) || !h || !w) return null;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    for (let k = 0; k < 3; k++) out[4 * i + k] = a.data[c === 3 ? 3 * i + k : i];
    out[4 * i + 3] = 255;
  }
  return { width: w, height: h, data: out };
}

/** What a screen reader says for an item: "Sample 3, target 7". */
export function itemLabel(item: StripItem): string {
  const what = item.kind === "text" && item.text ? `: ${item.text}` : "";
  return `Sample ${item.index + 1}${what}${item.target !== undefined ? `, target ${item.target}` : ""}`;
}

export class SampleStrip {
  readonly el: HTMLDivElement;
  private items: StripItem[] = [];
  private index = 0;
  private pending = false;

  constructor(
    private readonly doc: Document,
    private readonly rpc: Rpc,
    /** Shows why a pick failed (the kernel's message). */
    private readonly onError: (message: string) => void,
  ) {
    this.el = doc.createElement("div");
    this.el.className = "pnb-samples";
    this.el.hidden = true;
    this.el.setAttribute("role", "listbox");
    this.el.setAttribute("aria-orientation", "horizontal");
    this.el.setAttribute("aria-label", "Samples: the previews show the selected one ([ and ] step)");
    // The stage pans on pointerdown: the strip's own clicks are not pans.
    this.el.addEventListener("pointerdown", (ev) => ev.stopPropagation());
    this.el.addEventListener("keydown", (ev) => {
      const option = (ev.target as Element).closest?.(".pnb-sample") as HTMLElement | null;
      if (ev.key === "ArrowLeft" || ev.key === "ArrowRight") this.step(ev.key === "ArrowLeft" ? -1 : 1, true);
      else if ((ev.key === "Enter" || ev.key === " ") && option) void this.pick(Number(option.dataset.index), true);
      else return;
      ev.preventDefault();
      ev.stopPropagation(); // not the canvas' own keys (arrows move blocks)
    });
  }

  /** The sample the previews show (0-based). */
  get selected(): number {
    return this.index;
  }

  get count(): number {
    return this.items.length;
  }

  /** Asks the kernel for the strip; a canvas without data shows none. */
  async load(): Promise<void> {
    try {
      const { result, buffers } = await this.rpc.call<{ index: number; items: StripItem[] }>("samples");
      this.show(Array.isArray(result.items) ? result.items : [], Number(result.index) || 0, buffers);
    } catch {
      // the view closed or the kernel is gone: no strip
    }
  }

  show(items: StripItem[], index: number, buffers: readonly (BufferLike | null)[]): void {
    this.items = items;
    this.index = index;
    this.el.replaceChildren(...items.map((item) => this.itemEl(item, buffers)));
    this.el.hidden = items.length === 0;
    this.mark();
  }

  /** The kernel's ``samples`` push: another view (or Python) picked `index`, or the data changed. */
  pushed(data: { index?: unknown; reload?: unknown }): void {
    if (data?.reload) void this.load();
    else if (typeof data?.index === "number" && data.index >= 0 && data.index < this.items.length) {
      this.index = data.index;
      this.mark();
    }
  }

  /** Steps `delta` samples from the selected one (clamped to the strip). */
  step(delta: number, focus = false): void {
    if (!this.items.length) return;
    const next = Math.max(0, Math.min(this.items.length - 1, this.index + delta));
    void this.pick(next, focus);
  }

  /** Makes sample `index` the previews' sample. */
  async pick(index: number, focus = false): Promise<void> {
    if (focus) this.option(index)?.focus({ preventScroll: true });
    if (index === this.index || this.pending) return;
    this.pending = true;
    this.el.setAttribute("aria-busy", "true");
    try {
      const { result } = await this.rpc.call<{ index: number }>("pick_sample", { index });
      this.index = Number(result.index);
      this.mark();
    } catch (e) {
      this.onError(e instanceof Error ? e.message : String(e));
    } finally {
      this.pending = false;
      this.el.removeAttribute("aria-busy");
    }
  }

  private option(index: number): HTMLElement | null {
    return this.el.children[index] as HTMLElement | null;
  }

  /** The selected item is marked and is the one Tab lands on (a roving tabindex). */
  private mark(): void {
    Array.from(this.el.children).forEach((c, i) => {
      const on = i === this.index;
      c.setAttribute("aria-selected", String(on));
      c.classList.toggle("pnb-sample-selected", on);
      (c as HTMLElement).tabIndex = on ? 0 : -1;
    });
    this.option(this.index)?.scrollIntoView?.({ block: "nearest", inline: "nearest" });
  }

  private itemEl(item: StripItem, buffers: readonly (BufferLike | null)[]): HTMLElement {
    const doc = this.doc;
    const d = doc.createElement("div");
    d.className = `pnb-sample pnb-sample-${item.kind}`;
    d.setAttribute("role", "option");
    d.dataset.index = String(item.index);
    d.setAttribute("aria-label", itemLabel(item));
    d.title = itemLabel(item);
    d.addEventListener("click", () => void this.pick(item.index, true));
    d.append(this.body(item, buffers));
    if (item.target !== undefined) {
      const t = doc.createElement("span");
      t.className = "pnb-sample-target";
      t.textContent = item.target;
      d.append(t);
    }
    return d;
  }

  private body(item: StripItem, buffers: readonly (BufferLike | null)[]): HTMLElement {
    const doc = this.doc;
    let px: StripPixels | null = null;
    if (item.kind === "image") {
      try {
        px = stripPixels(decodeArray(item.image, buffers, "image"));
      } catch {
        px = null; // a malformed thumbnail shows as text below
      }
    }
    if (!px) {
      const s = doc.createElement("span");
      s.className = "pnb-sample-text";
      s.textContent = item.text ?? "?";
      return s;
    }
    const c = doc.createElement("canvas");
    c.className = "pnb-sample-image";
    c.width = px.width;
    c.height = px.height;
    // Thumbnails are at most 32 pixels a side: scale to 28 CSS pixels high, aspect kept.
    c.style.height = "28px";
    c.style.width = `${Math.max(8, Math.round((28 * px.width) / px.height))}px`;
    let ctx: CanvasRenderingContext2D | null = null;
    try {
      ctx = c.getContext("2d"); // null without a canvas implementation (tests)
    } catch {
      ctx = null;
    }
    if (ctx && typeof ImageData !== "undefined")
      ctx.putImageData(new ImageData(px.data as Uint8ClampedArray<ArrayBuffer>, px.width, px.height), 0, 0);
    return c;
  }
}
