/**
 * Draws a laid-out graph: one absolutely positioned `.pnb-block` div per node and one SVG
 * `path.pnb-edge` per edge, inside a "world" element that the viewport transforms. Blocks are
 * keyed by id and reused when their content did not change, so a new graph_view version only
 * rebuilds what changed. Expanded groups (nested models) are laid out recursively and drawn
 * inside their frame with path ids "GROUP/CHILD".
 */
import { categoryColor, formatParams } from "./categories";
import { type DrawnEdge, drawEdges, edgePath, edgePoints } from "./edges";
import { type LayoutResult, layoutGraph, type NodeBox, type Point } from "./layout";
import type { GraphEdge, GraphNode, GraphView } from "./protocol";

export { edgePath, portX } from "./edges";

export const BLOCK_WIDTH = 184;
/** Height of the `.pnb-thumb` preview slot; 0 until previews are drawn. */
export const THUMB_HEIGHT = 0;
const BASE_HEIGHT = 58;
const ERROR_HEIGHT = 30;
const GROUP_HEAD = 46;
const GROUP_PAD = 14;
const SVG_NS = "http://www.w3.org/2000/svg";

/** The one place block height comes from: it grows with an error message and the preview slot. */
export function blockHeight(node: Pick<GraphNode, "error">, thumb: number = THUMB_HEIGHT): number {
  return BASE_HEIGHT + (node.error ? ERROR_HEIGHT : 0) + thumb;
}

interface LevelLayout {
  layout: LayoutResult;
  nodes: GraphNode[];
  edges: GraphEdge[];
  prefix: string;
}

export interface DrawResult {
  /** Top-level block boxes in world coordinates. */
  boxes: Map<string, NodeBox>;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  /** Blocks drawn, nested ones included. */
  blockCount: number;
}

export interface RenderOptions {
  expanded: ReadonlySet<string>;
  selected: string;
  readOnly: boolean;
  /** Height of a block's preview slot by (path) id; omitted: THUMB_HEIGHT for every block. */
  thumb?: (path: string) => number;
}

export class GraphRenderer {
  readonly world: HTMLDivElement;
  private readonly svg: SVGSVGElement;
  private readonly edgeLayer: SVGGElement;
  private readonly blockLayer: HTMLDivElement;
  private readonly markerId: string;
  private blocks = new Map<string, { key: string; el: HTMLElement }>();
  private drawnEdges: DrawnEdge[] = [];
  private nodesById = new Map<string, GraphNode>();
  private result: DrawResult | null = null;
  private selected = "";
  private selectedEdge = -1;

  constructor(
    private readonly doc: Document,
    uid: string,
  ) {
    this.markerId = `pnb-arrow-${uid}`;
    this.world = doc.createElement("div");
    this.world.className = "pnb-world";
    this.svg = doc.createElementNS(SVG_NS, "svg") as SVGSVGElement;
    this.svg.setAttribute("class", "pnb-edges");
    const defs = doc.createElementNS(SVG_NS, "defs");
    defs.appendChild(this.marker(this.markerId, "pnb-arrow"));
    defs.appendChild(this.marker(`${this.markerId}-active`, "pnb-arrow pnb-arrow-active"));
    this.svg.appendChild(defs);
    this.edgeLayer = doc.createElementNS(SVG_NS, "g") as SVGGElement;
    this.svg.appendChild(this.edgeLayer);
    this.blockLayer = doc.createElement("div");
    this.blockLayer.className = "pnb-blocks";
    this.world.append(this.svg, this.blockLayer);
  }

  private marker(id: string, cls: string): SVGMarkerElement {
    const mk = this.doc.createElementNS(SVG_NS, "marker") as SVGMarkerElement;
    for (const [k, v] of Object.entries({
      id,
      viewBox: "0 0 10 10",
      refX: "9",
      refY: "5",
      markerWidth: "7",
      markerHeight: "7",
      markerUnits: "userSpaceOnUse",
      orient: "auto",
    }))
      mk.setAttribute(k, v);
    const p = this.doc.createElementNS(SVG_NS, "path");
    p.setAttribute("d", "M0,0 L10,5 L0,10 z");
    p.setAttribute("class", cls);
    mk.appendChild(p);
    return mk;
  }

  /** Lays out and draws `view`. Reuses unchanged blocks; rebuilds all edges. */
  draw(view: GraphView, opts: RenderOptions): DrawResult {
    const level = layoutLevel(view.nodes, view.edges, "", opts.expanded, opts.thumb);
    const { layout } = level;
    this.nodesById = new Map(view.nodes.map((nd) => [nd.id, nd]));
    this.selected = opts.selected;

    const keep = new Map<string, { key: string; el: HTMLElement }>();
    let blockCount = 0;
    for (const nd of view.nodes) {
      const box = layout.nodes.get(nd.id);
      if (!box || keep.has(nd.id)) continue;
      const key = blockKey(nd, opts);
      const old = this.blocks.get(nd.id);
      let el: HTMLElement;
      if (old && old.key === key) {
        el = old.el;
        this.blocks.delete(nd.id);
      } else {
        el = buildBlock(this.doc, nd, nd.id, box, opts, this.markerId, true);
        if (old) {
          old.el.replaceWith(el);
          this.blocks.delete(nd.id);
        } else this.blockLayer.appendChild(el);
      }
      setBox(el, box);
      el.classList.toggle("pnb-block-pinned", !!nd.pos);
      el.classList.toggle("pnb-block-selected", nd.id === opts.selected);
      el.setAttribute("aria-pressed", String(nd.id === opts.selected));
      keep.set(nd.id, { key, el });
      blockCount += countBlocks(nd, opts.expanded, nd.id);
    }
    for (const { el } of this.blocks.values()) el.remove();
    this.blocks = keep;

    this.drawnEdges = drawEdges(this.doc, this.edgeLayer, level, this.markerId, this.nodesById, true);
    this.selectedEdge = -1;
    this.sizeSvg(layout);
    // Nested blocks of reused group frames may carry a stale selection.
    for (const el of this.world.querySelectorAll(".pnb-block-selected")) {
      if ((el as HTMLElement).dataset.nodeId !== opts.selected) el.classList.remove("pnb-block-selected");
    }
    this.blockElement(opts.selected)?.classList.add("pnb-block-selected");
    this.highlight();
    this.result = {
      boxes: layout.nodes,
      minX: layout.minX,
      minY: layout.minY,
      maxX: layout.maxX,
      maxY: layout.maxY,
      blockCount,
    };
    return this.result;
  }

  private sizeSvg(b: { minX: number; minY: number; maxX: number; maxY: number }): void {
    const pad = 64;
    const x = b.minX - pad;
    const y = b.minY - pad;
    const w = Math.max(1, b.maxX - b.minX + 2 * pad);
    const h = Math.max(1, b.maxY - b.minY + 2 * pad);
    this.svg.setAttribute("viewBox", `${x} ${y} ${w} ${h}`);
    this.svg.setAttribute("width", String(w));
    this.svg.setAttribute("height", String(h));
    this.svg.style.left = `${x}px`;
    this.svg.style.top = `${y}px`;
  }

  get last(): DrawResult | null {
    return this.result;
  }

  /** The element of a block by (path) id, nested ones included. */
  blockElement(id: string): HTMLElement | null {
    const top = this.blocks.get(id);
    if (top) return top.el;
    return this.world.querySelector<HTMLElement>(`.pnb-block[data-node-id="${attrEscape(id)}"]`);
  }

  setSelected(id: string): void {
    if (id === this.selected) return;
    this.blockElement(this.selected)?.classList.remove("pnb-block-selected");
    this.blockElement(this.selected)?.setAttribute("aria-pressed", "false");
    this.selected = id;
    const el = this.blockElement(id);
    el?.classList.add("pnb-block-selected");
    el?.setAttribute("aria-pressed", "true");
    this.highlight();
  }

  /** Selects edge number `i` of the top level (-1: none); returns it. */
  selectEdge(i: number): GraphEdge | null {
    this.selectedEdge = i;
    this.highlight();
    return this.drawnEdges[i]?.edge ?? null;
  }

  private highlight(): void {
    const sel = this.selected;
    this.drawnEdges.forEach((d, i) => {
      const active = !!sel && (d.edge.src === sel || d.edge.dst === sel);
      const chosen = i === this.selectedEdge;
      d.path.classList.toggle("pnb-edge-active", active || chosen);
      d.path.classList.toggle("pnb-edge-selected", chosen);
      d.path.setAttribute("marker-end", `url(#${this.markerId}${active || chosen ? "-active" : ""})`);
    });
  }

  /** Live move of a top-level block while it is dragged: its edges are redrawn direct. */
  moveBlock(id: string, x: number, y: number): void {
    const box = this.result?.boxes.get(id);
    const el = this.blocks.get(id)?.el;
    if (!box || !el) return;
    box.x = x;
    box.y = y;
    setBox(el, box);
    for (const d of this.drawnEdges) {
      if (d.edge.src !== id && d.edge.dst !== id) continue;
      d.route = [];
      const pts = edgePoints(d.edge, this.result!.boxes, this.nodesById, []);
      if (!pts) continue;
      const path = edgePath(pts);
      d.path.setAttribute("d", path);
      d.hit.setAttribute("d", path);
    }
    const r = this.result!;
    r.minX = Math.min(r.minX, x);
    r.minY = Math.min(r.minY, y);
    r.maxX = Math.max(r.maxX, x + box.w);
    r.maxY = Math.max(r.maxY, y + box.h);
    this.sizeSvg(r);
  }

  /** A temporary edge while the user drags from an output port. */
  previewConnection(from: Point | null, to?: Point): void {
    let p = this.edgeLayer.querySelector(".pnb-edge-draft");
    if (!from || !to) {
      p?.remove();
      return;
    }
    if (!p) {
      p = this.doc.createElementNS(SVG_NS, "path");
      p.setAttribute("class", "pnb-edge-draft");
      this.edgeLayer.appendChild(p);
    }
    p.setAttribute("d", edgePath([from, to]));
  }

  /** World point of the output port of a top-level block. */
  outputAnchor(id: string): Point | null {
    const box = this.result?.boxes.get(id);
    return box ? { x: box.x + box.w / 2, y: box.y + box.h } : null;
  }

  destroy(): void {
    this.world.remove();
    this.blocks.clear();
    this.drawnEdges = [];
  }
}

function setBox(el: HTMLElement, box: NodeBox): void {
  el.style.left = `${box.x}px`;
  el.style.top = `${box.y}px`;
  el.style.width = `${box.w}px`;
  el.style.height = `${box.h}px`;
}

export function attrEscape(s: string): string {
  return s.replace(/["\\]/g, "\\$&");
}

function blockKey(nd: GraphNode, opts: RenderOptions): string {
  const open = nd.group ? opts.expanded.has(nd.id) || hasExpandedUnder(nd.id, opts.expanded) : false;
  const inner = open ? [...opts.expanded].filter((p) => p === nd.id || p.startsWith(`${nd.id}/`)).sort() : [];
  // Position is applied on every draw, so a moved block is reused rather than rebuilt.
  // An open group's frame is sized by its children, whose preview slots may grow.
  return JSON.stringify([{ ...nd, pos: null }, opts.readOnly, inner, open ? innerThumbs(nd, nd.id, opts) : 0]);
}

function innerThumbs(nd: GraphNode, path: string, opts: RenderOptions): number[] {
  if (!nd.group || !opts.thumb || !opts.expanded.has(path)) return [];
  return nd.group.nodes.flatMap((c) => [opts.thumb!(`${path}/${c.id}`), ...innerThumbs(c, `${path}/${c.id}`, opts)]);
}

function hasExpandedUnder(id: string, expanded: ReadonlySet<string>): boolean {
  for (const p of expanded) if (p.startsWith(`${id}/`)) return true;
  return false;
}

function countBlocks(nd: GraphNode, expanded: ReadonlySet<string>, path: string): number {
  if (!nd.group || !expanded.has(path)) return 1;
  let c = 1;
  for (const ch of nd.group.nodes) c += countBlocks(ch, expanded, `${path}/${ch.id}`);
  return c;
}

/** Lays out one level; expanded groups are laid out first so their frame size is known. */
function layoutLevel(
  nodes: GraphNode[],
  edges: GraphEdge[],
  prefix: string,
  expanded: ReadonlySet<string>,
  thumb?: (path: string) => number,
): LevelLayout {
  const sized = nodes.map((nd) => {
    const path = prefix + nd.id;
    if (nd.group && expanded.has(path)) {
      const inner = layoutLevel(nd.group.nodes, nd.group.edges, `${path}/`, expanded, thumb);
      innerCache.set(nd.group, inner);
      const l = inner.layout;
      const w = Math.max(BLOCK_WIDTH, l.maxX - l.minX + 2 * GROUP_PAD);
      const h = GROUP_HEAD + Math.max(40, l.maxY - l.minY) + 2 * GROUP_PAD;
      return { id: nd.id, w, h, pos: nd.pos };
    }
    return { id: nd.id, w: BLOCK_WIDTH, h: blockHeight(nd, thumb ? thumb(path) : THUMB_HEIGHT), pos: nd.pos };
  });
  return { layout: layoutGraph(sized, edges), nodes, edges, prefix };
}

// Inner layouts of expanded groups, keyed by the group object of the current graph_view.
const innerCache = new WeakMap<object, LevelLayout>();

function div(doc: Document, cls: string, text?: string): HTMLDivElement {
  const d = doc.createElement("div");
  d.className = cls;
  if (text !== undefined) d.textContent = text;
  return d;
}

function buildBlock(doc: Document, nd: GraphNode, path: string, box: NodeBox, opts: RenderOptions, markerId: string, topLevel: boolean): HTMLElement {
  const el = div(doc, "pnb-block");
  const open = !!nd.group && opts.expanded.has(path);
  if (nd.error) el.classList.add("pnb-block-error");
  if (nd.blocked) el.classList.add("pnb-block-blocked");
  if (nd.group) el.classList.add("pnb-group", open ? "pnb-group-expanded" : "pnb-group-collapsed");
  if (nd.pos) el.classList.add("pnb-block-pinned");
  el.dataset.nodeId = path;
  el.dataset.category = nd.category;
  el.tabIndex = 0;
  el.setAttribute("role", "button");
  const label = [nd.id, nd.type, nd.shape ? `output ${nd.shape}` : "", formatParams(nd.params)];
  if (nd.error) label.push(`error: ${nd.error}`);
  if (nd.blocked) label.push("blocked by an upstream error");
  el.setAttribute("aria-label", label.filter(Boolean).join(", "));
  el.style.setProperty("--pnb-cat", categoryColor(nd.category));
  setBox(el, box);

  const strip = div(doc, "pnb-block-strip");
  const body = div(doc, "pnb-block-body");
  const head = div(doc, "pnb-block-head");
  const id = div(doc, "pnb-block-id", nd.id);
  id.title = nd.id;
  head.appendChild(id);
  if (nd.group) {
    const t = doc.createElement("button");
    t.type = "button";
    t.className = "pnb-group-toggle";
    t.textContent = open ? "▾" : "▸";
    t.title = open ? "Collapse nested model" : "Expand nested model";
    t.setAttribute("aria-expanded", String(open));
    t.setAttribute("aria-label", `${open ? "Collapse" : "Expand"} ${nd.id}`);
    head.appendChild(t);
  }
  const meta = div(doc, "pnb-block-meta");
  const type = nd.group ? `${nd.type} · ${nd.group.nodes.length} layers` : nd.type;
  const typeEl = div(doc, "pnb-block-type", type);
  typeEl.title = type;
  if (nd.shares) {
    // A second call owns no weights, so the badge takes the place of the params.
    const badge = div(doc, "pnb-badge-shares", `↻ shares ${nd.shares}`);
    badge.title = `Second call of the shared layer ${nd.shares}`;
    meta.append(typeEl, badge);
  } else meta.append(typeEl, div(doc, "pnb-block-params", formatParams(nd.params)));
  body.append(head, meta);
  if (!open) {
    const shape = div(doc, "pnb-block-shape", nd.shape || "—");
    shape.title = nd.shape;
    body.appendChild(shape);
  }
  if (nd.error) {
    const msg = div(doc, "pnb-block-msg", nd.error);
    msg.title = nd.error;
    body.appendChild(msg);
  } else if (nd.blocked) el.title = "Blocked: an upstream layer failed";
  if (!open) body.appendChild(div(doc, "pnb-thumb"));
  el.append(strip, body);

  if (topLevel && !opts.readOnly) {
    const port = div(doc, "pnb-port-out");
    port.title = "Drag to another block to connect";
    el.appendChild(port);
  }
  if (open && nd.group) el.appendChild(buildGroupBody(doc, nd, path, opts, markerId));
  return el;
}

function buildGroupBody(doc: Document, nd: GraphNode, path: string, opts: RenderOptions, markerId: string): HTMLElement {
  const group = nd.group!;
  const level = innerCache.get(group) ?? layoutLevel(group.nodes, group.edges, `${path}/`, opts.expanded, opts.thumb);
  const l = level.layout;
  const inner = div(doc, "pnb-group-body");
  inner.style.top = `${GROUP_HEAD}px`;
  // Shift the inner layout so its bounding box starts at the padding.
  const dx = GROUP_PAD - l.minX;
  const dy = GROUP_PAD - l.minY;
  const shifted = new Map<string, NodeBox>();
  for (const [id, b] of l.nodes) shifted.set(id, { ...b, x: b.x + dx, y: b.y + dy });
  const routes = l.routes.map((r) => r.map((p) => ({ x: p.x + dx, y: p.y + dy })));
  const svg = doc.createElementNS(SVG_NS, "svg") as SVGSVGElement;
  svg.setAttribute("class", "pnb-edges");
  svg.style.left = "0px";
  svg.style.top = "0px";
  const w = l.maxX - l.minX + 2 * GROUP_PAD;
  const h = l.maxY - l.minY + 2 * GROUP_PAD;
  svg.setAttribute("width", String(w));
  svg.setAttribute("height", String(h));
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  const g = doc.createElementNS(SVG_NS, "g") as SVGGElement;
  svg.appendChild(g);
  const byId = new Map(group.nodes.map((c) => [c.id, c]));
  drawEdges(doc, g, { ...level, layout: { ...l, nodes: shifted, routes } }, markerId, byId, false);
  inner.appendChild(svg);
  for (const child of group.nodes) {
    const b = shifted.get(child.id);
    if (!b) continue;
    const cp = `${path}/${child.id}`;
    const el = buildBlock(doc, child, cp, b, opts, markerId, false);
    el.classList.toggle("pnb-block-selected", cp === opts.selected);
    inner.appendChild(el);
  }
  return inner;
}
