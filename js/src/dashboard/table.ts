/** Headline numbers and a table (the test view's metrics). */
import type { AnyModel, TableData } from "./types";

export function renderTable(model: AnyModel, el: HTMLElement): () => void {
  const doc = el.ownerDocument;
  const root = doc.createElement("div");
  root.className = "pnb-table-view";
  el.append(root);

  function draw(): void {
    const t: TableData = model.get("table") ?? {};
    root.replaceChildren();
    if (t.title) {
      const h = doc.createElement("div");
      h.className = "pnb-table-title";
      h.textContent = t.title;
      root.append(h);
    }
    if (t.metrics?.length) {
      const cards = doc.createElement("div");
      cards.className = "pnb-metric-cards";
      for (const m of t.metrics) {
        const card = doc.createElement("div");
        card.className = "pnb-metric";
        card.dataset.metric = m.label;
        const value = doc.createElement("div");
        value.className = "pnb-metric-value";
        value.textContent = m.value;
        const label = doc.createElement("div");
        label.className = "pnb-metric-label";
        label.textContent = m.label;
        if (m.hint) card.title = m.hint;
        card.append(value, label);
        cards.append(card);
      }
      root.append(cards);
    }
    if (t.columns?.length && t.rows?.length) {
      const wrap = doc.createElement("div");
      wrap.className = "pnb-table-wrap";
      const table = doc.createElement("table");
      table.className = "pnb-table";
      const head = table.createTHead().insertRow();
      for (const c of t.columns) {
        const th = doc.createElement("th");
        th.textContent = c;
        head.append(th);
      }
      const body = table.createTBody();
      for (const row of t.rows) {
        const tr = body.insertRow();
        for (const cell of row) tr.insertCell().textContent = String(cell);
      }
      wrap.append(table);
      root.append(wrap);
    }
    if (t.note) {
      const n = doc.createElement("div");
      n.className = "pnb-table-note";
      n.textContent = t.note;
      root.append(n);
    }
  }

  draw();
  model.on("change:table", draw);
  return () => {
    model.off("change:table", draw);
    root.remove();
  };
}
