/** Number and time formatting for the dashboard header (pure; unit-tested). */

/** "0:07", "12:03", "1:02:03"; "" for null/negative/non-finite. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** "1,234" for large rates, "12.3" for small ones. */
export function formatRate(rate: number | null | undefined): string {
  if (rate == null || !Number.isFinite(rate)) return "";
  return rate >= 100 ? Math.round(rate).toLocaleString("en-US") : rate.toFixed(1);
}

/** Clamp to [0, 100] and round to one decimal; NaN becomes 0. */
export function clampPercent(p: unknown): number {
  const v = Number(p);
  if (!Number.isFinite(v)) return 0;
  return Math.round(Math.max(0, Math.min(100, v)) * 10) / 10;
}
