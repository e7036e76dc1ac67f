/**
 * The `.pnb-palette` panel: a search box and the layer types grouped by category. Clicking a type
 * (or Enter in the search box: the first match) asks the canvas to add it; types can also be
 * dragged onto the canvas. The panel collapses to a thin rail so the graph gets the room. While
 * the canvas is locked (a training run uses its layers) the entries are disabled and the panel
 * says why.
 */
import { categoryColor, categoryLabel } from "./categories";
import type { PaletteEntry } from "./protocol";

export interface PaletteGroup {
  category: string;
  entries: PaletteEntry[];
}

/** MIME type used when a palette entry is dragged onto the canvas. */
export const DRAG_MIME = "application/x-perceptinb-layer";

/**
 * Entries whose type (or category) contains `query`, case-insensitively, grouped by category. The
 * kernel sends the entries in display order (perceptinb/catalog.py), so groups come in the order
 * their first entry does, and entries keep the given order within a group.
 */
export function filterPalette(entries: PaletteEntry[], query: string): PaletteGroup[] {
  const q = query.trim().toLowerCase();
  const groups = new Map<string, PaletteEntry[]>();
  for (const e of entries) {
    if (!e || typeof e.type !== "string") continue;
    const cat = e.category || "other";
    if (q && !e.type.toLowerCase().includes(q) && !cat.toLowerCase().includes(q)) continue;
    let list = groups.get(cat);
    if (!list) {
      list = [];
      groups.set(cat, list);
    }
    list.push(e);
  }
  return [...groups.entries()].map(([category, list]) => ({ category, entries: list }));
}

export class PalettePanel {
  readonly el: HTMLDivElement;
  private readonly search: HTMLInputElement;
  private readonly list: HTMLDivElement;
  private readonly toggle: HTMLButtonElement;
  private readonly lockNote: HTMLDivElement;
  private entries: PaletteEntry[] = [];
  private closed = new Set<string>();
  private locked = "";

  constructor(
    private readonly doc: Document,
    private readonly onAdd: (type: string) => void,
    collapsed = false,
  ) {
    this.el = doc.createElement("div");
    this.el.className = "pnb-palette";
    const head = doc.createElement("div");
    head.className = "pnb-panel-head";
    this.toggle = doc.createElement("button");
    this.toggle.type = "button";
    this.toggle.className = "pnb-palette-toggle pnb-icon-button";
    this.toggle.addEventListener("click", () => this.setCollapsed(!this.collapsed));
    const title = doc.createElement("span");
    title.className = "pnb-panel-title";
    title.textContent = "Layers";
    head.append(this.toggle, title);
    this.search = doc.createElement("input");
    this.search.type = "search";
    this.search.className = "pnb-palette-search";
    this.search.placeholder = "Search layers…";
    this.search.setAttribute("aria-label", "Search layer types");
    this.search.addEventListener("input", () => this.renderList());
    this.search.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter") return;
      const first = filterPalette(this.entries, this.search.value)[0]?.entries[0];
      if (first && !this.locked) this.onAdd(first.type);
    });
    this.list = doc.createElement("div");
    this.list.className = "pnb-palette-list";
    this.list.addEventListener("click", (ev) => this.onClick(ev));
    this.list.addEventListener("dragstart", (ev) => {
      const item = (ev.target as HTMLElement).closest?.<HTMLElement>(".pnb-palette-item");
      if (this.locked) ev.preventDefault();
      else if (item && ev.dataTransfer) {
        ev.dataTransfer.setData(DRAG_MIME, item.dataset.type ?? "");
        ev.dataTransfer.effectAllowed = "copy";
      }
    });
    this.lockNote = doc.createElement("div");
    this.lockNote.className = "pnb-palette-lock";
    this.lockNote.setAttribute("role", "status");
    this.lockNote.hidden = true;
    this.el.append(head, this.lockNote, this.search, this.list);
    this.setCollapsed(collapsed);
  }

  /** Disables adding (with the reason shown) while `reason` is not "". */
  setLocked(reason: string): void {
    if (reason === this.locked) return;
    this.locked = reason;
    this.el.classList.toggle("pnb-palette-locked", !!reason);
    this.lockNote.hidden = !reason;
    this.lockNote.textContent = reason;
    this.renderList();
  }

  get collapsed(): boolean {
    return this.el.classList.contains("pnb-collapsed");
  }

  setCollapsed(collapsed: boolean): void {
    this.el.classList.toggle("pnb-collapsed", collapsed);
    this.toggle.textContent = collapsed ? "»" : "«";
    this.toggle.title = collapsed ? "Show layer palette" : "Hide layer palette";
    this.toggle.setAttribute("aria-expanded", String(!collapsed));
  }

  setEntries(entries: PaletteEntry[]): void {
    this.entries = Array.isArray(entries) ? entries : [];
    this.renderList();
  }

  private onClick(ev: Event): void {
    const t = ev.target as HTMLElement;
    const item = t.closest<HTMLElement>(".pnb-palette-item");
    if (item?.dataset.type) {
      if (!this.locked) this.onAdd(item.dataset.type);
      return;
    }
    const cat = t.closest<HTMLElement>(".pnb-palette-cat");
    const name = cat?.parentElement?.dataset.category;
    if (name === undefined) return;
    if (this.closed.has(name)) this.closed.delete(name);
    else this.closed.add(name);
    this.renderList();
  }

  private renderList(): void {
    const doc = this.doc;
    const query = this.search.value;
    const groups = filterPalette(this.entries, query);
    const frag = doc.createDocumentFragment();
    for (const g of groups) {
      const open = !!query.trim() || !this.closed.has(g.category);
      const box = doc.createElement("div");
      box.className = "pnb-palette-group";
      box.dataset.category = g.category;
      const head = doc.createElement("button");
      head.type = "button";
      head.className = "pnb-palette-cat";
      head.setAttribute("aria-expanded", String(open));
      head.style.setProperty("--pnb-cat", categoryColor(g.category));
      head.textContent = `${open ? "▾" : "▸"} ${categoryLabel(g.category)}`;
      const count = doc.createElement("span");
      count.className = "pnb-palette-count";
      count.textContent = String(g.entries.length);
      head.appendChild(count);
      box.appendChild(head);
      if (open) {
        const items = doc.createElement("div");
        items.className = "pnb-palette-items";
        for (const e of g.entries) {
          const b = doc.createElement("button");
          b.type = "button";
          b.className = "pnb-palette-item";
          b.draggable = !this.locked;
          b.disabled = !!this.locked;
          b.dataset.type = e.type;
          b.title = this.locked ? this.locked : `Add a ${e.type} layer`;
          b.textContent = e.type;
          b.style.setProperty("--pnb-cat", categoryColor(g.category));
          items.appendChild(b);
        }
        box.appendChild(items);
      }
      frag.appendChild(box);
    }
    if (!groups.length) {
      const empty = doc.createElement("div");
      empty.className = "pnb-palette-empty";
      empty.textContent = this.entries.length ? "No layer matches" : "No layer types";
      frag.appendChild(empty);
    }
    this.list.replaceChildren(frag);
  }
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Top-left corner for a new `w`×`h` block added by a click: the free spot nearest `anchor` (e.g.
 * just below the selected block, so repeated adds grow a chain downwards), else nearest the
 * centre of `area` (the visible part of the world) and inside it where possible. Spots lie on a
 * grid of block-sized steps, so blocks never land on top of each other.
 */
export function placeNear(boxes: Iterable<Rect>, area: Rect, w: number, h: number, anchor: [number, number] | null = null): [number, number] {
  const taken = [...boxes];
  const [cx, cy] = anchor ?? [area.x + area.w / 2 - w / 2, area.y + area.h / 2 - h / 2];
  const stepX = w + 32;
  const stepY = h + 56; // room for an error message under a block that is not wired yet
  const margin = 16;
  const candidates: [number, number, number][] = [];
  for (let i = -4; i <= 4; i++) {
    for (let j = -4; j <= 6; j++) {
      const x = cx + i * stepX;
      const y = cy + j * stepY;
      const inside = x >= area.x && y >= area.y && x + w <= area.x + area.w && y + h <= area.y + area.h;
      // Below the anchor reads as "next in the chain": prefer it to the side, then above.
      const cost = Math.hypot(i * stepX, j * stepY * (anchor && j < 0 ? 3 : 1));
      candidates.push([x, y, cost + (inside || anchor ? 0 : 1e6)]);
    }
  }
  candidates.sort((a, b) => a[2] - b[2]);
  const free = candidates.find(([x, y]) =>
    taken.every((b) => x + w + margin <= b.x || b.x + b.w + margin <= x || y + h + margin <= b.y || b.y + b.h + margin <= y),
  );
  const [x, y] = free ?? candidates[0];
  return [Math.round(x), Math.round(y)];
}
