/**
 * Edge geometry and drawing: smooth cubic paths from the bottom of the source block to the top of
 * the destination, offset by port index, through the layout's waypoints, with arrowheads.
 */
import type { LayoutResult, NodeBox, Point } from "./layout";
import type { GraphEdge, GraphNode } from "./protocol";

const SVG_NS = "http://www.w3.org/2000/svg";

export interface EdgeLevel {
  layout: Pick<LayoutResult, "nodes" | "routes">;
  edges: GraphEdge[];
  /** Path prefix of the level ("" or "GROUP/"), for data-src / data-dst. */
  prefix: string;
}

export interface DrawnEdge {
  edge: GraphEdge;
  path: SVGPathElement;
  hit: SVGPathElement;
  route: Point[];
}

/** Horizontal anchor of port `port` out of `count` along a block of width `w`. */
export function portX(w: number, port: number, count: number): number {
  if (count <= 1) return w / 2;
  const p = Math.max(0, Math.min(count - 1, port));
  return (w * (p + 1)) / (count + 1);
}

/** Smooth path through points: cubic curves with vertical tangents, straight vertical runs. */
export function edgePath(points: Point[]): string {
  const f = (v: number) => Math.round(v * 10) / 10;
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1];
    const q = points[i];
    if (p.x === q.x && q.y >= p.y) {
      d += `L${f(q.x)},${f(q.y)}`;
      continue;
    }
    // Back edges (q above p) loop out below p and come in above q.
    const bend = q.y > p.y ? (q.y - p.y) / 2 : 48;
    d += `C${f(p.x)},${f(p.y + bend)} ${f(q.x)},${f(q.y - bend)} ${f(q.x)},${f(q.y)}`;
  }
  return d;
}

export function edgePoints(e: GraphEdge, boxes: Map<string, NodeBox>, byId: Map<string, GraphNode>, route: Point[]): Point[] | null {
  const a = boxes.get(e.src);
  const b = boxes.get(e.dst);
  if (!a || !b) return null;
  const sa = byId.get(e.src);
  const sb = byId.get(e.dst);
  const from = { x: a.x + portX(a.w, e.src_port, sa?.n_outputs ?? 1), y: a.y + a.h };
  const to = { x: b.x + portX(b.w, e.dst_port, sb?.n_inputs ?? 1), y: b.y };
  return [from, ...route, to];
}

export function drawEdges(
  doc: Document,
  layer: SVGGElement,
  level: EdgeLevel,
  markerId: string,
  byId: Map<string, GraphNode>,
  interactive: boolean,
): DrawnEdge[] {
  const frag = doc.createDocumentFragment();
  const drawn: DrawnEdge[] = [];
  const hits: SVGPathElement[] = [];
  level.edges.forEach((e, i) => {
    const route = level.layout.routes[i] ?? [];
    const pts = edgePoints(e, level.layout.nodes, byId, route);
    if (!pts) return;
    const d = edgePath(pts);
    const path = doc.createElementNS(SVG_NS, "path") as SVGPathElement;
    const src = byId.get(e.src);
    const dst = byId.get(e.dst);
    let cls = "pnb-edge";
    if (dst?.blocked || dst?.error || src?.error || src?.blocked) cls += " pnb-edge-blocked";
    if (pts[pts.length - 1].y < pts[0].y) cls += " pnb-edge-back";
    path.setAttribute("class", cls);
    path.setAttribute("d", d);
    path.setAttribute("marker-end", `url(#${markerId})`);
    path.setAttribute("data-src", level.prefix + e.src);
    path.setAttribute("data-dst", level.prefix + e.dst);
    path.setAttribute("data-src-port", String(e.src_port));
    path.setAttribute("data-dst-port", String(e.dst_port));
    const hit = doc.createElementNS(SVG_NS, "path") as SVGPathElement;
    hit.setAttribute("class", "pnb-edge-hit");
    hit.setAttribute("d", d);
    hit.setAttribute("data-edge-index", String(drawn.length));
    frag.appendChild(path);
    if (interactive) hits.push(hit);
    drawn.push({ edge: e, path, hit, route });
  });
  for (const h of hits) frag.appendChild(h); // on top, so thin edges are easy to click
  const draft = layer.querySelector(".pnb-edge-draft");
  layer.replaceChildren(frag);
  if (draft) layer.appendChild(draft);
  return drawn;
}

/**
 * Where a connection dropped at `x` (block-relative) on a block with `n` inputs goes: insertion
 * point 0..n, spaced evenly between the existing input ports (the kernel inserts there).
 */
export function insertionIndex(x: number, w: number, n: number): number {
  if (n <= 0 || w <= 0) return 0;
  return Math.max(0, Math.min(n, Math.floor((x / w) * (n + 1))));
}

/** Block-relative x of insertion point `i` of `n` inputs: halfway between ports i-1 and i. */
export function insertionX(w: number, i: number, n: number): number {
  return (w * (i + 0.5)) / (n + 1);
}

/** Whether an edge src -> dst would close a cycle (dst already reaches src, or src === dst). */
export function wouldCycle(edges: readonly GraphEdge[], src: string, dst: string): boolean {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.src);
    if (list) list.push(e.dst);
    else next.set(e.src, [e.dst]);
  }
  const seen = new Set<string>();
  const stack = [dst];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === src) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const d of next.get(id) ?? []) stack.push(d);
  }
  return false;
}

/**
 * Why the canvas should not offer `dst` as a drop target for a connection from `src`, or "".
 * Only for feedback while dragging: the kernel still judges the connect command itself. The
 * node's own rules (an input takes no connection, a single-input layer has one) come from the
 * kernel as `refuses_input`; what stays here is the one check that needs every edge, acyclicity.
 */
export function connectRefusal(view: { nodes: GraphNode[]; edges: GraphEdge[] }, src: string, dst: string): string {
  const target = view.nodes.find((n) => n.id === dst);
  if (!target) return "";
  if (target.refuses_input) return target.refuses_input;
  if (src === dst || wouldCycle(view.edges, src, dst)) return `${src} → ${dst} would create a cycle`;
  return "";
}
