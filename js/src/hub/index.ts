/**
 * anywidget entry of the hub (`.pnb-hub`): a sortable, filterable, searchable table of runs with
 * one `.pnb-hub-row[data-run-id]` per visible run. Rows are virtualized (only those in view are
 * in the DOM), so 10,000 runs scroll smoothly. Row actions call the kernel over the RPC wire;
 * running runs update from the kernel's `rows` pushes (at most one a second).
 */
import "../theme.css";
import "./hub.css";
import type { AnyModel } from "../anymodel";
import { el, option } from "../dom";
import { Rpc, RpcError } from "../rpc";
import { formatDuration, formatNumber, formatTime, type HubRow, LIVE, type SortKey, type View, visibleRows, windowOf } from "./rows";

const ROW_HEIGHT = 30;
const COLUMNS: { key: SortKey | null; label: string; cls: string }[] = [
  { key: null, label: "", cls: "pnb-hub-select" },
  { key: "name", label: "Name", cls: "pnb-hub-name" },
  { key: "status", label: "Status", cls: "pnb-hub-status" },
  { key: "duration", label: "Duration", cls: "pnb-hub-num" },
  { key: "best", label: "Best", cls: "pnb-hub-num" },
  { key: "test", label: "Test", cls: "pnb-hub-num" },
  { key: "exported", label: "Exported", cls: "pnb-hub-exported" },
  { key: "modified", label: "Last modified", cls: "pnb-hub-time" },
  { key: null, label: "", cls: "pnb-hub-actions" },
];

function render({ model, el: host }: { model: AnyModel; el: HTMLElement }): () => void {
  const doc = host.ownerDocument;
  const rpc = new Rpc(model);
  const rows = new Map<number, HubRow>();
  const selected = new Set<number>();
  const view: View = { sort: "id", descending: true, status: "", search: "" };
  let shown: HubRow[] = [];
  let confirming: number | null = null;

  const root = el(doc, "div", "pnb-hub");
  const bar = el(doc, "div", "pnb-hub-bar");
  const search = el(doc, "input", "pnb-hub-search");
  search.type = "search";
  search.placeholder = "Search runs";
  const status = el(doc, "select", "pnb-hub-filter");
  for (const s of ["", "running", "complete", "stopped", "diverged", "failed", "crashed"]) {
    const opt = el(doc, "option", "", s || "All statuses");
    opt.value = s;
    status.append(opt);
  }
  const compare = el(doc, "button", "pnb-hub-compare", "Compare");
  const count = el(doc, "span", "pnb-hub-count");
  const note = el(doc, "span", "pnb-hub-note");
  bar.append(search, status, compare, count, note);

  const header = el(doc, "div", "pnb-hub-header");
  for (const c of COLUMNS) {
    const cell = el(doc, "div", `pnb-hub-cell ${c.cls}`, c.label);
    if (c.key) {
      cell.dataset.sort = c.key;
      cell.setAttribute("role", "button");
      cell.addEventListener("click", () => {
        view.descending = view.sort === c.key ? !view.descending : c.key !== "name";
        view.sort = c.key as SortKey;
        refresh();
      });
    }
    header.append(cell);
  }
  const scroller = el(doc, "div", "pnb-hub-scroll");
  // Grows with the rows up to `height`, then scrolls (the spacer gives it its content height).
  scroller.style.maxHeight = `${Number(model.get("height")) || 420}px`;
  const spacer = el(doc, "div", "pnb-hub-spacer");
  const body = el(doc, "div", "pnb-hub-body");
  scroller.append(spacer, body);
  root.append(bar, header, scroller);
  host.append(root);

  function say(text: string, error = false): void {
    note.textContent = text;
    note.classList.toggle("pnb-hub-error", error);
  }

  function statusChip(row: HubRow): HTMLElement {
    const chip = el(doc, "span", `pnb-chip pnb-chip-${row.status}`);
    chip.textContent = LIVE.has(row.status) ? `${row.status} ${row.progress}%` : row.status;
    if (row.message) chip.title = row.message;
    return chip;
  }

  function actions(row: HubRow): HTMLElement {
    const cell = el(doc, "div", "pnb-hub-cell pnb-hub-actions");
    if (confirming === row.id) {
      cell.append(el(doc, "span", "pnb-hub-confirm-text", "Delete?"));
      const yes = el(doc, "button", "pnb-hub-confirm", "Delete");
      yes.addEventListener("click", () => act("delete", { id: row.id }, `Deleted run ${row.id}`));
      const no = el(doc, "button", "pnb-hub-cancel", "Cancel");
      no.addEventListener("click", () => {
        confirming = null;
        draw();
      });
      cell.append(yes, no);
      return cell;
    }
    const open = el(doc, "button", "pnb-hub-open", "Open");
    open.title = "Open this run's model in a canvas";
    open.addEventListener("click", () => act("open", { id: row.id }, `Opened run ${row.id} below`));
    const exp = el(doc, "select", "pnb-hub-export");
    exp.append(option(doc, "", "Export…"));
    for (const f of (model.get("formats") as string[]) ?? []) exp.append(option(doc, f, f));
    exp.addEventListener("change", () => {
      const format = exp.value;
      exp.value = "";
      if (format) act("export", { id: row.id, format }, "");
    });
    const del = el(doc, "button", "pnb-hub-delete", "Delete");
    del.disabled = LIVE.has(row.status);
    del.title = del.disabled ? "Stop the run before deleting it" : "Delete this run";
    del.addEventListener("click", () => {
      confirming = row.id;
      draw();
    });
    cell.append(open, exp, del);
    return cell;
  }

  async function act(method: string, params: Record<string, unknown>, done: string): Promise<void> {
    say(`${method}…`);
    try {
      const { result } = await rpc.call<any>(method, params);
      if (method === "delete") {
        rows.delete(params.id as number);
        selected.delete(params.id as number);
        confirming = null;
        refresh();
      }
      if (method === "export") say(`Exported run ${params.id}: ${result.path} (max |diff| vs Keras ${formatNumber(result.max_abs_diff)})`);
      else say(done);
    } catch (e) {
      confirming = null;
      say(e instanceof RpcError ? e.message : String(e), true);
      draw();
    }
  }

  function rowElement(row: HubRow, index: number): HTMLElement {
    const line = el(doc, "div", "pnb-hub-row");
    line.dataset.runId = String(row.id);
    line.style.top = `${index * ROW_HEIGHT}px`;
    line.classList.toggle("pnb-hub-selected", selected.has(row.id));
    const pick = el(doc, "div", "pnb-hub-cell pnb-hub-select");
    const box = el(doc, "input");
    box.type = "checkbox";
    box.checked = selected.has(row.id);
    box.addEventListener("change", () => {
      if (box.checked) selected.add(row.id);
      else selected.delete(row.id);
      line.classList.toggle("pnb-hub-selected", box.checked);
      counts();
    });
    pick.append(box);
    const name = el(doc, "div", "pnb-hub-cell pnb-hub-name", row.name);
    name.title = `run ${row.id}${row.params ? ` · ${row.params.toLocaleString()} params` : ""}`;
    const st = el(doc, "div", "pnb-hub-cell pnb-hub-status");
    st.append(statusChip(row));
    const best = el(doc, "div", "pnb-hub-cell pnb-hub-num", formatNumber(row.best));
    if (row.metric) best.title = row.metric;
    const test = el(doc, "div", "pnb-hub-cell pnb-hub-num", formatNumber(row.test));
    if (row.test_metric) test.title = row.test_metric;
    line.append(
      pick,
      name,
      st,
      el(doc, "div", "pnb-hub-cell pnb-hub-num", formatDuration(row.duration)),
      best,
      test,
      el(doc, "div", "pnb-hub-cell pnb-hub-exported", row.exported.join(", ") || "—"),
      el(doc, "div", "pnb-hub-cell pnb-hub-time", formatTime(row.modified)),
      actions(row),
    );
    return line;
  }

  function counts(): void {
    count.textContent = `${shown.length} of ${rows.size} runs${selected.size ? ` · ${selected.size} selected` : ""}`;
    compare.disabled = selected.size < 1;
    compare.textContent = selected.size ? `Compare (${selected.size})` : "Compare";
  }

  function draw(): void {
    spacer.style.height = `${shown.length * ROW_HEIGHT}px`;
    const [first, last] = windowOf(shown.length, scroller.scrollTop, scroller.clientHeight || Number(model.get("height")) || 420, ROW_HEIGHT);
    const lines: HTMLElement[] = [];
    for (let i = first; i < last; i++) lines.push(rowElement(shown[i], i));
    body.replaceChildren(...lines);
    for (const cell of header.querySelectorAll<HTMLElement>("[data-sort]")) {
      cell.classList.toggle("pnb-hub-sorted", cell.dataset.sort === view.sort);
      cell.classList.toggle("pnb-hub-desc", cell.dataset.sort === view.sort && view.descending);
    }
    counts();
  }

  function refresh(): void {
    shown = visibleRows(rows.values(), view);
    draw();
  }

  let frame = 0;
  scroller.addEventListener("scroll", () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      draw();
    });
  });
  search.addEventListener("input", () => {
    view.search = search.value;
    refresh();
  });
  status.addEventListener("change", () => {
    view.status = status.value;
    refresh();
  });
  compare.addEventListener("click", () => {
    if (selected.size) act("compare", { ids: [...selected].sort((a, b) => a - b) }, `Comparing ${selected.size} runs below`);
  });
  const off = rpc.on("rows", (data: { rows: HubRow[]; removed: number[] }) => {
    for (const row of data.rows ?? []) rows.set(row.id, row);
    for (const id of data.removed ?? []) {
      rows.delete(id);
      selected.delete(id);
    }
    refresh();
  });
  rpc
    .call<{ rows: HubRow[] }>("rows")
    .then(({ result }) => {
      for (const row of result.rows) rows.set(row.id, row);
      refresh();
      root.dataset.ready = "1";
    })
    .catch((e) => say(e instanceof RpcError ? e.message : String(e), true));
  refresh();

  return () => {
    off();
    rpc.destroy();
    if (frame) cancelAnimationFrame(frame);
  };
}

export default { render };
