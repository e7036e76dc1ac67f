/**
 * The "Copy as code" and "Export .keras" toolbar buttons. Both call the kernel (which owns the
 * graph) with the `export` call; see protocol.ts. The code goes to the clipboard, or, where the
 * clipboard API is missing or refused (plain http, a sandboxed frame), into a dialog with the
 * code selected. The `.keras` file arrives as one binary buffer and is offered as a download.
 */
import type { StatusLine } from "./commands";
import type { BufferLike, Rpc } from "./rpc";

type Format = "code" | "keras";

interface ExportResult {
  format: Format;
  code?: string;
  filename?: string;
  size?: number;
}

export class ExportControls {
  readonly copyButton: HTMLButtonElement;
  readonly exportButton: HTMLButtonElement;
  private busy = new Set<Format>();
  private modal: HTMLDivElement | null = null;

  constructor(
    private readonly doc: Document,
    private readonly rpc: Rpc,
    private readonly status: StatusLine,
    /** Where the code dialog opens (the canvas root, so it stays inside the cell). */
    private readonly host: HTMLElement,
  ) {
    this.copyButton = this.button("pnb-copy-code", "</>", "Copy as code (Keras functional API)", "code");
    this.exportButton = this.button("pnb-export-keras", "⤓", "Export .keras (architecture and weights)", "keras");
  }

  private button(cls: string, text: string, label: string, format: Format): HTMLButtonElement {
    const b = this.doc.createElement("button");
    b.type = "button";
    b.className = `pnb-icon-button ${cls}`;
    b.textContent = text;
    b.title = label;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", () => this.request(format));
    return b;
  }

  request(format: Format): void {
    if (this.busy.has(format)) return; // one at a time per format
    this.busy.add(format);
    const button = this.buttonFor(format);
    button.classList.add("pnb-busy");
    button.setAttribute("aria-busy", "true");
    if (format === "keras") this.status.show("Saving the model as .keras…", "info", 60_000);
    const done = () => {
      this.busy.delete(format);
      button.classList.remove("pnb-busy");
      button.removeAttribute("aria-busy");
    };
    this.rpc.call<ExportResult>("export", { format }).then(
      ({ result, buffers }) => {
        done();
        if (format === "code") void this.copy(String(result.code ?? ""));
        else this.download(buffers[0], result.filename || "model.keras");
      },
      (error: Error) => {
        done();
        const what = format === "code" ? "Copy as code" : "Export .keras";
        this.status.show(`${what} failed: ${error.message || "unknown error"}`, "error");
      },
    );
  }

  private buttonFor(format: Format): HTMLButtonElement {
    return format === "code" ? this.copyButton : this.exportButton;
  }

  private async copy(code: string): Promise<void> {
    const lines = code.split("\n").filter(Boolean).length;
    try {
      const clipboard = this.doc.defaultView?.navigator?.clipboard;
      if (!clipboard?.writeText) throw new Error("no clipboard API");
      await clipboard.writeText(code);
      this.status.show(`Copied the model code (${lines} lines) to the clipboard`);
    } catch {
      this.showCode(code);
    }
  }

  private download(buffer: BufferLike | undefined, filename: string): void {
    const bytes = toBytes(buffer);
    const win = this.doc.defaultView;
    if (!bytes || !win?.URL?.createObjectURL) {
      this.status.show("Export .keras failed: the file did not arrive", "error");
      return;
    }
    const url = win.URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
    const a = this.doc.createElement("a");
    a.href = url;
    a.download = filename;
    a.className = "pnb-download";
    a.hidden = true;
    this.host.appendChild(a);
    a.click();
    a.remove();
    // The download has started from the click; the URL can go once the browser has it.
    setTimeout(() => win.URL.revokeObjectURL(url), 60_000);
    this.status.show(`Downloaded ${filename} (${formatBytes(bytes.byteLength)})`);
  }

  /** A dialog with the code selected, for when the clipboard cannot be written. */
  showCode(code: string): void {
    this.closeCode();
    const doc = this.doc;
    const modal = doc.createElement("div");
    modal.className = "pnb-modal";
    modal.setAttribute("role", "dialog");
    modal.setAttribute("aria-modal", "true");
    modal.setAttribute("aria-label", "Model code");
    const box = doc.createElement("div");
    box.className = "pnb-modal-box";
    const head = doc.createElement("div");
    head.className = "pnb-panel-head";
    const title = doc.createElement("span");
    title.className = "pnb-panel-title";
    title.textContent = "Model code";
    const close = doc.createElement("button");
    close.type = "button";
    close.className = "pnb-icon-button pnb-modal-close";
    close.textContent = "✕";
    close.title = "Close (Esc)";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", () => this.closeCode());
    head.append(title, close);
    const note = doc.createElement("div");
    note.className = "pnb-modal-note";
    note.textContent = "The clipboard is not available here: the code is selected, press Ctrl+C (⌘C) to copy it.";
    const text = doc.createElement("textarea");
    text.className = "pnb-code";
    text.readOnly = true;
    text.spellcheck = false;
    text.value = code;
    text.setAttribute("aria-label", "Model code");
    box.append(head, note, text);
    modal.appendChild(box);
    modal.addEventListener("keydown", (ev) => {
      if (ev.key !== "Escape") return;
      ev.preventDefault();
      ev.stopPropagation(); // closes the dialog only; the block stays selected
      this.closeCode();
    });
    modal.addEventListener("pointerdown", (ev) => {
      if (ev.target === modal) this.closeCode(); // a click on the backdrop
    });
    this.host.appendChild(modal);
    this.modal = modal;
    text.focus({ preventScroll: true });
    text.select();
  }

  closeCode(): void {
    if (!this.modal) return;
    this.modal.remove();
    this.modal = null;
    this.host.focus({ preventScroll: true });
  }

  destroy(): void {
    this.busy.clear();
    this.closeCode();
  }
}

function toBytes(buffer: unknown): Uint8Array | null {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
