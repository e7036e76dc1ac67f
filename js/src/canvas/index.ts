/**
 * anywidget entry of the graph canvas (`perceptinb.Canvas`). It wires the model half (the
 * {@link CanvasStore}, fed by the kernel over the one wire of ../rpc.ts) to the views: the
 * stage (graph, viewport, minimap), toolbar, palette, settings, previews and inspector. The kernel owns the graph; this
 * view only draws it and sends commands. See ../protocol.ts for the messages.
 */
import "../theme.css";
import "../canvas.css";
import { type Outcome, StatusLine, sendCommand } from "../commands";
import { ExportControls } from "../exports";
import { Inspector } from "../inspector";
import { attachInteractions } from "../interactions";
import { isTyping, mapKey, type ViewAction } from "../keys";
import type { NodeBox, Point } from "../layout";
import { PalettePanel, placeNear } from "../palette";
import { PreviewLayer } from "../previews";
import { type AnyModel, type Command, type GraphEdge, type GraphNode, type GraphView, type PreviewsPayload, TRAITS } from "../protocol";
import { BLOCK_WIDTH, blockHeight } from "../render";
import { Rpc } from "../rpc";
import { SettingsPanel } from "../settings";
import { SampleStrip } from "./samples";
import { Stage } from "./stage";
import { CanvasStore, type StoreChange } from "./store";
import { Toolbar } from "./toolbar";
import { VersionsPanel } from "./versions";

let viewCounter = 0;

/** Finds a node by (path) id: "conv1" or "GROUP/CHILD". */
export function findNode(view: GraphView, path: string): GraphNode | null {
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

  // --- model ---
  const rpc = new Rpc(model);
  const store = new CanvasStore(model.get(TRAITS.graphView), model.get(TRAITS.details));
  let selected = String(model.get(TRAITS.selected) ?? "");
  let selectedEdge: GraphEdge | null = null;
  let readOnly = !!model.get(TRAITS.readOnly);
  let locked = String(model.get(TRAITS.locked) ?? "");
  const expanded = new Set<string>();

  // --- views ---
  const root = doc.createElement("div");
  root.className = "pnb-canvas";
  root.tabIndex = 0;
  root.setAttribute("role", "application");
  root.setAttribute("aria-roledescription", "model graph");
  root.setAttribute("data-lm-suppress-shortcuts", "true"); // Lumino: ignore keys from here
  const stage = new Stage(doc, uid);
  const { renderer, viewport } = stage;
  const status = new StatusLine(doc);
  const exportControls = new ExportControls(doc, rpc, status, root);

  /** Why this view may not edit now ("" when it may): read-only, or locked by a training run. */
  const refusal = () => (readOnly ? "This canvas is read-only" : locked);

  const palette = new PalettePanel(doc, (type) => addAt(type, null), false);
  const settings = new SettingsPanel(doc, {
    onSet: (node, key, value) => sendCommand(rpc, { op: "set", node, key, value }),
    onRename: (node, name) => sendCommand(rpc, { op: "rename", node, name }),
    onClose: () => select(""),
  });
  const previews = new PreviewLayer(
    doc,
    {
      rpc,
      root,
      blockElement: (id) => renderer.blockElement(id),
      node: (id) => findNode(store.view, id),
      relayout: () => stage.relayoutKeepingView(selected, draw), // preview slots grew or shrank
      changed: (ids) => inspector.previewsChanged(ids),
    },
    store.previews,
  );
  // At the top of the settings panel, which then scrolls as a whole.
  const inspector = new Inspector(doc, rpc, previews, settings.el);
  settings.el.insertBefore(inspector.el, settings.el.querySelector(".pnb-settings-body"));

  const versions = new VersionsPanel(doc, rpc, refusal);
  const samples = new SampleStrip(doc, rpc, (message) => status.show(message, "error"));
  const toolbar = new Toolbar(
    doc,
    {
      fit: () => stage.fit(),
      zoom: (k) => viewport.zoomCenter(k),
      undo: () => void run({ op: "undo" }),
      redo: () => void run({ op: "redo" }),
      toggleMinimap: () => stage.toggleMinimap(),
    },
    {
      exports: [exportControls.copyButton, exportControls.exportButton, versions.button],
      previewsToggle: previews.toggle,
      syntheticBadge: previews.badge,
    },
  );
  // "previews n/N" while the thumbnails stream in after the first paint.
  const progress = doc.createElement("div");
  progress.className = "pnb-preview-progress";
  progress.setAttribute("role", "status");
  progress.hidden = true;
  // The strip before the settings panel: the panel, when open, lies over its right end.
  stage.el.append(toolbar.el, stage.minimapCanvas, samples.el, settings.el, status.el, progress, versions.el);
  root.append(palette.el, stage.el);
  el.appendChild(root);

  // --- commands ---
  /** Sends a command from the graph (not the form, which shows its errors inline). */
  function run(command: Command): Promise<Outcome> {
    const why = refusal();
    if (why) {
      status.show(why, "error");
      return Promise.resolve({ ok: false, error: why });
    }
    return sendCommand(rpc, command).then((outcome) => {
      if (!outcome.ok) {
        const what = OP_LABEL[command.op] ?? command.op;
        const target =
          "node" in command
            ? ` ${command.node}`
            : "type" in command
              ? ` ${command.type}`
              : "src" in command
                ? ` ${command.src} → ${command.dst}`
                : "";
        status.show(`${what}${target} failed: ${outcome.error}`, "error");
        if (command.op === "move") draw(); // put the block back where the kernel has it
      } else if (command.op !== "move") status.clear();
      return outcome;
    });
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
    // The reply names the new block, and its update (drawn already) came first: select it so
    // its settings form opens at once. Focus follows unless the user is still in the palette.
    void run({ op: "add", type, pos: p }).then((o) => {
      if (o.ok && o.result.added.length) select(o.result.added[0], !palette.el.contains(doc.activeElement));
    });
  }

  // --- drawing ---
  function applyHeight(): void {
    const h = Number(model.get(TRAITS.height));
    root.style.height = `${h > 0 ? h : 520}px`;
  }

  function applyLock(): void {
    root.classList.toggle("pnb-read-only", readOnly);
    root.classList.toggle("pnb-locked", !!locked);
    palette.el.hidden = readOnly;
    palette.setLocked(locked);
    showToolbar();
    showSettings();
  }

  function showToolbar(): void {
    const v = store.view;
    toolbar.show({ name: v.name, blockCount: stage.blockCount, canUndo: v.can_undo, canRedo: v.can_redo, readOnly, locked });
  }

  function draw(): void {
    const t0 = performance.now();
    const view = store.view;
    // Forget expansion of groups that no longer exist.
    for (const p of [...expanded]) if (!findNode(view, p)?.group) expanded.delete(p);
    if (selected && !findNode(view, selected)) select("");
    const result = stage.draw(view, { expanded, selected, readOnly, thumb: previews.thumbHeight });
    previews.mount(); // re-attaches drawn thumbnails to rebuilt blocks
    showToolbar();
    root.setAttribute("aria-label", `Model graph ${view.name}, ${result.blockCount} blocks`);
    showSettings();
    void root.offsetHeight; // include style and layout in the measured time
    root.dataset.version = String(store.version);
    root.dataset.renderMs = (performance.now() - t0).toFixed(1);
    root.dataset.blockCount = String(result.blockCount);
  }

  function showSettings(): void {
    const node = findNode(store.view, selected);
    settings.show(node, store.details, readOnly, locked, selected);
    stage.el.classList.toggle("pnb-has-settings", !!node);
    inspector.show(node ? selected : "");
  }

  /** One kernel update (or snapshot, or the previews answer) was applied to the store: redraw. */
  function onStoreChange(c: StoreChange): void {
    const renamedTo = c.changes?.renamed[selected];
    if (renamedTo) selectQuietly(renamedTo); // the renamed block stays selected, in this update
    if (c.graph) {
      draw(); // mounts the new thumbnails too
      if (c.previews.length) inspector.previewsChanged(c.previews);
    } else {
      if (c.previews.length) previews.present(c.previews);
      if (c.details) showSettings();
    }
    previews.sync();
    showProgress();
    root.dataset.version = String(store.version);
  }

  function showProgress(): void {
    const [done, total] = store.previews.progress;
    progress.hidden = !store.previews.enabled || done >= total;
    progress.textContent = `previews ${done}/${total}`;
    progress.setAttribute("aria-valuenow", String(done));
    progress.setAttribute("aria-valuemax", String(total));
  }

  /** Selects `id` here and in the kernel, without scrolling or focusing. */
  function selectQuietly(id: string): void {
    selected = id;
    renderer.setSelected(id);
    model.set(TRAITS.selected, id);
    model.save_changes();
  }

  function select(id: string, focus = false): void {
    if (id && !findNode(store.view, id)) id = "";
    if (id) selectEdge(-1);
    if (id !== selected) {
      selectQuietly(id);
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

  function viewAction(action: ViewAction): void {
    if (action === "zoom-in") viewport.zoomCenter(1.25);
    else if (action === "zoom-out") viewport.zoomCenter(0.8);
    else if (action === "fit") stage.fit();
    else if (action === "deselect") {
      select("");
      selectEdge(-1);
      root.focus({ preventScroll: true });
    }
  }

  // --- input ---
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
    if (!typing && (ev.key === "[" || ev.key === "]") && samples.count) {
      ev.preventDefault(); // previous / next sample of the strip, from anywhere in the canvas
      samples.step(ev.key === "[" ? -1 : 1);
      return;
    }
    const action = mapKey(ev, { selected, selectedEdge, readOnly, typing });
    if (!action) return;
    ev.preventDefault();
    if (action.type === "view") viewAction(action.action);
    else void run(action.command); // while locked: refused here, with the reason
  };
  root.addEventListener("keydown", onKeyDown);
  cleanups.push(() => root.removeEventListener("keydown", onKeyDown));

  cleanups.push(
    attachInteractions({
      stage: stage.el,
      viewport,
      renderer,
      readOnly: () => !!refusal(),
      select,
      selectEdge,
      toggleGroup: (id) => {
        if (expanded.has(id)) expanded.delete(id);
        else expanded.add(id);
        draw();
      },
      send: (c) => void run(c),
      addAt: (type, pos) => (locked ? status.show(locked, "error") : addAt(type, pos)),
      touched: () => (stage.userTouched = true),
      view: () => store.view,
    }),
  );

  // --- kernel ---
  cleanups.push(store.subscribe(onStoreChange));
  cleanups.push(rpc.on("update", (data, buffers) => store.apply(data, buffers)));
  cleanups.push(rpc.on("samples", (data) => samples.pushed(data)));
  // A snapshot newer than the store (e.g. the comm reconnected); normally the push came first.
  listen(`change:${TRAITS.graphView}`, () => store.snapshot(model.get(TRAITS.graphView), model.get(TRAITS.details)));
  listen(`change:${TRAITS.selected}`, () => {
    const id = String(model.get(TRAITS.selected) ?? "");
    if (id === selected) return;
    selected = findNode(store.view, id) ? id : "";
    renderer.setSelected(selected);
    showSettings();
  });
  listen(`change:${TRAITS.palette}`, () => palette.setEntries(model.get(TRAITS.palette) ?? []));
  listen(`change:${TRAITS.readOnly}`, () => {
    readOnly = !!model.get(TRAITS.readOnly);
    applyLock();
    draw();
  });
  listen(`change:${TRAITS.locked}`, () => {
    locked = String(model.get(TRAITS.locked) ?? "");
    applyLock();
  });
  listen(`change:${TRAITS.height}`, applyHeight);

  applyHeight();
  palette.setEntries(model.get(TRAITS.palette) ?? []);
  draw();
  applyLock();
  // The trait holds the graph as the canvas was created: ask for the current one (and again
  // whenever an edit's delta does not fit what is held).
  const fetchGraph = () =>
    rpc.call<{ graph: unknown; details: unknown }>("graph").then(
      ({ result }) => store.whole(result.graph, result.details),
      () => {}, // the view closed, or the kernel is gone
    );
  store.onStale = fetchGraph;
  fetchGraph();
  // Every thumbnail once; later changes come with the updates.
  rpc.call<PreviewsPayload & { version: number }>("previews").then(
    ({ result, buffers }) => store.allPreviews(result, buffers, Number(result.version) || 0),
    () => {}, // the view closed, or the kernel is gone: nothing to draw
  );
  void samples.load();

  return () => {
    for (const f of cleanups.splice(0)) f();
    rpc.destroy();
    exportControls.destroy();
    inspector.destroy();
    previews.destroy();
    stage.destroy();
    status.clear();
    root.remove();
  };
}

export default { render };
