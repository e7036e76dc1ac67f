/**
 * The sync contract of the dashboard's anywidget parts (Python: perceptinb/widgets/dashboard_parts.py).
 *
 * All three share one bundle and pick their view from the `kind` trait:
 * - "header": trait `state` ({@link HeaderState}, Python → JS); its buttons call the RPC method
 *   `control` with `{action}` ({@link ControlAction}), answered `{action, status}` or refused with
 *   the reason (the run ended, or has not started).
 * - "picker": traits `graph` ({@link PickerGraph}, Python → JS) and `selected` (both ways).
 * - "table": trait `table` ({@link TableData}, Python → JS).
 */

export type { AnyModel } from "../anymodel";

export type ControlAction = "stop" | "pause" | "resume";

export type Status = "pending" | "running" | "paused" | "complete" | "stopped" | "diverged" | "failed";

export interface HeaderState {
  title: string;
  status: Status | string;
  message: string;
  note: string;
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  progress: number;
  rate: number | null;
  rate_unit: string;
  eta: number | null;
  elapsed: number;
  controls: boolean;
  controls_note: string;
}

export interface PickerNode {
  id: string;
  type: string;
  category: string;
  weights: boolean;
}

export interface PickerGraph {
  nodes: PickerNode[];
  edges: { src: string; dst: string }[];
}

export interface TableData {
  title?: string;
  metrics?: { label: string; value: string; hint?: string }[];
  columns?: string[];
  rows?: (string | number)[][];
  note?: string;
}
