/**
 * Pointer input on the graph stage: pan (drag the background), zoom (wheel, toward the cursor),
 * select (click a block or an edge; click the background to clear), move (drag a block; `move`
 * is sent on drop), connect (drag from a block's output port onto another block; on a layer with
 * several inputs the pointer picks the input port), expand groups, and drop palette entries onto
 * the canvas.
 */
import { connectRefusal, insertionIndex, insertionX } from "./edges";
import type { Point } from "./layout";
import { DRAG_MIME } from "./palette";
import type { Command, GraphNode, GraphView } from "./protocol";
import type { GraphRenderer } from "./render";
import type { Viewport } from "./viewport";

export interface InteractionHost {
  stage: HTMLElement;
  viewport: Viewport;
  renderer: GraphRenderer;
  readOnly(): boolean;
  select(id: string, focus?: boolean): void;
  selectEdge(index: number): void;
  toggleGroup(id: string): void;
  send(command: Command): void;
  addAt(type: string, pos: Point): void;
  /** Called when the user starts touching the view (so it is not refit later). */
  touched(): void;
  /** The graph as drawn now (for feedback while connecting). */
  view(): GraphView;
}

const DRAG_THRESHOLD = 4;

export function attachInteractions(host: InteractionHost): () => void {
  const { stage, viewport, renderer } = host;
  const local = (ev: { clientX: number; clientY: number }) => {
    const r = stage.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  };
  const toWorld = (ev: { clientX: number; clientY: number }) => {
    const p = local(ev);
    return viewport.toWorld(p.x, p.y);
  };

  const onPointerDown = (ev: PointerEvent) => {
    if (ev.button !== 0) return;
    const t = ev.target as Element;
    if (!t.closest || !stage.contains(t)) return;
    // Overlays (toolbar, minimap, settings, status) handle their own input.
    if (!t.closest(".pnb-world") && t !== stage && !t.classList.contains("pnb-stage-bg")) return;
    if (t.closest(".pnb-group-toggle")) return;
    if (t.closest(".pnb-port-out") && !host.readOnly()) return startConnect(ev, t.closest(".pnb-block") as HTMLElement);
    const edgeHit = t.closest(".pnb-edge-hit");
    if (edgeHit) {
      host.selectEdge(Number(edgeHit.getAttribute("data-edge-index")));
      stage.closest<HTMLElement>(".pnb-canvas")?.focus({ preventScroll: true });
      return;
    }
    const block = t.closest<HTMLElement>(".pnb-block");
    if (block) return startBlockDrag(ev, block);
    startPan(ev);
  };

  function track(ev: PointerEvent, onMove: (e: PointerEvent, moved: boolean) => void, onUp: (e: PointerEvent, moved: boolean) => void) {
    const x0 = ev.clientX;
    const y0 = ev.clientY;
    let moved = false;
    const target = ev.target as Element;
    target.setPointerCapture?.(ev.pointerId);
    const move = (e: PointerEvent) => {
      if (!moved && Math.hypot(e.clientX - x0, e.clientY - y0) < DRAG_THRESHOLD) return;
      moved = true;
      onMove(e, moved);
    };
    const up = (e: PointerEvent) => {
      target.removeEventListener("pointermove", move as EventListener);
      target.removeEventListener("pointerup", up as EventListener);
      target.removeEventListener("pointercancel", up as EventListener);
      onUp(e, moved);
    };
    target.addEventListener("pointermove", move as EventListener);
    target.addEventListener("pointerup", up as EventListener);
    target.addEventListener("pointercancel", up as EventListener);
  }

  function startPan(ev: PointerEvent) {
    let last = { x: ev.clientX, y: ev.clientY };
    stage.classList.add("pnb-panning");
    track(
      ev,
      (e) => {
        host.touched();
        viewport.panBy(e.clientX - last.x, e.clientY - last.y);
        last = { x: e.clientX, y: e.clientY };
      },
      (_e, moved) => {
        stage.classList.remove("pnb-panning");
        if (!moved) {
          host.select("");
          host.selectEdge(-1);
          stage.closest<HTMLElement>(".pnb-canvas")?.focus({ preventScroll: true });
        }
      },
    );
  }

  function startBlockDrag(ev: PointerEvent, block: HTMLElement) {
    const id = block.dataset.nodeId ?? "";
    const nested = !!block.parentElement?.closest(".pnb-group-body");
    const box = renderer.last?.boxes.get(id);
    const canMove = !host.readOnly() && !nested && !!box;
    const start = toWorld(ev);
    const x0 = box?.x ?? 0;
    const y0 = box?.y ?? 0;
    ev.stopPropagation();
    track(
      ev,
      (e) => {
        if (!canMove) return;
        host.touched();
        block.classList.add("pnb-dragging");
        const p = toWorld(e);
        renderer.moveBlock(id, x0 + p.x - start.x, y0 + p.y - start.y);
      },
      (e, moved) => {
        block.classList.remove("pnb-dragging");
        if (moved && canMove) {
          const p = toWorld(e);
          const pos: [number, number] = [Math.round(x0 + p.x - start.x), Math.round(y0 + p.y - start.y)];
          host.send({ op: "move", node: id, pos });
        } else if (!moved) host.select(id, true);
      },
    );
  }

  function startConnect(ev: PointerEvent, block: HTMLElement) {
    ev.stopPropagation();
    ev.preventDefault();
    const src = block.dataset.nodeId ?? "";
    const from = renderer.outputAnchor(src);
    if (!from) return;
    const root = stage.getRootNode() as Document | ShadowRoot;
    const doc = stage.ownerDocument;
    const hint = doc.createElement("div");
    hint.className = "pnb-connect-hint";
    hint.hidden = true;
    stage.appendChild(hint);
    let drop: ConnectTarget | null = null;
    const targetAt = (e: PointerEvent) => {
      const el = root.elementFromPoint?.(e.clientX, e.clientY) as Element | null;
      const b = el?.closest?.<HTMLElement>(".pnb-block") ?? null;
      return b && !b.parentElement?.closest(".pnb-group-body") && b.dataset.nodeId !== src ? b : null;
    };
    const clear = () => {
      if (!drop) return;
      drop.el.classList.remove("pnb-drop-target", "pnb-drop-invalid");
      drop.slots?.remove();
      drop = null;
    };
    stage.classList.add("pnb-connecting");
    track(
      ev,
      (e) => {
        const b = targetAt(e);
        if (b !== drop?.el) {
          clear();
          if (b) drop = connectTarget(host.view(), src, b, doc);
        }
        let to = toWorld(e);
        if (drop && !drop.refusal) {
          const box = renderer.last?.boxes.get(drop.node.id);
          if (box) {
            const port = drop.slots ? choosePort(drop, to.x - box.x, box.w) : 0;
            const n = drop.node.n_inputs;
            // Snap the draft edge to the input it would become.
            to = { x: box.x + (drop.slots ? insertionX(box.w, port, n) : box.w / 2), y: box.y };
          }
        }
        renderer.previewConnection(from, to);
        const p = local(e);
        hint.hidden = !drop;
        hint.textContent = drop ? drop.refusal || drop.label : "";
        hint.classList.toggle("pnb-connect-hint-invalid", !!drop?.refusal);
        hint.style.left = `${p.x + 14}px`;
        hint.style.top = `${p.y + 12}px`;
      },
      (e, moved) => {
        renderer.previewConnection(null);
        stage.classList.remove("pnb-connecting");
        hint.remove();
        const target = moved && drop && targetAt(e) === drop.el ? drop : null;
        clear();
        if (!target) return;
        // Refused targets are sent too: the kernel's answer is the message the user sees.
        const command: Extract<Command, { op: "connect" }> = { op: "connect", src, dst: target.node.id };
        if (target.slots && target.port !== null) command.dst_port = target.port;
        host.send(command);
      },
    );
  }

  const onClick = (ev: MouseEvent) => {
    const toggle = (ev.target as Element).closest?.(".pnb-group-toggle");
    const block = toggle?.closest<HTMLElement>(".pnb-block");
    if (block?.dataset.nodeId) {
      ev.stopPropagation();
      host.toggleGroup(block.dataset.nodeId);
    }
  };

  const onDblClick = (ev: MouseEvent) => {
    const block = (ev.target as Element).closest?.<HTMLElement>(".pnb-group");
    if (block?.dataset.nodeId && !(ev.target as Element).closest(".pnb-group-body")) host.toggleGroup(block.dataset.nodeId);
  };

  const onWheel = (ev: WheelEvent) => {
    if ((ev.target as Element).closest?.(".pnb-settings, .pnb-toolbar")) return;
    ev.preventDefault();
    host.touched();
    const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
    const factor = Math.exp(-ev.deltaY * unit * (ev.ctrlKey ? 0.01 : 0.0015));
    const p = local(ev);
    viewport.zoomAt(factor, p.x, p.y);
  };

  const onDragOver = (ev: DragEvent) => {
    if (host.readOnly() || !ev.dataTransfer?.types.includes(DRAG_MIME)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "copy";
  };
  const onDrop = (ev: DragEvent) => {
    const type = ev.dataTransfer?.getData(DRAG_MIME);
    if (!type || host.readOnly()) return;
    ev.preventDefault();
    host.addAt(type, toWorld(ev));
  };

  stage.addEventListener("pointerdown", onPointerDown);
  stage.addEventListener("click", onClick);
  stage.addEventListener("dblclick", onDblClick);
  stage.addEventListener("wheel", onWheel, { passive: false });
  stage.addEventListener("dragover", onDragOver);
  stage.addEventListener("drop", onDrop);
  return () => {
    stage.removeEventListener("pointerdown", onPointerDown);
    stage.removeEventListener("click", onClick);
    stage.removeEventListener("dblclick", onDblClick);
    stage.removeEventListener("wheel", onWheel);
    stage.removeEventListener("dragover", onDragOver);
    stage.removeEventListener("drop", onDrop);
  };
}

interface ConnectTarget {
  el: HTMLElement;
  node: GraphNode;
  /** Why the kernel will refuse this connection, or "". */
  refusal: string;
  /** Insertion-point markers on a multi-input block that already has inputs. */
  slots: HTMLElement | null;
  port: number | null;
  label: string;
}

function connectTarget(view: GraphView, src: string, el: HTMLElement, doc: Document): ConnectTarget | null {
  const node = view.nodes.find((n) => n.id === el.dataset.nodeId);
  if (!node) return null;
  const refusal = connectRefusal(view, src, node.id);
  el.classList.add(refusal ? "pnb-drop-invalid" : "pnb-drop-target");
  let slots: HTMLElement | null = null;
  if (!refusal && node.multi_input && node.n_inputs > 0) {
    slots = doc.createElement("div");
    slots.className = "pnb-port-slots";
    for (let i = 0; i <= node.n_inputs; i++) {
      const slot = doc.createElement("div");
      slot.className = "pnb-port-slot";
      slot.style.left = `${(100 * (i + 0.5)) / (node.n_inputs + 1)}%`;
      slots.appendChild(slot);
    }
    el.appendChild(slots);
  }
  return { el, node, refusal, slots, port: null, label: `→ ${node.id}` };
}

/** Picks the insertion point under the pointer and marks it; returns the port. */
function choosePort(drop: ConnectTarget, x: number, w: number): number {
  const n = drop.node.n_inputs;
  const port = insertionIndex(x, w, n);
  if (port !== drop.port) {
    drop.port = port;
    drop.slots?.querySelectorAll(".pnb-port-slot").forEach((s, i) => {
      s.classList.toggle("pnb-port-slot-active", i === port);
    });
    drop.label = `→ ${drop.node.id}: input ${port + 1} of ${n + 1}`;
  }
  return port;
}
