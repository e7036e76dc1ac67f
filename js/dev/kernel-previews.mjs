// The previews the fake kernel serves, as the Python side makes them: wire items and inspector
// details written by js/dev/make_fixtures.py (kernel_fixture.py) into tests/fixtures/kernel.json,
// so the fake encodes nothing itself and cannot drift from perceptinb.preview and its codec.
//
// A block is looked up as "<id>@<dims>" (the blocks of fake-previews.mjs' sample graphs), else
// gets the template of its kind ("*@grid", "*@line"...), relabelled with its id.
import fixture from "../tests/fixtures/kernel.json" with { type: "json" };

/** "(None, 6, 6, 16)" -> [6, 6, 16] (the batch axis dropped); null when there is no shape. */
export function parseShape(text) {
  const m = /^\((.*)\)$/.exec((text || "").trim());
  if (!m) return null;
  return m[1].split(",").map((s) => s.trim()).filter(Boolean).slice(1).map(Number);
}

/** The kind perceptinb.preview.summarize gives an output of `dims` (for the templates). */
function kindOf(nd, dims) {
  if (nd.tokens) return "tokens";
  if (dims.length <= 1) return (dims[0] ?? 1) <= 32 ? "bars" : "line";
  if (dims.length === 2) return dims[0] / Math.max(dims[1], 1) > 4 || dims[0] / Math.max(dims[1], 1) < 0.25 ? "heatmap" : "gray";
  if (dims.length === 3 && dims[2] === 1) return "gray";
  if (dims.length === 3 && dims[2] === 3) return "rgb";
  const side = Math.min(dims[0], dims[1]);
  return side >= 24 ? "grid" : side >= 14 ? "grid14" : "grid7";
}

/**
 * The fixture entry of block `nd`, `{preview, details}`: its own, else (unless `exact`) the
 * template of its kind; null when it has no output shape.
 */
export function entryOf(nd, exact = false) {
  const dims = parseShape(nd.shape);
  if (!dims) return null;
  return fixture.previews[`${nd.id}@${dims.join("x")}`] ?? (exact ? null : fixture.previews[`*@${kindOf(nd, dims)}`]);
}

function bytesOf(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new DataView(bytes.buffer);
}

/** A copy of `value` whose array descriptors ({buffer, dtype, shape}) point `offset` further. */
function rebase(value, offset) {
  if (Array.isArray(value)) return value.map((v) => rebase(v, offset));
  if (!value || typeof value !== "object") return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = rebase(v, offset);
  if (typeof value.buffer === "number" && typeof value.dtype === "string" && Array.isArray(value.shape)) out.buffer += offset;
  return out;
}

/** A fixture message's content, its buffers appended to `buffers`, labelled as node `id`. */
function take(message, id, buffers) {
  const content = rebase(message.content, buffers.length);
  buffers.push(...message.buffers.map(bytesOf));
  for (const labelled of [content, content.detail, content.detail?.item, content.detail?.target]) {
    if (labelled && typeof labelled === "object" && "node" in labelled) labelled.node = id;
  }
  return content;
}

/** A block with no thumbnail but a message (a failed or blocked layer), as the kernel sends it. */
function errorItem(nd, error, buffers) {
  const item = take(fixture.previews["reshape@7x7"].preview, nd.id, buffers);
  return { ...item, shape: parseShape(nd.shape) ?? [], error };
}

/** The wire item of block `nd` in a `previews` payload; its bytes are appended to `buffers`. */
export function previewItem(nd, buffers) {
  if (nd.error) return errorItem(nd, nd.error, buffers);
  const entry = entryOf(nd);
  if (nd.blocked || !entry) return errorItem(nd, "Not computed: an upstream layer failed.", buffers);
  // A layer that fails on the sample: Python's own failed item when the fixture has it.
  if (nd.preview_error) return entryOf(nd, true) ? take(entry.preview, nd.id, buffers) : errorItem(nd, nd.preview_error, buffers);
  return take(entry.preview, nd.id, buffers);
}

/** The `detail` of block `nd` at inspector `page` (clamped), or null when it has no output. */
export function detailOf(nd, page, buffers) {
  const entry = nd.error || nd.blocked ? null : entryOf(nd);
  if (!entry) return null;
  const message = entry.details[Math.min(Math.max(0, page), entry.details.length - 1)];
  return message ? take(message, nd.id, buffers).detail : null;
}
