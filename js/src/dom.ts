/** The two DOM builders every widget's view uses (canvas inspector, previews, hub, compare, sweep). */

/** A `tag` element with class `cls` and text `text` (set as text, never as HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls = "", text = ""): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (cls) node.className = cls;
  if (text) node.textContent = text;
  return node;
}

/** An `<option>` of a select. */
export function option(doc: Document, value: string, label: string): HTMLOptionElement {
  const opt = doc.createElement("option");
  opt.value = value;
  opt.textContent = label;
  return opt;
}
