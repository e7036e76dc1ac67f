/**
 * anywidget entry of the graph canvas (`perceptinb.Canvas`). It wires the model traits and
 * messages (see ../protocol.ts) to the renderer, viewport, palette, settings panel and keyboard.
 * The kernel owns the graph; this view only draws it and sends commands.
 */
import "../theme.css";
import "../canvas.css";
import { categoryColor } from "../categories";
import { CommandChannel, StatusLine } from "../commands";
import { ExportControls } from "../exports";
import { attachInteractions } from "../interactions";
import { isTyping, mapKey, type ViewAction } from "../keys";
import type { NodeBox, Point } from "../layout";
import { PalettePanel, placeNear } from "../palette";
import {
  normalizeGraphView,
  TRAITS,
  type AnyModel,
  type Command,
  type CommandResultMessage,
  type Details,
  type GraphEdge,
  type GraphNode,
  type GraphView,
} from "../protocol";
import { BLOCK_WIDTH, blockHeight, GraphRenderer } from "../render";
import { Inspector } from "../inspector";
import { PreviewLayer } from "../previews";
import { SettingsPanel } from "../settings";
import { Minimap, Viewport } from "../viewport";

let viewCounter = 0;

function button(doc: Document, cls: string, text: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = doc.createElement("button");
  b.type = "button";
  b.className = `pnb-icon-button ${cls}`;
  b.textContent = text;
  b.title = label;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

/** Finds a node by (path) id: "conv1" or "GROUP/CHILD". */
function findNode(view: GraphView, path: string): GraphNode | null {
  if (!path) return null;
  let nodes = view.nodes;
  let found: GraphNode | null = null;
  for (const part of path.split("/")) {
    found = nodes.find((n) => n.id === part) ?? null;
    if (!found) return null;
    nodes = found.group?.nodes ?? [];
  }
  return found;
}

const OP_LABEL: Record<string, string> = {
  add: "Add",
  remove: "Remove",
  connect: "Connect",
  disconnect: "Disconnect",
  set: "Setting",
  rename: "Rename",
  move: "Move",
  undo: "Undo",
  redo: "Redo",
};

function render({ model, el }: { model: AnyModel; el: HTMLElement }): () => void {
  const doc = el.ownerDocument;
  const uid = `${++viewCounter}${Math.random().toString(36).slice(2, 6)}`;
  const cleanups: (() => void)[] = [];
  const listen = (event: string, cb: (...args: any[]) => void) => {
    model.on(event, cb);
    cleanups.push(() => model.off(event, cb));
  };

  // --- state ---
  let view: GraphView = normalizeGraphView(model.get(TRAITS.graphView));
  let selected = String(model.get(TRAITS.selected) ?? "");
  let selectedEdge: GraphEdge | null = null;
  let readOnly = !!model.get(TRAITS.readOnly);
  const expanded = new Set<string>();
  let drawnCount = 0;
  let needInitialView = false;
  let userTouched = false;
  /** Node ids when an `add` was sent (the new block gets selected) and the add's outcome. */
  let selectNewFrom: Set<string> | null = null;
  let addOk: boolean | null = null;
  /** A renamed block to select once the graph with its new name arrives. */
  let pendingSelect = "";

  // --- DOM ---
  const root = doc.createElement("div");
  root.className = "pnb-canvas";
  root.tabIndex = 0;
  root.setAttribute("role", "application");
  root.setAttribute("aria-roledescription", "model graph");
  root.setAttribute("data-lm-suppress-shortcuts", "true"); // Lumino: ignore keys from here
  const stage = doc.createElement("div");
  stage.className = "pnb-stage";
  const renderer = new GraphRenderer(doc, uid);
  const viewport = new Viewport(stage, renderer.world);
  const empty = doc.createElement("div");
  empty.className = "pnb-empty";

  const channel = new CommandChannel(model, onResult);
  const status = new StatusLine(doc);
  const exportControls = new ExportControls(doc, model, status, root);
  const send = (command: Command): number => {
    if (readOnly) {
      status.show("This canvas is read-only", "error");
      return -1;
    }
    return channel.send(command);
  };

  const palette = new PalettePanel(doc, (type) => addAt(type, null), false);
  const settings = new SettingsPanel(doc, {
    onSet: (node, key, value) => send({ op: "set", node, key, value }),
    onRename: (node, name) => send({ op: "rename", node, name }),
    onClose: () => select(""),
  });
  const previews = new PreviewLayer(doc, {
    model,
    root,
    blockElement: (id) => renderer.blockElement(id),
    node: (id) => findNode(view, id),
    relayout: () => relayoutKeepingView(), // preview slots grew or shrank
    changed: (ids) => inspector.previewsChanged(ids),
  });
  // At the top of the settings panel, which then scrolls as a whole.
  const inspector = new Inspector(doc, model, previews, settings.el);
  settings.el.insertBefore(inspector.el, settings.el.querySelector(".pnb-settings-body"));

  const toolbar = doc.createElement("div");
  toolbar.className = "pnb-toolbar";
  toolbar.setAttribute("role", "toolbar");
  const title = doc.createElement("span");
  title.className = "pnb-title";
  const count = doc.createElement("span");
  count.className = "pnb-count";
  const undoBtn = button(doc, "pnb-undo", "↶", "Undo (Ctrl+Z)", () => send({ op: "undo" }));
  const redoBtn = button(doc, "pnb-redo", "↷", "Redo (Ctrl+Shift+Z)", () => send({ op: "redo" }));
  const minimapCanvas = doc.createElement("canvas");
  minimapCanvas.className = "pnb-minimap";
  minimapCanvas.setAttribute("aria-label", "Minimap: click to move the view");
  const minimap = new Minimap(minimapCanvas, viewport);
  const minimapBtn = button(doc, "pnb-minimap-toggle", "▣", "Toggle minimap", () => {
    minimapCanvas.hidden = !minimapCanvas.hidden;
    minimapBtn.setAttribute("aria-pressed", String(!minimapCanvas.hidden));
    minimap.draw();
  });
  minimapBtn.setAttribute("aria-pressed", "true");
  toolbar.append(
    title,
    button(doc, "pnb-fit", "⤢", "Fit to view (F)", () => fit()),
    button(doc, "pnb-zoom-in", "+", "Zoom in (+)", () => viewport.zoomCenter(1.25)),
    button(doc, "pnb-zoom-out", "−", "Zoom out (−)", () => viewport.zoomCenter(0.8)),
    undoBtn,
    redoBtn,
    exportControls.copyButton,
    exportControls.exportButton,
    minimapBtn,
    previews.toggle,
    count,
    previews.badge,
  );
  stage.append(renderer.world, empty, toolbar, minimapCanvas, settings.el, status.el);
  root.append(palette.el, stage);
  el.appendChild(root);

  // --- behaviour ---
  function fit(): void {
    const r = renderer.last;
    if (r && r.blockCount) viewport.fit(r);
  }

  function applyReadOnly(): void {
    root.classList.toggle("pnb-read-only", readOnly);
    palette.el.hidden = readOnly;
    undoBtn.hidden = redoBtn.hidden = readOnly;
  }

  function applyHeight(): void {
    const h = Number(model.get(TRAITS.height));
    root.style.height = `${h > 0 ? h : 520}px`;
  }

  function draw(): void {
    const t0 = performance.now();
    view = normalizeGraphView(model.get(TRAITS.graphView));
    // Forget expansion of groups that no longer exist.
    for (const p of [...expanded]) if (!findNode(view, p)?.group) expanded.delete(p);
    if (selected && !findNode(view, selected)) select("");
    if (pendingSelect && findNode(view, pendingSelect)) {
      selected = pendingSelect; // drawn selected below; synced to the kernel right after
      pendingSelect = "";
      model.set(TRAITS.selected, selected);
      model.save_changes();
    }
    const result = renderer.draw(view, { expanded, selected, readOnly, thumb: previews.thumbHeight });
    previews.mount(); // re-attaches drawn thumbnails to rebuilt blocks
    const items = [];
    for (const nd of view.nodes) {
      const b = result.boxes.get(nd.id);
      if (!b) continue;
      const color = nd.error ? "#d32f2f" : nd.blocked ? "#9e9e9e" : categoryColor(nd.category);
      items.push({ x: b.x, y: b.y, w: b.w, h: b.h, color });
    }
    minimap.setItems(items, result);
    if (drawnCount === 0 && result.blockCount > 0) needInitialView = true;
    drawnCount = result.blockCount;
    if (needInitialView && stage.clientWidth > 0) {
      needInitialView = false;
      viewport.initial(result);
    }
    title.textContent = view.name;
    undoBtn.disabled = !view.can_undo;
    redoBtn.disabled = !view.can_redo;
    title.title = view.name;
    count.textContent = `${result.blockCount} ${result.blockCount === 1 ? "block" : "blocks"}`;
    empty.hidden = result.blockCount > 0;
    empty.textContent = readOnly ? "This model has no layers." : "Empty model: add layers from the palette.";
    root.setAttribute("aria-label", `Model graph ${view.name}, ${result.blockCount} blocks`);
    showSettings();
    void root.offsetHeight; // include style and layout in the measured time
    const ms = performance.now() - t0;
    root.dataset.version = String(view.version);
    root.dataset.renderMs = ms.toFixed(1);
    root.dataset.blockCount = String(result.blockCount);
    selectAdded();
  }

  /**
   * Redraws after blocks grew or shrank (previews arrived or were switched off) without the view
   * jumping: the first view is recomputed until the user moved it; after that, the selected
   * block (else the one nearest the centre) stays where it is on screen.
   */
  function relayoutKeepingView(): void {
    const boxes = renderer.last?.boxes;
    let anchor = boxes?.has(selected) ? selected : "";
    if (boxes && !anchor) {
      const v = viewport.visible();
      let best = Infinity;
      for (const [id, b] of boxes) {
        const d = Math.hypot(b.x + b.w / 2 - (v.x + v.w / 2), b.y + b.h / 2 - (v.y + v.h / 2));
        if (d < best) [best, anchor] = [d, id];
      }
    }
    const before = anchor ? { ...boxes!.get(anchor)! } : null;
    draw();
    const after = anchor ? renderer.last?.boxes.get(anchor) : null;
    if (!userTouched && !selected && renderer.last && stage.clientWidth > 0) viewport.initial(renderer.last);
    else if (before && after) viewport.panBy((before.x - after.x) * viewport.k, (before.y - after.y) * viewport.k);
  }

  function showSettings(): void {
    const node = findNode(view, selected);
    settings.show(node, (model.get(TRAITS.details) ?? {}) as Partial<Details>, readOnly);
    stage.classList.toggle("pnb-has-settings", !!node);
    inspector.show(node ? selected : "");
  }

  function select(id: string, focus = false): void {
    if (id && !findNode(view, id)) id = "";
    if (id) selectEdge(-1);
    if (id !== selected) {
      selected = id;
      renderer.setSelected(id);
      model.set(TRAITS.selected, id);
      model.save_changes();
      showSettings();
    }
    const box = id ? renderer.last?.boxes.get(id) : undefined;
    if (box) viewport.ensureVisible(box, settings.el.offsetWidth ? settings.el.offsetWidth + 16 : 0);
    if (focus) (renderer.blockElement(id) ?? root).focus({ preventScroll: true });
  }

  function selectEdge(i: number): void {
    selectedEdge = renderer.selectEdge(i);
    if (selectedEdge && selected) select("");
  }

  function addAt(type: string, pos: Point | null): void {
    let p: [number, number];
    const h = blockHeight({ error: null });
    if (pos) p = [Math.round(pos.x - BLOCK_WIDTH / 2), Math.round(pos.y - h / 2)];
    else {
      // A free spot below the selected block (else the lowest one), so repeated clicks grow a
      // chain; on an empty canvas, the centre of what the settings panel leaves visible.
      const v = viewport.visible();
      const panel = settings.el.offsetWidth ? (settings.el.offsetWidth + 16) / viewport.k : 0;
      const area = { ...v, w: Math.max(BLOCK_WIDTH, v.w - panel) };
      const boxes = [...(renderer.last?.boxes ?? new Map()).values()];
      const below = renderer.last?.boxes.get(selected) ?? boxes.reduce<NodeBox | null>((a, b) => (!a || b.y + b.h > a.y + a.h ? b : a), null);
      p = placeNear(boxes, area, BLOCK_WIDTH, h, below ? [below.x, below.y + below.h + 48] : null);
    }
    // The new block is selected once it is drawn, so its settings form opens at once.
    selectNewFrom = new Set(view.nodes.map((n) => n.id));
    if (send({ op: "add", type, pos: p }) < 0) selectNewFrom = null;
  }

  /** Selects the block an `add` created, once both its result and the new graph arrived. */
  function selectAdded(): void {
    if (!selectNewFrom || addOk === null) return;
    const added = view.nodes.find((n) => !selectNewFrom!.has(n.id));
    if (!addOk || added) {
      selectNewFrom = null;
      // Focus follows, unless the user is still in the palette (typing a search, say).
      if (added) select(added.id, !palette.el.contains(doc.activeElement));
      addOk = null;
    }
  }

  function onResult(command: Command, result: CommandResultMessage): void {
    const inline = settings.commandResult(result.id, result.ok, result.error);
    if (command.op === "add" && selectNewFrom) {
      addOk = result.ok;
      selectAdded();
    }
    if (!result.ok) {
      const what = OP_LABEL[command.op] ?? command.op;
      const target = "node" in command ? ` ${command.node}` : "type" in command ? ` ${command.type}` : "";
      // A form edit shows its error under the field; the status line would only cover the graph.
      if (!inline) status.show(`${what}${target} failed: ${result.error ?? "unknown error"}`, "error");
      if (command.op === "move") draw(); // put the block back where the kernel has it
      return;
    }
    if (command.op === "rename" && (command.node === selected || !selected)) {
      if (findNode(view, command.name)) select(command.name);
      else pendingSelect = command.name; // the new graph_view has not arrived yet
    }
    if (!inline && command.op !== "move") status.clear();
  }

  function viewAction(action: ViewAction): void {
    if (action === "zoom-in") viewport.zoomCenter(1.25);
    else if (action === "zoom-out") viewport.zoomCenter(0.8);
    else if (action === "fit") fit();
    else if (action === "deselect") {
      select("");
      selectEdge(-1);
      root.focus({ preventScroll: true });
    }
  }

  const onKeyDown = (ev: KeyboardEvent) => {
    ev.stopPropagation(); // keep JupyterLab's notebook shortcuts out while the canvas has focus
    const typing = isTyping(ev.target);
    const target = ev.target as HTMLElement;
    if (!typing && (ev.key === "Enter" || ev.key === " ") && target.classList?.contains("pnb-block")) {
      ev.preventDefault();
      select(target.dataset.nodeId ?? "", true);
      return;
    }
    if ((ev.target as Element).closest?.("button") && (ev.key === "Enter" || ev.key === " ")) return;
    const action = mapKey(ev, { selected, selectedEdge, readOnly, typing });
    if (!action) return;
    ev.preventDefault();
    if (action.type === "view") viewAction(action.action);
    else send(action.command);
  };
  root.addEventListener("keydown", onKeyDown);
  cleanups.push(() => root.removeEventListener("keydown", onKeyDown));

  cleanups.push(
    attachInteractions({
      stage,
      viewport,
      renderer,
      readOnly: () => readOnly,
      select,
      selectEdge,
      toggleGroup: (id) => {
        if (expanded.has(id)) expanded.delete(id);
        else expanded.add(id);
        draw();
      },
      send: (c) => void send(c),
      addAt: (type, pos) => addAt(type, pos),
      touched: () => (userTouched = true),
      view: () => view,
    }),
  );

  // Focus moves (Tab to an off-screen block, a test clicking one) scroll the clipped stage; turn
  // that into a pan so the transform stays the only source of the view position.
  const onScroll = () => {
    const { scrollLeft, scrollTop } = stage;
    if (!scrollLeft && !scrollTop) return;
    stage.scrollLeft = 0;
    stage.scrollTop = 0;
    viewport.panBy(-scrollLeft, -scrollTop);
  };
  stage.addEventListener("scroll", onScroll);
  cleanups.push(() => stage.removeEventListener("scroll", onScroll));

  const ro = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => onResize()) : null;
  ro?.observe(stage);
  cleanups.push(() => ro?.disconnect());
  function onResize(): void {
    if (!stage.clientWidth) return;
    const r = renderer.last;
    if (needInitialView && r) {
      needInitialView = false;
      if (!userTouched) viewport.initial(r);
    }
    minimap.draw();
  }

  listen(`change:${TRAITS.graphView}`, draw);
  listen(`change:${TRAITS.selected}`, () => {
    const id = String(model.get(TRAITS.selected) ?? "");
    if (id === selected) return;
    selected = findNode(view, id) ? id : "";
    renderer.setSelected(selected);
    showSettings();
  });
  listen(`change:${TRAITS.details}`, showSettings);
  listen(`change:${TRAITS.palette}`, () => palette.setEntries(model.get(TRAITS.palette) ?? []));
  listen(`change:${TRAITS.readOnly}`, () => {
    readOnly = !!model.get(TRAITS.readOnly);
    applyReadOnly();
    draw();
  });
  listen(`change:${TRAITS.height}`, applyHeight);

  applyHeight();
  applyReadOnly();
  palette.setEntries(model.get(TRAITS.palette) ?? []);
  viewport.set(0, 0, 1);
  draw();

  return () => {
    for (const f of cleanups.splice(0)) f();
    channel.destroy();
    exportControls.destroy();
    inspector.destroy();
    previews.destroy();
    minimap.destroy();
    status.clear();
    renderer.destroy();
    root.remove();
  };
}

export default { render };
