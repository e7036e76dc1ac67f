/**
 * Settings-form fields as pure functions: how a value of each field kind is shown as text, and
 * how typed text becomes the JSON value a `set` command carries. The kernel decides the kinds
 * (perceptinb/forms.py), including which choice of an enum is current, and Keras decides what is
 * valid; this module only catches text that cannot be a value at all, so the user gets the
 * message before a round trip.
 */
import type { FormChoice, FormField, JsonValue } from "./protocol";

export type ParseResult = { value: JsonValue } | { error: string };

const NONE_WORDS = new Set(["none", "null"]);

/** The text a field shows for `value`. */
export function formatValue(field: Pick<FormField, "kind">, value: JsonValue): string {
  if (value === null || value === undefined) return "";
  switch (field.kind) {
    case "int":
    case "float":
      return formatNumber(value);
    case "tuple":
      return Array.isArray(value) ? value.map((v) => (v === null ? "None" : formatNumber(v))).join(", ") : formatNumber(value);
    case "str":
      return String(value);
    default:
      return JSON.stringify(value);
  }
}

/** Floats read back from float32 (0.009999999776482582) show as the number the user meant. */
function formatNumber(v: JsonValue): string {
  if (typeof v !== "number") return JSON.stringify(v);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(7)));
}

/** Parses `text` typed into `field`; `{error}` explains what was expected and what was received. */
export function parseValue(field: FormField, text: string): ParseResult {
  const t = text.trim();
  if (t === "" || (field.kind !== "str" && NONE_WORDS.has(t.toLowerCase()))) {
    if (field.nullable) return { value: null };
    if (field.kind === "str") return { value: "" };
    return { error: `${field.key} needs a value.` };
  }
  switch (field.kind) {
    case "int":
      return parseNumber(t, "int", field.key);
    case "float":
      return parseNumber(t, "float", field.key);
    case "tuple":
      return parseTuple(field, t);
    case "str":
      return { value: text };
    case "bool": {
      const low = t.toLowerCase();
      if (low === "true") return { value: true };
      if (low === "false") return { value: false };
      return { error: `Expected true or false. Received: ${field.key}=${t}` };
    }
    default:
      return parseJson(field, t);
  }
}

function parseNumber(t: string, kind: "int" | "float", key: string): ParseResult {
  // Number("") and Number(" ") are 0, and Number("0x10") is 16: accept plain decimals only.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) {
    return { error: `Expected ${kind === "int" ? "an integer" : "a number"}. Received: ${key}=${t}` };
  }
  const n = Number(t);
  if (!Number.isFinite(n)) return { error: `Expected a finite number. Received: ${key}=${t}` };
  if (kind === "int" && !Number.isInteger(n)) return { error: `Expected an integer. Received: ${key}=${t}` };
  return { value: n };
}

/**
 * "3, 3", "(3, 3)", "[3, 3]" or "None, 8, 8, 1". One item without a trailing comma ("5") is sent
 * as a bare number when the setting takes "an int or a tuple" (Keras repeats it per axis), and as
 * a one-item list otherwise; "5," is always a list.
 */
export function parseTuple(field: FormField, t: string): ParseResult {
  const inner = t.replace(/^[([]\s*/, "").replace(/\s*[)\]]$/, "");
  const parts = inner.split(",").map((p) => p.trim());
  const trailingComma = parts.length > 1 && parts[parts.length - 1] === "";
  if (trailingComma) parts.pop();
  const items: JsonValue[] = [];
  for (const part of parts) {
    if (NONE_WORDS.has(part.toLowerCase())) {
      items.push(null);
      continue;
    }
    if (part === "") return { error: `Expected numbers separated by commas. Received: ${field.key}=${t}` };
    const parsed = parseNumber(part, field.item === "float" ? "float" : "int", field.key);
    if ("error" in parsed) return parsed;
    items.push(parsed.value);
  }
  if (items.length === 1 && !trailingComma && field.scalar && items[0] !== null) return { value: items[0] };
  return { value: items };
}

function parseJson(field: FormField, t: string): ParseResult {
  const text = t === "True" ? "true" : t === "False" ? "false" : t;
  try {
    return { value: JSON.parse(text) as JsonValue };
  } catch {
    // A setting of unknown type that is None now: plain words are most likely strings.
    if (field.value === null && /^[\w.\-/]+$/.test(t)) return { value: t };
    return { error: `Expected JSON, e.g. 3, [1, 2] or {"a": 1}. Received: ${field.key}=${t}` };
  }
}

/** The choice the kernel says is current (`selected`), if any. */
export function currentChoice(field: Pick<FormField, "choices" | "selected">): FormChoice | undefined {
  return field.choices?.[field.selected ?? -1];
}

function isObject(v: JsonValue): v is { [key: string]: JsonValue } {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** The serialized object `value` with one entry of its `config` replaced (an initializer's seed). */
export function withParam(value: JsonValue, key: string, param: JsonValue): JsonValue {
  if (!isObject(value)) return value;
  const config = isObject(value.config ?? null) ? (value.config as { [key: string]: JsonValue }) : {};
  return { ...value, config: { ...config, [key]: param } };
}

/** Same fields, kinds and choices: the form can update values in place (keeping focus). */
export function formShape(fields: FormField[]): string {
  return JSON.stringify(
    fields.map((f) => [f.key, f.kind, f.editable, f.nullable, f.item ?? "", f.choices?.map((c) => c.label) ?? [], currentParams(f)]),
  );
}

function currentParams(f: FormField): string[] {
  if (f.kind !== "enum") return [];
  return currentChoice(f)?.params?.map((p) => `${p.key}:${p.kind}`) ?? [];
}
