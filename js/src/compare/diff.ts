/** The architecture diff of two models: their blocks side by side, matched by node id, marked
 * `.pnb-diff-added`, `.pnb-diff-removed` or `.pnb-diff-changed`, with each changed setting as
 * old → new and the parameter-count delta. */
import { formatValue } from "./series";

export interface DiffNode {
  id: string;
  type: string;
  status: "same" | "added" | "removed" | "changed";
  changes: [string, string, string][];
}
export interface DiffSide {
  label: string;
  params: number | null;
  nodes: DiffNode[];
}
export interface DiffData {
  left: DiffSide;
  right: DiffSide;
  params_delta: number | null;
  edges_added: number;
  edges_removed: number;
}

export function renderDiff(doc: Document, box: HTMLElement, diff: DiffData | null): void {
  box.replaceChildren();
  if (!diff) return;
  const head = doc.createElement("div");
  head.className = "pnb-diff-summary";
  const delta = diff.params_delta;
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const n of [...diff.left.nodes, ...diff.right.nodes]) if (n.status !== "same") counts[n.status] += 1;
  counts.changed /= 2; // a changed block appears on both sides
  head.textContent =
    `Architecture: ${diff.left.label} → ${diff.right.label} · ${counts.added} added, ${counts.removed} removed, ` +
    `${counts.changed} changed` +
    (delta === null ? "" : ` · parameters ${delta >= 0 ? "+" : ""}${delta.toLocaleString()}`);
  const sides = doc.createElement("div");
  sides.className = "pnb-diff-sides";
  for (const side of [diff.left, diff.right]) {
    const col = doc.createElement("div");
    col.className = "pnb-diff-side";
    const title = doc.createElement("div");
    title.className = "pnb-diff-title";
    title.textContent = `${side.label}${side.params === null ? "" : ` · ${side.params.toLocaleString()} params`}`;
    col.append(title);
    for (const node of side.nodes) {
      const block = doc.createElement("div");
      block.className = `pnb-diff-block${node.status === "same" ? "" : ` pnb-diff-${node.status}`}`;
      block.dataset.nodeId = node.id;
      const name = doc.createElement("div");
      name.className = "pnb-diff-name";
      name.textContent = `${node.id} · ${node.type}`;
      block.append(name);
      for (const [key, before, after] of node.changes) {
        const line = doc.createElement("div");
        line.className = "pnb-diff-setting";
        line.textContent = `${key}: ${formatValue(before)} → ${formatValue(after)}`;
        block.append(line);
      }
      col.append(block);
    }
    sides.append(col);
  }
  box.append(head, sides);
}
