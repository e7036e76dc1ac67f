/**
 * The canvas' version history: a toolbar button opens a list of the hub's versions of this
 * model (newest first, each with its diff to the previous one, the current one marked), and
 * "Restore" puts one into the canvas as ONE undoable command (the kernel's ``restore_version``
 * call; its ordered ``update`` push redraws the graph, and Undo brings the old graph back).
 */
import "./versions.css";
import type { Rpc } from "../rpc";
import { iconButton } from "./toolbar";

export interface VersionRow {
  id: number;
  created: number;
  params: number | null;
  parent: number | null;
  summary: string;
  current: boolean;
}

export class VersionsPanel {
  readonly button: HTMLButtonElement;
  readonly el: HTMLDivElement;
  private readonly list: HTMLDivElement;
  private readonly note: HTMLDivElement;

  constructor(
    private readonly doc: Document,
    private readonly rpc: Rpc,
    /** Why edits are refused now ("" when they are allowed): read-only, or locked by a run. */
    private readonly refusal: () => string,
  ) {
    this.button = iconButton(doc, "pnb-versions-toggle", "⟲", "Version history", () => this.toggle());
    this.button.setAttribute("aria-pressed", "false");
    this.el = doc.createElement("div");
    this.el.className = "pnb-versions";
    this.el.hidden = true;
    this.el.setAttribute("role", "dialog");
    this.el.setAttribute("aria-label", "Version history");
    const head = doc.createElement("div");
    head.className = "pnb-versions-head";
    head.textContent = "Versions in the hub";
    this.note = doc.createElement("div");
    this.note.className = "pnb-versions-note";
    this.list = doc.createElement("div");
    this.list.className = "pnb-versions-list";
    this.el.append(head, this.note, this.list);
    // The stage pans on pointerdown: the panel's own clicks and scrolling are not pans.
    this.el.addEventListener("pointerdown", (ev) => ev.stopPropagation());
    this.el.addEventListener("wheel", (ev) => ev.stopPropagation());
  }

  toggle(open = this.el.hidden): void {
    this.el.hidden = !open;
    this.button.setAttribute("aria-pressed", String(open));
    if (open) void this.load();
  }

  /** Asks the kernel for the versions and lists them. */
  async load(): Promise<void> {
    this.note.textContent = "Loading…";
    try {
      const { result } = await this.rpc.call<{ name: string; versions: VersionRow[] }>("versions");
      this.show(result.versions);
    } catch (e) {
      this.note.textContent = `The versions could not be read: ${(e as Error).message}`;
    }
  }

  show(rows: VersionRow[]): void {
    this.note.textContent = rows.length ? "" : "No versions yet: each training records one.";
    const why = this.refusal();
    this.list.replaceChildren(
      ...rows.map((v) => {
        const row = this.doc.createElement("div");
        row.className = `pnb-version${v.current ? " pnb-version-current" : ""}`;
        row.dataset.versionId = String(v.id);
        const title = this.doc.createElement("div");
        title.className = "pnb-version-title";
        const when = new Date(v.created * 1000).toLocaleString();
        title.textContent = `v${v.id}${v.current ? " (current)" : ""} · ${v.params === null ? "?" : v.params.toLocaleString()} params · ${when}`;
        const summary = this.doc.createElement("div");
        summary.className = "pnb-version-summary";
        summary.textContent = v.parent === null ? v.summary : `vs v${v.parent}: ${v.summary}`;
        const restore = this.doc.createElement("button");
        restore.type = "button";
        restore.className = "pnb-version-restore";
        restore.textContent = "Restore";
        restore.disabled = v.current || !!why;
        restore.title = why || (v.current ? "The canvas shows this version" : "Put this version into the canvas (Undo brings the graph back)");
        restore.addEventListener("click", () => void this.restore(v.id));
        row.append(title, summary, restore);
        return row;
      }),
    );
  }

  private async restore(id: number): Promise<void> {
    this.note.textContent = `Restoring v${id}…`;
    try {
      await this.rpc.call("restore_version", { id });
      await this.load();
    } catch (e) {
      this.note.textContent = `v${id} could not be restored: ${(e as Error).message}`;
    }
  }
}
