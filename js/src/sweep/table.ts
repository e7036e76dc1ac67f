/** Pure helpers of the sweep view: its rows, their sort order, and the texts it shows. */

export interface SweepRow {
  trial: number;
  params: unknown[];
  status: string;
  attempt: number;
  epoch: number;
  epochs: number;
  best: number | null;
  seconds: number | null;
  message: string;
  run_id: number | null;
}

/** A sort key: "trial", "status", "epoch", "best", "seconds", or "param:<i>". */
export type SortKey = string;
export const LIVE = new Set(["queued", "running", "retrying"]);

function keyOf(row: SweepRow, key: SortKey): unknown {
  if (key.startsWith("param:")) return row.params[Number(key.slice(6))];
  return (row as unknown as Record<string, unknown>)[key];
}

/** Rows sorted by `key`; missing values (a trial without a best yet) always go last. */
export function sortRows(rows: SweepRow[], key: SortKey, descending: boolean): SweepRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = keyOf(a, key);
    const y = keyOf(b, key);
    const xMissing = x === null || x === undefined;
    const yMissing = y === null || y === undefined;
    if (xMissing || yMissing) return xMissing === yMissing ? a.trial - b.trial : xMissing ? 1 : -1;
    if (typeof x === "number" && typeof y === "number") return sign * (x - y) || a.trial - b.trial;
    return sign * String(x).localeCompare(String(y)) || a.trial - b.trial;
  });
}

/** "Trial k/n" with an ETA while trials remain. */
export function progressText(finished: number, total: number, eta: number | null, done: boolean): string {
  const head = `Trial ${Math.min(finished + (done ? 0 : 1), total)}/${total}`;
  if (done) return `${finished}/${total} trials finished`;
  return eta === null ? `${head} · ETA estimating…` : `${head} · ETA ${formatDuration(eta)}`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "—";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A status with its attempt: a rerun after a lost worker reads "running (retry 1)". */
export function statusText(row: SweepRow): string {
  const retries = row.attempt - 1;
  if (row.status === "retrying") return `retrying (worker lost)`;
  return retries > 0 ? `${row.status} (retry ${retries})` : row.status;
}
