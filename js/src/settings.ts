/**
 * The `.pnb-settings` details panel of the selected block: name, class, shape, params, error, and
 * a form of its Keras config. Numbers, strings and booleans are editable (null: an empty text
 * field); lists and objects are shown read-only as compact JSON. Enter, blur or a checkbox toggle
 * sends one `set` command; its error comes back inline under the field.
 */
import { formatParams } from "./categories";
import type { Details, GraphNode, JsonValue } from "./protocol";

export interface SettingsHandlers {
  /** Sends `set`; returns the command id. */
  onSet(node: string, key: string, value: JsonValue): number;
  onRename(node: string, name: string): number;
  onClose(): void;
}

type FieldKind = "number" | "string" | "boolean" | "null" | "json";

interface Field {
  key: string;
  kind: FieldKind;
  input: HTMLInputElement | null;
  error: HTMLDivElement;
  row: HTMLDivElement;
  /** Value last shown or sent, to skip commands that change nothing. */
  value: JsonValue;
}

export function fieldKind(v: JsonValue): FieldKind {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "string") return "string";
  return "json";
}

/**
 * Parses what the user typed into a field of `kind`. Returns `{error}` for input that cannot be
 * sent (the kernel validates the rest and answers with its own message).
 */
export function parseField(kind: FieldKind, text: string): { value: JsonValue } | { error: string } {
  const t = text.trim();
  if (kind === "number") {
    if (t === "") return { value: null };
    const n = Number(t);
    return isFinite(n) ? { value: n } : { error: `Expected a number. Received: ${text}` };
  }
  if (kind === "null") {
    if (t === "") return { value: null };
    try {
      return { value: JSON.parse(t) as JsonValue };
    } catch {
      return { value: text };
    }
  }
  return { value: text };
}

export class SettingsPanel {
  readonly el: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly title: HTMLSpanElement;
  private fields = new Map<string, Field>();
  private nodeId = "";
  private formFor = "";
  private formKeys = "";
  /** Pending command id -> field key ("" = rename). */
  private pending = new Map<number, string>();
  private readOnly = false;

  constructor(
    private readonly doc: Document,
    private readonly handlers: SettingsHandlers,
  ) {
    this.el = doc.createElement("div");
    this.el.className = "pnb-settings";
    this.el.setAttribute("role", "region");
    this.el.setAttribute("aria-label", "Layer settings");
    const head = doc.createElement("div");
    head.className = "pnb-panel-head";
    this.title = doc.createElement("span");
    this.title.className = "pnb-panel-title";
    this.title.textContent = "Settings";
    const close = doc.createElement("button");
    close.type = "button";
    close.className = "pnb-icon-button pnb-settings-close";
    close.textContent = "✕";
    close.title = "Deselect (Esc)";
    close.setAttribute("aria-label", "Close settings");
    close.addEventListener("click", () => handlers.onClose());
    head.append(this.title, close);
    this.body = doc.createElement("div");
    this.body.className = "pnb-settings-body";
    this.el.append(head, this.body);
    this.show(null, {}, false);
  }

  /** Shows `node` (from graph_view, for instant feedback) and its `details` once they arrive. */
  show(node: GraphNode | null, details: Partial<Details>, readOnly: boolean): void {
    const id = node?.id ?? "";
    this.el.classList.toggle("pnb-settings-empty", !id);
    if (!id) {
      this.nodeId = this.formFor = this.formKeys = "";
      this.fields.clear();
      this.pending.clear();
      this.title.textContent = "Settings";
      this.body.replaceChildren(this.note("Select a block to see its settings."));
      return;
    }
    const have = details && details.id === id && details.settings && typeof details.settings === "object";
    const keys = have ? Object.keys(details.settings!).join("\u0000") : "";
    // Same node and same fields: update values in place so a field being edited keeps focus.
    if (id === this.nodeId && have && this.formFor === id && keys === this.formKeys && readOnly === this.readOnly) {
      this.updateValues(details as Details, node!);
      return;
    }
    if (id !== this.nodeId) this.pending.clear();
    this.nodeId = id;
    this.readOnly = readOnly;
    this.formFor = have ? id : "";
    this.formKeys = keys;
    this.title.textContent = id;
    this.fields.clear();
    const doc = this.doc;
    const frag = doc.createDocumentFragment();
    frag.appendChild(this.summary(node!, details));
    if (!have) frag.appendChild(this.note("Loading settings…"));
    else {
      const form = doc.createElement("div");
      form.className = "pnb-settings-form";
      if (!readOnly && !id.includes("/")) form.appendChild(this.renameRow(id));
      for (const [key, value] of Object.entries(details.settings!)) {
        if (key === "name") continue; // edited through rename
        form.appendChild(this.fieldRow(key, value, readOnly));
      }
      frag.appendChild(form);
    }
    this.body.replaceChildren(frag);
  }

  private note(text: string): HTMLDivElement {
    const d = this.doc.createElement("div");
    d.className = "pnb-settings-note";
    d.textContent = text;
    return d;
  }

  private summary(node: GraphNode, details: Partial<Details>): HTMLElement {
    const doc = this.doc;
    const dl = doc.createElement("dl");
    dl.className = "pnb-settings-summary";
    const same = details && details.id === node.id;
    const rows: [string, string][] = [
      ["Class", (same && details.type) || node.type],
      ["Output", (same && details.shape) || node.shape || "—"],
      ["Params", formatParams(same && typeof details.params === "number" ? details.params : node.params)],
    ];
    for (const [k, v] of rows) {
      const dt = doc.createElement("dt");
      dt.textContent = k;
      const dd = doc.createElement("dd");
      dd.textContent = v;
      dl.append(dt, dd);
    }
    const frag = doc.createElement("div");
    frag.appendChild(dl);
    const error = (same && details.error) || node.error;
    if (error) {
      const e = doc.createElement("div");
      e.className = "pnb-settings-error";
      e.setAttribute("role", "alert");
      e.textContent = error;
      frag.appendChild(e);
    } else if (node.blocked) {
      frag.appendChild(this.note("Blocked: an upstream layer failed, so this one was not built."));
    }
    return frag;
  }

  private renameRow(id: string): HTMLElement {
    const row = this.row("name");
    const input = this.doc.createElement("input");
    input.type = "text";
    input.value = id;
    input.className = "pnb-field-input";
    input.setAttribute("aria-label", "Layer name");
    const error = row.querySelector<HTMLDivElement>(".pnb-field-error")!;
    const commit = () => {
      const name = input.value.trim();
      if (!name || name === id) return;
      this.setError(error, input, "");
      row.classList.add("pnb-field-pending");
      this.pending.set(this.handlers.onRename(id, name), "");
    };
    this.bindText(input, commit, () => (input.value = id));
    row.insertBefore(input, error);
    this.fields.set("", { key: "", kind: "string", input, error, row, value: id });
    return row;
  }

  private row(key: string): HTMLDivElement {
    const row = this.doc.createElement("div");
    row.className = "pnb-field";
    row.dataset.key = key;
    const label = this.doc.createElement("label");
    label.className = "pnb-field-label";
    label.textContent = key;
    label.title = key;
    const error = this.doc.createElement("div");
    error.className = "pnb-field-error";
    error.setAttribute("role", "alert");
    row.append(label, error);
    return row;
  }

  private fieldRow(key: string, value: JsonValue, readOnly: boolean): HTMLElement {
    const doc = this.doc;
    const kind = fieldKind(value);
    const row = this.row(key);
    const label = row.querySelector("label")!;
    const error = row.querySelector<HTMLDivElement>(".pnb-field-error")!;
    const field: Field = { key, kind, input: null, error, row, value };
    const inputId = `pnb-f-${Math.random().toString(36).slice(2, 10)}`;
    if (kind === "json") {
      const code = doc.createElement("code");
      code.className = "pnb-field-json";
      code.textContent = JSON.stringify(value);
      code.title = JSON.stringify(value, null, 1);
      row.insertBefore(code, error);
    } else {
      const input = doc.createElement("input");
      input.id = inputId;
      label.htmlFor = inputId;
      input.className = "pnb-field-input";
      input.disabled = readOnly;
      field.input = input;
      if (kind === "boolean") {
        input.type = "checkbox";
        input.checked = value as boolean;
        input.addEventListener("change", () => this.send(field, input.checked));
      } else {
        input.type = "text";
        if (kind === "number") input.inputMode = "decimal";
        if (kind === "null") input.placeholder = "None";
        input.value = value === null ? "" : String(value);
        const commit = () => {
          const parsed = parseField(kind, input.value);
          if ("error" in parsed) this.setError(error, input, parsed.error);
          else if (JSON.stringify(parsed.value) !== JSON.stringify(field.value)) this.send(field, parsed.value);
        };
        this.bindText(input, commit, () => (input.value = field.value === null ? "" : String(field.value)));
      }
      row.insertBefore(input, error);
    }
    this.fields.set(key, field);
    return row;
  }

  /** Enter or blur commits; Escape restores the shown value. */
  private bindText(input: HTMLInputElement, commit: () => void, revert: () => void): void {
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        commit();
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        ev.stopPropagation();
        revert();
        input.blur();
      }
    });
    input.addEventListener("blur", commit);
  }

  private send(field: Field, value: JsonValue): void {
    if (this.readOnly) return;
    field.value = value;
    if (field.input) this.setError(field.error, field.input, "");
    field.row.classList.add("pnb-field-pending");
    this.pending.set(this.handlers.onSet(this.nodeId, field.key, value), field.key);
  }

  private setError(box: HTMLDivElement, input: HTMLInputElement, msg: string): void {
    box.textContent = msg;
    if (msg) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  /** The kernel answered command `id`; returns true when it came from this form. */
  commandResult(id: number, ok: boolean, error: string | null): boolean {
    const key = this.pending.get(id);
    if (key === undefined) return false;
    this.pending.delete(id);
    const field = this.fields.get(key);
    if (field) {
      field.row.classList.remove("pnb-field-pending");
      if (field.input) this.setError(field.error, field.input, ok ? "" : error || "Failed");
    }
    return true;
  }

  private updateValues(details: Details, node: GraphNode): void {
    const active = this.doc.activeElement;
    for (const [key, value] of Object.entries(details.settings)) {
      const f = this.fields.get(key);
      if (!f) continue;
      if (fieldKind(value) !== f.kind && !(f.kind === "null" || value === null)) continue;
      f.value = value;
      if (!f.input) {
        const code = f.row.querySelector("code");
        if (code) code.textContent = JSON.stringify(value);
      } else if (f.input !== active) {
        if (f.kind === "boolean") f.input.checked = !!value;
        else f.input.value = value === null ? "" : String(value);
      }
    }
    const summary = this.body.firstElementChild;
    if (summary) summary.replaceWith(this.summary(node, details));
  }
}
