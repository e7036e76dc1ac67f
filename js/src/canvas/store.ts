/**
 * The canvas' state in the browser (the model half of a bqplot-style model/view split): the
 * graph view, the selected block's details and the previews, all at one kernel `version`.
 *
 * It changes only through the kernel's ordered `update` pushes (each applied whole, see
 * protocol.ts), the trait snapshot a view starts from, and the `previews` call a view makes
 * once. Anything older than what it holds is dropped, so a late message can never roll the
 * canvas back. Views subscribe and redraw from the {@link StoreChange} they get.
 */
import type { BufferLike } from "../codec";
import { PreviewStore } from "../preview-data";
import { type CanvasUpdate, type Details, type GraphChanges, type GraphView, normalizeGraphView, type PreviewsPayload } from "../protocol";

/** What one applied message changed. */
export interface StoreChange {
  version: number;
  graph: boolean;
  details: boolean;
  /** Node ids whose preview changed or went away. */
  previews: string[];
  /** What an edit added, removed or renamed (the `update` of an edit only). */
  changes: GraphChanges | null;
}

export type StoreListener = (change: StoreChange) => void;

/** An edit's graph view delta (see perceptinb/widgets/canvas_state.py). */
interface GraphDelta {
  delta: true;
  /** The graph view version this delta applies to. */
  base: number;
  nodes?: unknown[];
  removed?: string[];
  order?: string[];
  edges_added?: unknown[];
  edges_removed?: unknown[];
}

type EdgeLike = { src: string; dst: string; src_port: number; dst_port: number };
const edgeKey = (e: EdgeLike) => `${e.src}\u0000${e.dst}\u0000${e.src_port}\u0000${e.dst_port}`;

/**
 * `view` with an edit's delta applied: changed blocks replaced, removed ones dropped, the node
 * order taken when given, edges removed and added. Null when the delta is for another base.
 */
export function applyGraphDelta(view: GraphView, raw: GraphDelta & Record<string, unknown>, version: number): GraphView | null {
  if (raw.base !== view.version) return null;
  const byId = new Map<string, unknown>(view.nodes.map((n) => [n.id, n]));
  for (const id of raw.removed ?? []) byId.delete(String(id));
  const fresh = (raw.nodes ?? []) as { id: string }[];
  for (const n of fresh) if (n && typeof n === "object") byId.set(String(n.id), n);
  const order = Array.isArray(raw.order) ? raw.order.map(String) : [...byId.keys()];
  const gone = new Set(((raw.edges_removed ?? []) as EdgeLike[]).map(edgeKey));
  const edges = [...view.edges.filter((e) => !gone.has(edgeKey(e))), ...((raw.edges_added ?? []) as EdgeLike[])];
  const { delta: _d, base: _b, nodes: _n, removed: _r, order: _o, edges_added: _a, edges_removed: _e, ...meta } = raw;
  return normalizeGraphView({ ...view, ...meta, version, nodes: order.map((id) => byId.get(id)).filter(Boolean), edges });
}

function normalizeChanges(raw: unknown): GraphChanges | null {
  const c = raw as Partial<GraphChanges> | null;
  if (!c || typeof c !== "object") return null;
  const ids = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const renamed: Record<string, string> = {};
  if (c.renamed && typeof c.renamed === "object") for (const [k, v] of Object.entries(c.renamed)) renamed[k] = String(v);
  return { added: ids(c.added), removed: ids(c.removed), renamed };
}

export class CanvasStore {
  view: GraphView;
  details: Partial<Details>;
  readonly previews = new PreviewStore();
  private readonly listeners = new Set<StoreListener>();
  /** Called when a delta does not fit the view held (it missed one): ask for the whole view. */
  onStale: () => void = () => {};

  constructor(view: unknown, details: unknown) {
    this.view = normalizeGraphView(view);
    this.details = details && typeof details === "object" ? (details as Partial<Details>) : {};
  }

  /** The kernel version of what is shown. */
  get version(): number {
    return Math.max(this.view.version, this.previews.version);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Applies one `update` push whole: graph, details and previews together. Returns what changed,
   * or null (changing nothing) when it is older than the shown version or malformed.
   */
  apply(raw: unknown, buffers: readonly BufferLike[] = []): StoreChange | null {
    const u = raw as Partial<CanvasUpdate> | null;
    if (!u || typeof u !== "object" || typeof u.version !== "number" || u.version < this.version) return null;
    const change: StoreChange = { version: u.version, graph: false, details: false, previews: [], changes: normalizeChanges(u.changes) };
    if (u.graph && typeof u.graph === "object") {
      const raw = u.graph as unknown as GraphDelta & Record<string, unknown>;
      const next = raw.delta ? applyGraphDelta(this.view, raw, u.version) : normalizeGraphView({ ...u.graph, version: u.version });
      if (next) {
        this.view = next;
        change.graph = true;
      } else this.onStale();
    }
    if (u.details && typeof u.details === "object") {
      this.details = u.details;
      change.details = true;
    }
    if (u.previews && typeof u.previews === "object") change.previews = this.previews.apply(u.previews, buffers, u.version);
    return this.emit(change);
  }

  /** The `graph_view` trait changed: taken only when newer (the push normally came first). */
  snapshot(rawView: unknown, rawDetails: unknown): StoreChange | null {
    const view = normalizeGraphView(rawView);
    if (view.version <= this.version) return null;
    this.view = view;
    if (rawDetails && typeof rawDetails === "object") this.details = rawDetails as Partial<Details>;
    return this.emit({ version: view.version, graph: true, details: true, previews: [], changes: null });
  }

  /** The answer to a `graph` call: the whole view, taken unless the one held is as new. */
  whole(rawView: unknown, rawDetails: unknown): StoreChange | null {
    const view = normalizeGraphView(rawView);
    if (view.version <= this.view.version) return null;
    this.view = view;
    if (rawDetails && typeof rawDetails === "object") this.details = rawDetails as Partial<Details>;
    return this.emit({ version: view.version, graph: true, details: true, previews: [], changes: null });
  }

  /** The answer to this view's `previews` call: every thumbnail at `version`. */
  allPreviews(payload: Partial<PreviewsPayload>, buffers: readonly BufferLike[], version: number): StoreChange | null {
    if (version < this.previews.version) return null;
    const ids = this.previews.apply(payload, buffers, version, true);
    return this.emit({ version, graph: false, details: false, previews: ids, changes: null });
  }

  private emit(change: StoreChange): StoreChange {
    for (const listener of [...this.listeners]) listener(change);
    return change;
  }
}
