/**
 * Layer categories: colours (the block strip, the minimap) and labels. Which category a layer is
 * in, and their display order, come from the kernel (perceptinb/catalog.py, the `palette` trait).
 */

/** Mid-saturation colours that read on both the light and the dark JupyterLab theme. */
const COLORS: Record<string, string> = {
  input: "#499894",
  core: "#4e79a7",
  convolution: "#f28e2b",
  pooling: "#76b7b2",
  normalization: "#59a14f",
  regularization: "#9c755f",
  activation: "#b6992d",
  recurrent: "#b07aa1",
  attention: "#d37295",
  reshaping: "#8f8a87",
  merging: "#edc948",
  preprocessing: "#86bcb6",
  model: "#7b66d2",
  other: "#a5a5a5",
};

export function categoryColor(category: string): string {
  return COLORS[category] ?? COLORS.other;
}

export function categoryLabel(category: string): string {
  return category ? category[0].toUpperCase() + category.slice(1) : "Other";
}

/** "80 params", "1.2k params", "23.5M params". */
export function formatParams(n: number): string {
  const unit = n === 1 ? "param" : "params";
  if (!Number.isFinite(n) || n < 1000) return `${Math.round(n || 0)} ${unit}`;
  const scaled = (v: number, suffix: string) => `${v >= 100 ? Math.round(v) : Number(v.toFixed(1))}${suffix} ${unit}`;
  if (n < 1e6) return scaled(n / 1e3, "k");
  if (n < 1e9) return scaled(n / 1e6, "M");
  return scaled(n / 1e9, "B");
}
