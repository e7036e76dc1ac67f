/**
 * Sends commands to the kernel and routes its `command_result` answers. Command ids come from
 * one counter per page, so two views of the same widget never reuse an id; each view only
 * handles the answers to its own commands.
 */
import type { AnyModel, Command, CommandMessage, CommandResultMessage } from "./protocol";

const SEQ_KEY = "__perceptinbCommandSeq";

/** The next message id of this page (commands and export requests share the counter). */
export function nextId(): number {
  const g = globalThis as unknown as Record<string, number>;
  g[SEQ_KEY] = (g[SEQ_KEY] ?? 0) + 1;
  return g[SEQ_KEY];
}

export type ResultHandler = (command: Command, result: CommandResultMessage) => void;

export class CommandChannel {
  private pending = new Map<number, Command>();
  private readonly onMsg: (msg: unknown) => void;

  constructor(
    private readonly model: AnyModel,
    private readonly onResult: ResultHandler,
  ) {
    this.onMsg = (msg: unknown) => this.receive(msg);
    model.on("msg:custom", this.onMsg);
  }

  send(command: Command): number {
    const id = nextId();
    this.pending.set(id, command);
    const msg: CommandMessage = { kind: "command", id, command };
    this.model.send(msg);
    return id;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private receive(raw: unknown): void {
    const msg = raw as Partial<CommandResultMessage> | null;
    if (!msg || msg.kind !== "command_result" || typeof msg.id !== "number") return;
    const command = this.pending.get(msg.id);
    if (!command) return; // another view's command
    this.pending.delete(msg.id);
    this.onResult(command, {
      kind: "command_result",
      id: msg.id,
      ok: !!msg.ok,
      error: typeof msg.error === "string" ? msg.error : null,
    });
  }

  destroy(): void {
    this.model.off("msg:custom", this.onMsg);
    this.pending.clear();
  }
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
