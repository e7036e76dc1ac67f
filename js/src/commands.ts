/**
 * Commands to the kernel over the one wire (./rpc.ts `command` call), and the status line that
 * shows what went wrong. A command resolves to an {@link Outcome}: the kernel's
 * {@link CommandResult} (what changed, at which version) or its error message; it never rejects.
 */
import type { Command, CommandResult } from "./protocol";
import type { Rpc } from "./rpc";

export type Outcome = { ok: true; result: CommandResult } | { ok: false; error: string };

/** Sends `command` and resolves with what the kernel said (its update arrived before). */
export function sendCommand(rpc: Rpc, command: Command): Promise<Outcome> {
  return rpc.call<CommandResult>("command", { command }).then(
    ({ result }) => ({
      ok: true as const,
      result: {
        version: Number(result?.version) || 0,
        added: Array.isArray(result?.added) ? result.added.map(String) : [],
        removed: Array.isArray(result?.removed) ? result.removed.map(String) : [],
        renamed: result?.renamed && typeof result.renamed === "object" ? result.renamed : {},
      },
    }),
    (error: Error) => ({ ok: false as const, error: error.message || "unknown error" }),
  );
}

/** The status line at the bottom of the canvas: failures stay 8 s (or until clicked), info 2.5 s. */
export class StatusLine {
  readonly el: HTMLDivElement;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(doc: Document) {
    this.el = doc.createElement("div");
    this.el.className = "pnb-status";
    this.el.setAttribute("role", "status");
    this.el.setAttribute("aria-live", "polite");
    this.el.hidden = true;
    this.el.addEventListener("click", () => this.clear());
  }

  show(text: string, kind: "info" | "error" = "info", ms = kind === "error" ? 8000 : 2500): void {
    if (this.timer) clearTimeout(this.timer);
    this.el.textContent = text;
    this.el.title = kind === "error" ? "Click to dismiss" : "";
    this.el.classList.toggle("pnb-status-error", kind === "error");
    this.el.hidden = false;
    this.timer = setTimeout(() => this.clear(), ms);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.el.hidden = true;
  }
}
