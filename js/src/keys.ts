/**
 * Keyboard shortcuts of the canvas, as a pure function from a key event to an action so it can be
 * tested without a browser. The canvas root stops propagation of every keydown, so JupyterLab's
 * notebook shortcuts (a, b, dd, z, ...) never fire while the canvas has focus.
 */
import type { Command, GraphEdge } from "./protocol";

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}

export interface KeyContext {
  /** Selected block id, or "". */
  selected: string;
  /** Selected edge, if any (Delete disconnects it). */
  selectedEdge?: GraphEdge | null;
  readOnly: boolean;
  /** Focus is in a text field: leave editing keys to the field. */
  typing: boolean;
}

export type ViewAction = "zoom-in" | "zoom-out" | "fit" | "deselect";

export type KeyAction = { type: "command"; command: Command } | { type: "view"; action: ViewAction };

/** Maps a keydown to an action, or null when the canvas should let the key do its default. */
export function mapKey(e: KeyLike, ctx: KeyContext): KeyAction | null {
  if (ctx.typing) return null;
  const mod = !!(e.ctrlKey || e.metaKey);
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod && !e.altKey) {
    if (ctx.readOnly) return null;
    if (key === "z") return { type: "command", command: { op: e.shiftKey ? "redo" : "undo" } };
    if (key === "y" && !e.shiftKey) return { type: "command", command: { op: "redo" } };
    return null;
  }
  if (e.altKey) return null;
  switch (key) {
    case "Delete":
    case "Backspace":
      if (ctx.readOnly) return null;
      if (ctx.selected) return { type: "command", command: { op: "remove", node: ctx.selected } };
      if (ctx.selectedEdge) {
        const { src, dst, src_port, dst_port } = ctx.selectedEdge;
        return { type: "command", command: { op: "disconnect", src, dst, src_port, dst_port } };
      }
      return null;
    case "Escape":
      return { type: "view", action: "deselect" };
    case "+":
    case "=":
      return { type: "view", action: "zoom-in" };
    case "-":
    case "_":
      return { type: "view", action: "zoom-out" };
    case "0":
    case "f":
      return { type: "view", action: "fit" };
  }
  return null;
}

/** True when the event target is a field that takes text input. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el?.tagName) return false;
  const tag = el.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select" || el.isContentEditable) return true;
  if (tag !== "input") return false;
  const type = ((el as HTMLInputElement).type || "text").toLowerCase();
  return !["checkbox", "radio", "button", "submit", "range", "color"].includes(type);
}
