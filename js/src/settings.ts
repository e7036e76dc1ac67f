/**
 * The `.pnb-settings` details panel of the selected block: name, class, shape, params, error, and
 * the settings form the kernel describes in `details.fields` (numbers, booleans, "3, 3" tuples,
 * drop-downs for activations, padding, initializers...; see ./fields.ts). Enter, blur or a change
 * sends one `set` command. A value that cannot be parsed is flagged under the field before
 * sending; a value Keras rejects comes back as the kernel's message under the field, and the
 * field shows the value the layer kept.
 *
 * The user types faster than the kernel answers: a kernel update never overwrites a field that
 * has text the user typed and did not send yet, nor one whose own `set` is still in flight (its
 * answer, which follows the update of its version, shows the value then).
 */
import { formatParams } from "./categories";
import type { Outcome } from "./commands";
import { currentChoice, formatValue, formShape, parseValue, withParam } from "./fields";
import type { Details, FormField, GraphNode, JsonValue } from "./protocol";

export interface SettingsHandlers {
  /** Sends `set`; resolves with the kernel's answer. */
  onSet(node: string, key: string, value: JsonValue): Promise<Outcome>;
  onRename(node: string, name: string): Promise<Outcome>;
  onClose(): void;
}

type Control = HTMLInputElement | HTMLSelectElement;

interface FieldView {
  field: FormField;
  row: HTMLDivElement;
  error: HTMLDivElement;
  control: Control;
  /** Text the control showed for the kernel's value: typing that changes nothing sends nothing. */
  shown: string;
  /** `set`s from this field awaiting their answer. */
  pending: number;
  /** The text the last `set` was sent for: blur right after Enter must not send it twice. */
  sentText: string | null;
  /** For parameters of an enum's current choice (an initializer's seed): the owning field. */
  parent?: FieldView;
}

let idCounter = 0;

export class SettingsPanel {
  readonly el: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly title: HTMLSpanElement;
  private views = new Map<string, FieldView>();
  private nodeId = "";
  private shape = "";
  /** Why editing is refused ("" when it is not): read-only, or locked during a run. */
  private locked = "";

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

  /**
   * Shows `node` (from the graph view, for instant feedback) and its `details` once they arrive.
   * `locked` (the reason) disables the form, like `readOnly`, and says why above it.
   */
  show(node: GraphNode | null, details: Partial<Details>, readOnly: boolean, locked = "", path = ""): void {
    // Inside an expanded group the block's id is its leaf; the kernel's details and commands
    // use the full path ("GROUP/CHILD"), so the path names the form.
    const id = node ? path || node.id : "";
    this.el.classList.toggle("pnb-settings-empty", !id);
    this.el.classList.toggle("pnb-settings-locked", !!locked);
    if (!id) {
      this.nodeId = this.shape = "";
      this.views.clear();
      this.title.textContent = "Settings";
      this.body.replaceChildren(this.note("Select a block to see its settings."));
      return;
    }
    const have = !!details && details.id === id && Array.isArray(details.fields);
    const fields = have ? (details?.fields ?? []) : [];
    const shape = have ? `${readOnly}|${locked}|${formShape(fields)}` : "";
    if (id === this.nodeId && have && shape === this.shape) {
      this.updateValues(fields);
      this.body.firstElementChild?.replaceWith(this.summary(node!, details, id));
      return;
    }
    // Rebuilding the form (another layer, the choices changed, a lock): on the same layer, keep
    // the focus, what the user typed and the sets in flight.
    const focusedKey = this.focusedKey();
    const carried = id === this.nodeId ? new Map(this.views) : new Map<string, FieldView>();
    this.nodeId = id;
    this.locked = readOnly ? "This canvas is read-only." : locked;
    this.shape = shape;
    this.title.textContent = id;
    this.title.title = id;
    this.views.clear();
    const frag = this.doc.createDocumentFragment();
    frag.appendChild(this.summary(node!, details, id));
    if (!have) frag.appendChild(this.note("Loading settings…"));
    else {
      const form = this.doc.createElement("div");
      form.className = "pnb-settings-form";
      if (locked && !readOnly) {
        const why = this.note(locked);
        why.classList.add("pnb-settings-lock-note");
        why.setAttribute("role", "status");
        form.appendChild(why);
      }
      if (!readOnly && !id.includes("/")) form.appendChild(this.renameRow(id));
      for (const field of fields) form.append(...this.fieldRows(field, undefined));
      if (fields.length && fields.every((f) => !f.editable) && !readOnly) {
        form.appendChild(this.note("Settings inside a nested model are shown read-only."));
      }
      frag.appendChild(form);
    }
    this.body.replaceChildren(frag);
    for (const [path, old] of carried) {
      const view = this.views.get(path);
      if (!view) continue;
      view.pending = old.pending;
      view.sentText = old.sentText;
      view.row.classList.toggle("pnb-field-pending", old.pending > 0);
      if (this.typedOver(old) && view.control instanceof HTMLInputElement) view.control.value = (old.control as HTMLInputElement).value;
    }
    if (focusedKey !== null) this.views.get(focusedKey)?.control.focus({ preventScroll: true });
  }

  // -- building ---------------------------------------------------------------------------
  private note(text: string): HTMLDivElement {
    const d = this.doc.createElement("div");
    d.className = "pnb-settings-note";
    d.textContent = text;
    return d;
  }

  private summary(node: GraphNode, details: Partial<Details>, id: string): HTMLElement {
    const doc = this.doc;
    const dl = doc.createElement("dl");
    dl.className = "pnb-settings-summary";
    const same = details && details.id === id;
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
    const box = doc.createElement("div");
    box.appendChild(dl);
    const error = (same && details.error) || node.error;
    if (error) {
      const e = doc.createElement("div");
      e.className = "pnb-settings-error";
      e.setAttribute("role", "alert");
      e.textContent = error;
      box.appendChild(e);
    } else if (node.blocked) {
      box.appendChild(this.note("Blocked: an upstream layer failed, so this one was not built."));
    }
    return box;
  }

  private row(path: string, label: string, help: string | undefined): [HTMLDivElement, HTMLLabelElement, HTMLDivElement] {
    const row = this.doc.createElement("div");
    row.className = "pnb-field";
    row.dataset.key = path;
    const lab = this.doc.createElement("label");
    lab.className = "pnb-field-label";
    lab.textContent = label;
    lab.title = help ? `${label}: ${help}` : label;
    const error = this.doc.createElement("div");
    error.className = "pnb-field-error";
    error.setAttribute("role", "alert");
    error.id = `pnb-e-${++idCounter}`;
    row.append(lab, error);
    return [row, lab, error];
  }

  private renameRow(id: string): HTMLElement {
    const [row, label, error] = this.row("name", "name", "The layer name (the block id).");
    const input = this.textInput(label, error);
    input.value = id;
    input.setAttribute("aria-label", "Layer name");
    const view: FieldView = {
      field: { key: "name", kind: "str", value: id, nullable: false, editable: true },
      row,
      error,
      control: input,
      shown: id,
      pending: 0,
      sentText: null,
    };
    input.disabled = !!this.locked;
    this.bindText(input, view, () => {
      if (view.pending && input.value === view.sentText) return;
      const name = input.value.trim();
      if (!name || name === id) return this.showValue(view, id);
      this.sendWith(view, "", () => this.handlers.onRename(id, name));
    });
    row.insertBefore(input, error);
    this.views.set("", view);
    return row;
  }

  /** The row of `field` and, for an enum whose choice has parameters, one row per parameter. */
  private fieldRows(field: FormField, parent: FieldView | undefined): HTMLElement[] {
    const path = parent ? `${parent.field.key}.${field.key}` : field.key;
    const [row, label, error] = this.row(path, field.key, field.help);
    row.dataset.kind = field.kind;
    const editable = field.editable && !this.locked;
    if (!editable) row.classList.add("pnb-field-readonly");
    if (parent) row.classList.add("pnb-field-param");
    let control: Control;
    if (field.kind === "enum") control = this.select(field, label, error);
    else if (field.kind === "bool") {
      control = this.textInput(label, error);
      control.type = "checkbox";
    } else control = this.textInput(label, error);
    control.disabled = !editable;
    const view: FieldView = { field, row, error, control, shown: "", pending: 0, sentText: null, parent };
    this.showValue(view, field.value);
    if (control instanceof HTMLSelectElement) {
      control.addEventListener("change", () => {
        const choice = field.choices?.[control.selectedIndex];
        if (choice) this.send(view, choice.value);
      });
    } else if (control.type === "checkbox") {
      control.addEventListener("change", () => this.send(view, (control as HTMLInputElement).checked));
    } else {
      if (field.kind === "int" || field.kind === "float") control.inputMode = "decimal";
      if (field.nullable) control.placeholder = "None";
      this.bindText(control, view, () => this.commitText(view));
    }
    row.insertBefore(control, error);
    this.views.set(path, view);
    const rows: HTMLElement[] = [row];
    if (field.kind === "enum" && field.choices) {
      const params = currentChoice(field)?.params ?? [];
      for (const p of params) rows.push(...this.fieldRows({ ...p, editable: p.editable && field.editable }, view));
    }
    return rows;
  }

  private textInput(label: HTMLLabelElement, error: HTMLDivElement): HTMLInputElement {
    const input = this.doc.createElement("input");
    input.type = "text";
    input.className = "pnb-field-input";
    input.id = `pnb-f-${++idCounter}`;
    input.spellcheck = false;
    input.autocomplete = "off";
    input.setAttribute("aria-describedby", error.id);
    label.htmlFor = input.id;
    return input;
  }

  private select(field: FormField, label: HTMLLabelElement, error: HTMLDivElement): HTMLSelectElement {
    const select = this.doc.createElement("select");
    select.className = "pnb-field-input pnb-field-select";
    select.id = `pnb-f-${++idCounter}`;
    select.setAttribute("aria-describedby", error.id);
    label.htmlFor = select.id;
    for (const choice of field.choices ?? []) {
      const option = this.doc.createElement("option");
      option.textContent = choice.label;
      select.appendChild(option);
    }
    return select;
  }

  /** Enter or blur commits; Escape restores the shown value. */
  private bindText(input: HTMLInputElement, view: FieldView, commit: () => void): void {
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        commit();
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        ev.stopPropagation(); // Escape here cancels the edit; it does not deselect the block
        this.showValue(view, view.field.value); // the kernel's value, which may be newer
        this.setError(view, "");
        input.blur();
      }
    });
    input.addEventListener("blur", commit);
  }

  // -- editing ----------------------------------------------------------------------------
  private commitText(view: FieldView): void {
    const input = view.control as HTMLInputElement;
    if (view.pending && input.value === view.sentText) return;
    if (input.value === view.shown) {
      if (!view.pending) this.setError(view, "");
      return;
    }
    const parsed = parseValue(view.field, input.value);
    if ("error" in parsed) {
      this.setError(view, parsed.error);
    } else if (JSON.stringify(parsed.value) === JSON.stringify(view.field.value)) {
      this.showValue(view, view.field.value);
    } else {
      this.send(view, parsed.value);
    }
  }

  private send(view: FieldView, value: JsonValue): void {
    if (this.locked) return;
    const parent = view.parent;
    // A parameter of an initializer (say) is sent as the whole serialized object.
    const key = parent ? parent.field.key : view.field.key;
    const sent = parent ? withParam(parent.field.value, view.field.key, value) : value;
    const path = parent ? `${key}.${view.field.key}` : key;
    this.sendWith(view, path, () => this.handlers.onSet(this.nodeId, key, sent));
  }

  private sendWith(view: FieldView, path: string, send: () => Promise<Outcome>): void {
    this.setError(view, "");
    const text = view.control instanceof HTMLInputElement ? view.control.value : null;
    view.pending++;
    view.sentText = text;
    view.row.classList.add("pnb-field-pending");
    const node = this.nodeId;
    void send().then((outcome) => {
      // The form may have been rebuilt meanwhile: answer the field that shows this path now.
      const current = node === this.nodeId ? (this.views.get(path) ?? view) : view;
      this.settled(current, path, text, outcome);
    });
  }

  /** The kernel answered one `set` (or rename) of this field; its update was applied before. */
  private settled(view: FieldView, path: string, text: string | null, outcome: Outcome): void {
    view.pending = Math.max(0, view.pending - 1);
    if (view.pending) return; // a later set of this field is still in flight: its answer shows
    view.sentText = null;
    view.row.classList.remove("pnb-field-pending");
    const typedSince = view.control instanceof HTMLInputElement && view.control.value !== text && this.typedOver(view);
    if (outcome.ok) {
      this.setError(view, "");
      if (!typedSince && path !== "") this.showValue(view, view.field.value);
      return;
    }
    // Keras refused: the layer kept its value, so the field shows it again, with the reason.
    const kept = path === "" ? this.nodeId : view.field.value;
    if (!typedSince) this.showValue(view, kept);
    const keptText = path === "" ? "" : ` Kept: ${formatValue(view.field, kept) || "None"}.`;
    this.setError(view, `${outcome.error || "Refused."}${keptText}`);
  }

  /** The text field holds something the user typed that the form did not show or send. */
  private typedOver(view: FieldView): boolean {
    const c = view.control;
    return c instanceof HTMLInputElement && c.type !== "checkbox" && c.value !== view.shown && c.value !== view.sentText;
  }

  private showValue(view: FieldView, value: JsonValue): void {
    const c = view.control;
    if (c instanceof HTMLSelectElement) {
      c.selectedIndex = view.field.selected ?? -1;
      view.shown = String(c.selectedIndex);
    } else if (c.type === "checkbox") {
      c.checked = value === true;
      view.shown = String(c.checked);
    } else {
      c.value = view.field.kind === "str" && value === null ? "" : formatValue(view.field, value);
      view.shown = c.value;
      c.title = c.value.length > 24 ? c.value : "";
    }
  }

  private setError(view: FieldView, msg: string): void {
    view.error.textContent = msg;
    if (msg) view.control.setAttribute("aria-invalid", "true");
    else view.control.removeAttribute("aria-invalid");
  }

  /**
   * New values for the same form (a kernel update): update in place, but never under the user's
   * typing, and not while the field's own set is in flight (its answer shows the value).
   */
  private updateValues(fields: FormField[]): void {
    const apply = (path: string, field: FormField) => {
      const view = this.views.get(path);
      if (!view) return;
      view.field = { ...field, editable: view.field.editable };
      if (view.pending || this.typedOver(view)) return;
      this.showValue(view, field.value);
    };
    for (const field of fields) {
      apply(field.key, field);
      if (field.kind === "enum" && field.choices) {
        const params = currentChoice(field)?.params ?? [];
        for (const p of params) apply(`${field.key}.${p.key}`, p);
      }
    }
  }

  private focusedKey(): string | null {
    const active = this.doc.activeElement;
    if (!active || !this.body.contains(active)) return null;
    for (const [path, view] of this.views) if (view.control === active) return path;
    return null;
  }
}
