/** The hub table's data: rows as the kernel sends them, and the pure sort / filter / search. */

export interface HubRow {
  id: number;
  name: string;
  status: string;
  progress: number;
  duration: number;
  metric: string | null;
  best: number | null;
  test_metric: string | null;
  test: number | null;
  exported: string[];
  modified: number;
  params: number | null;
  message: string;
}

export type SortKey = "name" | "status" | "duration" | "best" | "test" | "exported" | "modified" | "id";

export interface View {
  sort: SortKey;
  descending: boolean;
  status: string; // "" = every status
  search: string;
}

export const LIVE = new Set(["pending", "running", "paused"]);

function key(row: HubRow, sort: SortKey): number | string | null {
  if (sort === "exported") return row.exported.join(",");
  const value = row[sort];
  return value === undefined ? null : value;
}

/** Rows matching the status filter and the search (name, id, status or metric), sorted. */
export function visibleRows(rows: Iterable<HubRow>, view: View): HubRow[] {
  const needle = view.search.trim().toLowerCase();
  const out: HubRow[] = [];
  for (const row of rows) {
    if (view.status && row.status !== view.status) continue;
    if (needle && !`${row.id} ${row.name} ${row.status} ${row.metric ?? ""}`.toLowerCase().includes(needle)) continue;
    out.push(row);
  }
  const sign = view.descending ? -1 : 1;
  out.sort((a, b) => {
    const ka = key(a, view.sort);
    const kb = key(b, view.sort);
    // Missing values sort last whatever the direction: a run without a test is not "best".
    if (ka === null && kb === null) return a.id - b.id;
    if (ka === null) return 1;
    if (kb === null) return -1;
    if (ka < kb) return -sign;
    if (ka > kb) return sign;
    return a.id - b.id;
  });
  return out;
}

/** Which rows a scrolled window of `height` px shows, with `overscan` rows either side. */
export function windowOf(count: number, scrollTop: number, height: number, rowHeight: number, overscan = 8): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return [first, last];
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

export function formatNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(2) : String(Number(value.toPrecision(4)));
}

export function formatTime(unixSeconds: number, now = Date.now() / 1000): string {
  const ago = now - unixSeconds;
  if (ago < 60) return "just now";
  if (ago < 3600) return `${Math.floor(ago / 60)} min ago`;
  if (ago < 86400) return `${Math.floor(ago / 3600)} h ago`;
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}
