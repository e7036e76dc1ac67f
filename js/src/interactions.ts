/**
 * Pointer input on the graph stage: pan (drag the background), zoom (wheel, toward the cursor),
 * select (click a block or an edge; click the background to clear), move (drag a block; `move`
 * is sent on drop), connect (drag from a block's output port onto another block), expand groups,
 * and drop palette entries onto the canvas.
 */
import { DRAG_MIME } from "./palette";
import type { Point } from "./layout";
import type { Command } from "./protocol";
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
    let over: HTMLElement | null = null;
    const targetAt = (e: PointerEvent) => {
      const el = root.elementFromPoint?.(e.clientX, e.clientY) as Element | null;
      const b = el?.closest?.<HTMLElement>(".pnb-block") ?? null;
      return b && !b.parentElement?.closest(".pnb-group-body") && b.dataset.nodeId !== src ? b : null;
    };
    stage.classList.add("pnb-connecting");
    track(
      ev,
      (e) => {
        renderer.previewConnection(from, toWorld(e));
        const b = targetAt(e);
        if (b !== over) {
          over?.classList.remove("pnb-drop-target");
          b?.classList.add("pnb-drop-target");
          over = b;
        }
      },
      (e, moved) => {
        renderer.previewConnection(null);
        over?.classList.remove("pnb-drop-target");
        stage.classList.remove("pnb-connecting");
        const b = moved ? targetAt(e) : null;
        if (b?.dataset.nodeId) host.send({ op: "connect", src, dst: b.dataset.nodeId });
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
