/**
 * anywidget entry of the training dashboard's own parts (see ./types.ts for the contract): the
 * header with progress and controls, the layer picker minimap and the metrics table. The charts
 * themselves are bqplot widgets composed by Python.
 */
import "../theme.css";
import "./dashboard.css";
import { renderHeader } from "./header";
import { renderPicker } from "./picker";
import { renderTable } from "./table";
import type { AnyModel } from "./types";

const VIEWS: Record<string, (model: AnyModel, el: HTMLElement) => () => void> = {
  header: renderHeader,
  picker: renderPicker,
  table: renderTable,
};

function render({ model, el }: { model: AnyModel; el: HTMLElement }): () => void {
  const kind = String(model.get("kind") ?? "");
  const view = VIEWS[kind];
  el.classList.add("pnb-dash-part");
  if (!view) {
    el.textContent = `perceptinb: unknown dashboard part ${JSON.stringify(kind)}`;
    return () => undefined;
  }
  return view(model, el);
}

export default { render };
