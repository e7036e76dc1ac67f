/**
 * The sync contract between the Python kernel (perceptinb.widgets.canvas) and the browser.
 *
 * This file IS the contract documentation: the kernel is the source of truth and owns every
 * trait below except `selected`. The browser renders that state and sends *commands*; it never
 * sends a whole graph and holds no domain logic beyond layout and drawing.
 *
 * Traits (anywidget model attributes):
 *
 * | trait        | direction   | type                 | meaning                                  |
 * |--------------|-------------|----------------------|------------------------------------------|
 * | `_graph_view` | Python → JS | {@link GraphView}   | the graph as the canvas was created      |
 * | `selected`   | JS → Python | string               | id of the selected block, or ""          |
 * | `details`    | Python → JS | {@link Details} | {} | settings of the selected block           |
 * | `palette`    | Python → JS | {@link PaletteEntry}[] | layer types the user may add           |
 * | `read_only`  | Python → JS | boolean              | no palette, no editing, selection only   |
 * | `locked`     | Python → JS | string               | why edits are refused now ("" if they are not) |
 * | `height`     | Python → JS | integer              | widget height in CSS pixels              |
 *
 * `_graph_view` and `details` are what a view draws at once; it then calls `graph` for the
 * current view (the trait is not re-sent per edit). Live changes arrive as ONE ordered `update`
 * push per state change (ipywidgets applies trait updates through a promise chain but custom
 * messages at once, so the two could overtake each other); an edit's `graph` is a delta
 * (`{delta: true, base, nodes, removed, order?, edges_added, edges_removed}`, see
 * canvas/store.ts `applyGraphDelta`), and `previews.progress` counts the previews streaming in.
 *
 * Messages go over the one wire of ./rpc.ts (calls with ids, pushes by topic); arrays inside
 * them use ./codec.ts (`{buffer, dtype, shape}`, bytes as binary buffers, never JSON lists):
 * - push `update`: {@link CanvasUpdate} `{version, graph?, details?, previews?, changes?}`, one
 *   per state change, applied whole (see canvas/store.ts). A selection change sends
 *   `{version, details}` without bumping the version.
 * - call `graph {}` → `{version, graph, details}`: the whole current view.
 * - call `command {command}` → {@link CommandResult} `{version, added, removed, renamed}`; the
 *   edit's `update` arrives before this reply. Refused: the kernel's message.
 * - call `export {format: "code" | "keras"}` → `{format, code}` or `{format, filename, size}`
 *   with the `.keras` file as the reply's one buffer.
 * - call `previews {}` → {@link PreviewsPayload} + `version`: every thumbnail (once per view).
 * - call `preview_detail {node, page}` → `{version, detail: PreviewDetail | null}`.
 * - call `set_previews {enabled}` → `{version}`; the thumbnails come (or go) in an update.
 */

import type { ArrayDescriptor } from "./codec";

/** Trait names, spelled once. */
export const TRAITS = {
  graphView: "_graph_view",
  selected: "selected",
  details: "details",
  palette: "palette",
  readOnly: "read_only",
  locked: "locked",
  height: "height",
} as const;

/** One block of the graph. */
export interface GraphNode {
  /** Unique id within its graph (== Keras layer name for imported models). */
  id: string;
  /** Keras class name, e.g. "Conv2D". */
  type: string;
  /** One of the kernel's categories (perceptinb/catalog.py `CATEGORIES`); the stylesheet draws
   * one it does not know like "other". */
  category: string;
  /** Output shape text such as "(None, 26, 26, 8)", or "" when unknown. */
  shape: string;
  /** Parameter count of the layer. */
  params: number;
  /** This layer failed to build: the block turns red and shows the message. */
  error: string | null;
  /** An upstream layer failed, so this one could not be built: the block is greyed. */
  blocked: boolean;
  /**
   * User-placed top-left corner in canvas world pixels (the same units the automatic layout
   * uses), or null to let the automatic layout place it. The browser sends `move` on drop.
   */
  pos: [number, number] | null;
  /** This block is a second call of a shared layer owned by node `shares`. */
  shares: string | null;
  n_inputs: number;
  n_outputs: number;
  /** The layer takes several inputs (Add, Concatenate...): connecting lets the user pick the port. */
  multi_input: boolean;
  /** Why the kernel would refuse a connection into this block ("" if it takes one): its own rule. */
  refuses_input: string;
  /**
   * A nested model. Drawn collapsed by default; the expand toggle lays out and draws the inner
   * graph inside the block. Inner blocks get the path id "GROUPID/CHILDID" in the DOM, in
   * `selected` and in commands that target them.
   */
  group: { nodes: GraphNode[]; edges: GraphEdge[] } | null;
}

/** A connection from output `src_port` of `src` to input `dst_port` of `dst`. */
export interface GraphEdge {
  src: string;
  dst: string;
  src_port: number;
  dst_port: number;
}

/** The `graph_view` trait. */
export interface GraphView {
  /** Increments on every change; echoed as `data-version` on `.pnb-canvas` after drawing. */
  version: number;
  name: string;
  synthetic: boolean;
  /** Whether the kernel's history has something to undo / redo (the toolbar buttons follow). */
  can_undo: boolean;
  can_redo: boolean;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** A JSON value as found in a Keras `get_config()`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * The `details` trait: computed by Python for the block named by `selected`; `{}` when nothing
 * is selected. `settings` is the Keras `get_config()` of the layer; `fields` describes its form
 * (perceptinb/forms.py), in display order.
 */
export interface Details {
  id: string;
  type: string;
  shape: string;
  params: number;
  error: string | null;
  settings: Record<string, JsonValue>;
  fields?: FormField[];
}

/**
 * One settings-form field. Kinds: int, float, bool, str; `tuple` is a flat list typed as
 * "3, 3" (`item` says int or float; `scalar`: one number is also accepted, Keras repeats it);
 * `enum` picks one of `choices` (whose values may be serialized Keras objects such as
 * initializers; the current one lists its config as `params`); `json` is edited as JSON text.
 */
export interface FormField {
  key: string;
  kind: "int" | "float" | "bool" | "str" | "tuple" | "enum" | "json";
  value: JsonValue;
  /** None is a valid value (an empty text field sends it). */
  nullable: boolean;
  /** False: shown, not editable (an input's `ragged`, settings inside a nested model). */
  editable: boolean;
  /** First sentences of the Keras docstring for this argument. */
  help?: string;
  item?: "int" | "float";
  scalar?: boolean;
  choices?: FormChoice[];
  /** Index of the current choice in `choices` (-1: none); the kernel decides it (forms.py). */
  selected?: number;
}

export interface FormChoice {
  label: string;
  value: JsonValue;
  params?: FormField[];
}

/** One entry of the `palette` trait. */
export interface PaletteEntry {
  type: string;
  /** As {@link GraphNode.category}; the trait lists entries in the kernel's category order. */
  category: string;
}

/** Commands the browser may send. They mirror `Canvas.apply()` on the Python side. */
export type Command =
  | { op: "add"; type: string; settings?: Record<string, JsonValue>; id?: string; pos?: [number, number] }
  | { op: "remove"; node: string }
  | { op: "connect"; src: string; dst: string; src_port?: number; dst_port?: number }
  | { op: "disconnect"; src: string; dst: string; src_port?: number; dst_port?: number }
  | { op: "set"; node: string; key: string; value: JsonValue }
  | { op: "rename"; node: string; name: string }
  | { op: "move"; node: string; pos: [number, number] }
  | { op: "undo" }
  | { op: "redo" };

/** What an edit changed in the top-level graph; a renamed block keeps its selection. */
export interface GraphChanges {
  added: string[];
  removed: string[];
  renamed: Record<string, string>;
}

/** The result of the `command` call; the update of `version` was applied before it arrives. */
export interface CommandResult extends GraphChanges {
  version: number;
}

/** The `update` push: one state change, stamped with its version, applied whole. */
export interface CanvasUpdate {
  version: number;
  graph?: GraphView;
  details?: Partial<Details>;
  previews?: PreviewsPayload;
  changes?: GraphChanges;
}

export type { AnyModel } from "./anymodel";

/** Normalises a possibly partial/malformed graph_view into a safe GraphView. */
export function normalizeGraphView(raw: unknown): GraphView {
  const g = (raw && typeof raw === "object" ? raw : {}) as Partial<GraphView>;
  return {
    version: typeof g.version === "number" ? g.version : 0,
    name: typeof g.name === "string" ? g.name : "",
    synthetic: !!g.synthetic,
    can_undo: g.can_undo !== false,
    can_redo: g.can_redo !== false,
    nodes: Array.isArray(g.nodes) ? g.nodes.map(normalizeNode) : [],
    edges: Array.isArray(g.edges) ? g.edges.map(normalizeEdge) : [],
  };
}

function normalizeNode(raw: Partial<GraphNode>): GraphNode {
  const group = raw.group && typeof raw.group === "object" ? raw.group : null;
  return {
    id: String(raw.id ?? ""),
    type: String(raw.type ?? ""),
    category: String(raw.category ?? "other"),
    shape: typeof raw.shape === "string" ? raw.shape : "",
    params: typeof raw.params === "number" ? raw.params : 0,
    error: typeof raw.error === "string" && raw.error ? raw.error : null,
    blocked: !!raw.blocked,
    pos: Array.isArray(raw.pos) && raw.pos.length === 2 ? [Number(raw.pos[0]), Number(raw.pos[1])] : null,
    shares: typeof raw.shares === "string" && raw.shares ? raw.shares : null,
    n_inputs: typeof raw.n_inputs === "number" ? raw.n_inputs : 1,
    n_outputs: typeof raw.n_outputs === "number" ? raw.n_outputs : 1,
    multi_input: !!raw.multi_input,
    refuses_input: typeof raw.refuses_input === "string" ? raw.refuses_input : "",
    group: group
      ? {
          nodes: Array.isArray(group.nodes) ? group.nodes.map(normalizeNode) : [],
          edges: Array.isArray(group.edges) ? group.edges.map(normalizeEdge) : [],
        }
      : null,
  };
}

function normalizeEdge(raw: Partial<GraphEdge>): GraphEdge {
  return {
    src: String(raw.src ?? ""),
    dst: String(raw.dst ?? ""),
    src_port: typeof raw.src_port === "number" ? raw.src_port : 0,
    dst_port: typeof raw.dst_port === "number" ? raw.dst_port : 0,
  };
}

// ---------- previews ----------

/** How a preview is drawn; chosen by the kernel from the output shape. */
export type PreviewKind = "gray" | "rgb" | "grid" | "heatmap" | "bars" | "line" | "tokens" | "none";

/** Summary numbers of a layer output; `nan` and `inf` are counts. */
export interface PreviewStats {
  min: number;
  mean: number;
  max: number;
  std: number;
  zero_frac: number;
  nan: number;
  inf: number;
}

/**
 * One preview as sent by the kernel. `data` is its payload (./codec.ts), null when it has none:
 * gray/grid/heatmap uint8 [h, w]; rgb uint8 [h, w, 3]; bars/line float16 [n]; tokens int32 [n].
 * A grid is rows×cols tiles of `tile` pixels, one feature map each.
 */
export interface PreviewItem {
  node: string;
  kind: PreviewKind;
  /** Output shape without the batch axis. */
  shape: number[];
  data: ArrayDescriptor | null;
  stats: PreviewStats;
  error: string | null;
  grid?: { rows: number; cols: number; tile: [number, number]; channels: number; shown: number; page?: number; pages?: number };
  /** Value range that uint8 0..255 (or the bars' axis) maps to. */
  range?: [number, number];
  /** tokens of text: the words the ids stand for, in order. */
  labels?: string[];
}

/** Thumbnails of changed nodes (all of them in the `previews` call); `removed` lost theirs. */
export interface PreviewsPayload {
  items: PreviewItem[];
  removed: string[];
  /** The kernel's previews switch, so every view shows the right toggle. */
  enabled: boolean;
  /** The sample is generated, not user data. */
  synthetic: boolean;
  /** `[done, total]` while the previews stream in after the first paint. */
  progress?: [number, number];
}

/** The full-resolution preview of one node, for the inspector. */
export interface PreviewDetail {
  node: string;
  /** Channel page shown (grids), 0-based, of `pages`. */
  page: number;
  pages: number;
  item: PreviewItem;
  /** float32 counts over [lo, hi]. */
  histogram: { counts: ArrayDescriptor; lo: number; hi: number } | null;
  /** Ground truth `y` of the first sample, when known. */
  target: PreviewItem | null;
}
