/** The layer picker: a minimap of the model (layered layout); click a layer with weights. */
import { categoryColor } from "../categories";
import { layoutGraph } from "../layout";
import type { AnyModel, PickerGraph } from "./types";

const SVG_NS = "http://www.w3.org/2000/svg";
const NODE_W = 150;
const NODE_H = 24;

function svg<K extends keyof SVGElementTagNameMap>(doc: Document, tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = doc.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export function renderPicker(model: AnyModel, el: HTMLElement): () => void {
  const doc = el.ownerDocument;
  const root = doc.createElement("div");
  root.className = "pnb-picker";
  const heading = doc.createElement("div");
  heading.className = "pnb-picker-title";
  heading.textContent = "Layers";
  const hint = doc.createElement("div");
  hint.className = "pnb-picker-hint";
  hint.textContent = "Click a layer with weights.";
  root.append(heading, hint);
  el.append(root);
  let drawn: SVGSVGElement | null = null;

  function draw(): void {
    const graph: PickerGraph = model.get("graph") ?? { nodes: [], edges: [] };
    drawn?.remove();
    const nodes = graph.nodes ?? [];
    if (!nodes.length) {
      drawn = null;
      return;
    }
    const layout = layoutGraph(
      nodes.map((n) => ({ id: n.id, w: NODE_W, h: NODE_H })),
      graph.edges ?? [],
      { layerGap: 14, nodeGap: 10 },
    );
    const pad = 4;
    const width = layout.maxX - layout.minX + 2 * pad;
    const height = layout.maxY - layout.minY + 2 * pad;
    const root2 = svg(doc, "svg", { viewBox: `${layout.minX - pad} ${layout.minY - pad} ${width} ${height}`, class: "pnb-picker-map", role: "list" });
    root2.style.maxHeight = `${Math.max(120, Math.min(height, 900))}px`;
    for (const e of graph.edges ?? []) {
      const a = layout.nodes.get(e.src);
      const b = layout.nodes.get(e.dst);
      if (!a || !b) continue;
      const x1 = a.x + a.w / 2,
        y1 = a.y + a.h,
        x2 = b.x + b.w / 2,
        y2 = b.y;
      const mid = (y1 + y2) / 2;
      root2.append(svg(doc, "path", { d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`, class: "pnb-picker-edge" }));
    }
    const selected = String(model.get("selected") ?? "");
    for (const n of nodes) {
      const box = layout.nodes.get(n.id);
      if (!box) continue;
      const g = svg(doc, "g", { class: "pnb-pick-node", "data-node-id": n.id, transform: `translate(${box.x},${box.y})`, role: "listitem" });
      if (!n.weights) g.classList.add("pnb-pick-disabled");
      if (n.id === selected) g.classList.add("pnb-pick-selected");
      g.append(svg(doc, "rect", { width: box.w, height: box.h, rx: 4, class: "pnb-pick-box" }));
      g.append(svg(doc, "rect", { width: 5, height: box.h, rx: 2, fill: categoryColor(n.category) }));
      const label = svg(doc, "text", { x: 11, y: box.h / 2 + 4, class: "pnb-pick-label" });
      label.textContent = n.id.length > 20 ? `${n.id.slice(0, 19)}…` : n.id;
      const tip = svg(doc, "title", {});
      tip.textContent = `${n.id} (${n.type})${n.weights ? "" : " — no weights"}`;
      g.append(label, tip);
      if (n.weights) {
        g.setAttribute("tabindex", "0");
        const pick = () => {
          model.set("selected", n.id);
          model.save_changes();
          mark(n.id);
        };
        g.addEventListener("click", pick);
        g.addEventListener("keydown", (ev) => {
          if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            pick();
          }
        });
      }
      root2.append(g);
    }
    root.append(root2);
    drawn = root2;
  }

  function mark(id: string): void {
    drawn?.querySelectorAll(".pnb-pick-node").forEach((g) => {
      g.classList.toggle("pnb-pick-selected", g.getAttribute("data-node-id") === id);
    });
  }

  const onSelected = () => mark(String(model.get("selected") ?? ""));
  draw();
  model.on("change:graph", draw);
  model.on("change:selected", onSelected);
  return () => {
    model.off("change:graph", draw);
    model.off("change:selected", onSelected);
    root.remove();
  };
}
