/** The architecture diff of two models: a header with the counts and the parameter-count delta,
 * the two models as read-only canvases side by side (diff-canvas.ts: matched by node id, blocks
 * marked `.pnb-diff-added`, `.pnb-diff-removed` or `.pnb-diff-changed`, synchronized pan and
 * zoom, thumbnails on the same sample) and each changed setting listed as old → new. */
import type { BufferLike } from "../preview-data";
import { DiffCanvas, type DiffCanvasesPayload, type DiffStatus, decodePreviews, syncViewports, union } from "./diff-canvas";
import { formatValue } from "./series";

export interface DiffNode {
  id: string;
  type: string;
  status: DiffStatus;
  changes: [string, string, string][];
}
export interface DiffSide {
  label: string;
  params: number | null;
  nodes: DiffNode[];
}
export interface DiffData {
  left: DiffSide;
  right: DiffSide;
  params_delta: number | null;
  edges_added: number;
  edges_removed: number;
}

/** Unique per diff in the page: SVG marker ids must not collide between widgets. */
let uids = 0;

/** The drawn diff; `showCanvases` fills in the two canvases once the kernel sent them. */
export class DiffView {
  readonly canvases: [DiffCanvas, DiffCanvas];
  private readonly note: HTMLElement;

  constructor(
    doc: Document,
    box: HTMLElement,
    private readonly diff: DiffData,
  ) {
    const head = div(doc, "pnb-diff-summary", summaryText(diff));
    const sides = div(doc, "pnb-diff-sides");
    const id = ++uids;
    this.canvases = [new DiffCanvas(doc, `diff${id}l`), new DiffCanvas(doc, `diff${id}r`)];
    [diff.left, diff.right].forEach((side, i) => {
      const col = div(doc, "pnb-diff-side");
      col.dataset.side = i === 0 ? "left" : "right";
      const title = `${side.label}${side.params === null ? "" : ` · ${side.params.toLocaleString()} params`}`;
      col.append(div(doc, "pnb-diff-title", title), this.canvases[i].root);
      sides.append(col);
    });
    syncViewports(this.canvases.map((c) => c.viewport));
    this.note = div(doc, "pnb-diff-note", "Drawing both models…");
    box.replaceChildren(head, this.note, sides, changeList(doc, diff));
  }

  /** Draws both models (and their previews) and fits them, with one shared transform. */
  showCanvases(data: DiffCanvasesPayload, buffers: readonly BufferLike[]): void {
    const sides = [data.left, data.right];
    const specs = [this.diff.left, this.diff.right];
    const bounds = this.canvases.map((canvas, i) => {
      const status = new Map(specs[i].nodes.map((n) => [n.id, n.status] as const));
      const changes = new Map(specs[i].nodes.filter((n) => n.changes.length).map((n) => [n.id, settingLines(n)] as const));
      return canvas.draw(sides[i].view, status, decodePreviews(sides[i].previews, buffers), changes);
    });
    this.note.remove();
    // The left one frames both (fitting when readable, else the top at a readable scale, as
    // the canvas' first view does); syncing gives the right one the same transform.
    this.canvases[0].viewport.initial(union(bounds[0], bounds[1]));
  }

  fail(message: string): void {
    this.note.textContent = `The canvases could not be drawn: ${message}`;
    this.note.classList.add("pnb-compare-error");
  }

  destroy(): void {
    for (const c of this.canvases) c.destroy();
  }
}

export function renderDiff(doc: Document, box: HTMLElement, diff: DiffData | null): DiffView | null {
  box.replaceChildren();
  return diff ? new DiffView(doc, box, diff) : null;
}

function summaryText(diff: DiffData): string {
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const n of [...diff.left.nodes, ...diff.right.nodes]) if (n.status !== "same") counts[n.status] += 1;
  counts.changed /= 2; // a changed block appears on both sides
  const delta = diff.params_delta;
  return (
    `Architecture: ${diff.left.label} → ${diff.right.label} · ${counts.added} added, ${counts.removed} removed, ` +
    `${counts.changed} changed` +
    (delta === null ? "" : ` · parameters ${delta >= 0 ? "+" : ""}${delta.toLocaleString()}`)
  );
}

/** Each changed block with its settings as old → new (from the right side, which has them all). */
function changeList(doc: Document, diff: DiffData): HTMLElement {
  const list = div(doc, "pnb-diff-changes");
  for (const node of diff.right.nodes) {
    if (node.status !== "changed") continue;
    const item = div(doc, "pnb-diff-change");
    item.dataset.nodeId = node.id;
    item.append(div(doc, "pnb-diff-name", `${node.id} · ${node.type}`));
    for (const [key, before, after] of node.changes) {
      item.append(div(doc, "pnb-diff-setting", settingText(key, before, after)));
    }
    list.append(item);
  }
  list.hidden = !list.childElementCount;
  return list;
}

function settingText(key: string, before: string, after: string): string {
  return `${key}: ${formatValue(before)} → ${formatValue(after)}`;
}

function settingLines(node: DiffNode): string {
  return node.changes.map(([key, before, after]) => settingText(key, before, after)).join("\n");
}

function div(doc: Document, cls: string, text = ""): HTMLDivElement {
  const d = doc.createElement("div");
  d.className = cls;
  if (text) d.textContent = text;
  return d;
}
