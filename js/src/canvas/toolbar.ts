/**
 * The canvas toolbar (a view of the canvas store): the model name, view buttons, undo/redo, the
 * export buttons, the minimap and previews toggles, the block count, the synthetic-sample badge
 * and the lock badge that says why editing is refused while a training run uses the layers.
 */
import "./toolbar.css";

export function iconButton(doc: Document, cls: string, text: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = doc.createElement("button");
  b.type = "button";
  b.className = `pnb-icon-button ${cls}`;
  b.textContent = text;
  b.title = label;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

export interface ToolbarActions {
  fit(): void;
  zoom(factor: number): void;
  undo(): void;
  redo(): void;
  toggleMinimap(): boolean;
}

/** What the toolbar shows; `locked` is the reason edits are refused ("" when they are not). */
export interface ToolbarState {
  name: string;
  blockCount: number;
  canUndo: boolean;
  canRedo: boolean;
  readOnly: boolean;
  locked: string;
}

export class Toolbar {
  readonly el: HTMLDivElement;
  private readonly title: HTMLSpanElement;
  private readonly count: HTMLSpanElement;
  private readonly undoBtn: HTMLButtonElement;
  private readonly redoBtn: HTMLButtonElement;
  readonly lockBadge: HTMLSpanElement;

  constructor(
    doc: Document,
    actions: ToolbarActions,
    /** Extra controls owned by other views: exports, previews toggle, synthetic badge. */
    parts: { exports: HTMLElement[]; previewsToggle: HTMLElement; syntheticBadge: HTMLElement },
  ) {
    this.el = doc.createElement("div");
    this.el.className = "pnb-toolbar";
    this.el.setAttribute("role", "toolbar");
    this.title = doc.createElement("span");
    this.title.className = "pnb-title";
    this.count = doc.createElement("span");
    this.count.className = "pnb-count";
    this.undoBtn = iconButton(doc, "pnb-undo", "↶", "Undo (Ctrl+Z)", () => actions.undo());
    this.redoBtn = iconButton(doc, "pnb-redo", "↷", "Redo (Ctrl+Shift+Z)", () => actions.redo());
    const minimapBtn = iconButton(doc, "pnb-minimap-toggle", "▣", "Toggle minimap", () => {
      minimapBtn.setAttribute("aria-pressed", String(actions.toggleMinimap()));
    });
    minimapBtn.setAttribute("aria-pressed", "true");
    this.lockBadge = doc.createElement("span");
    this.lockBadge.className = "pnb-lock-badge";
    this.lockBadge.setAttribute("role", "status");
    this.lockBadge.hidden = true;
    this.el.append(
      this.title,
      iconButton(doc, "pnb-fit", "⤢", "Fit to view (F)", () => actions.fit()),
      iconButton(doc, "pnb-zoom-in", "+", "Zoom in (+)", () => actions.zoom(1.25)),
      iconButton(doc, "pnb-zoom-out", "−", "Zoom out (−)", () => actions.zoom(0.8)),
      this.undoBtn,
      this.redoBtn,
      ...parts.exports,
      minimapBtn,
      parts.previewsToggle,
      this.count,
      parts.syntheticBadge,
      this.lockBadge,
    );
  }

  show(s: ToolbarState): void {
    this.title.textContent = s.name;
    this.title.title = s.name;
    this.count.textContent = `${s.blockCount} ${s.blockCount === 1 ? "block" : "blocks"}`;
    this.undoBtn.hidden = this.redoBtn.hidden = s.readOnly;
    this.undoBtn.disabled = !s.canUndo || !!s.locked;
    this.redoBtn.disabled = !s.canRedo || !!s.locked;
    this.lockBadge.hidden = !s.locked;
    this.lockBadge.textContent = s.locked ? "locked during a run" : "";
    this.lockBadge.title = s.locked;
    this.lockBadge.setAttribute("aria-label", s.locked ? `Editing locked: ${s.locked}` : "");
  }
}
