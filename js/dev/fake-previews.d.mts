// Types of dev/fake-previews.mjs (the harness' fake preview kernel, also used by the tests).
import type { GraphNode, GraphView, PreviewItem, PreviewsMessage } from "../src/protocol";

export function toHalf(v: number): number;
export function float16Bytes(values: ArrayLike<number>): Uint16Array;
export function parseShape(text: string): number[] | null;
export function makeItem(
  nd: GraphNode & { settings?: Record<string, unknown>; tokens?: boolean; preview_error?: string },
  buffers: DataView[],
  salt?: number,
  opts?: { detail?: boolean; page?: number },
): { item: PreviewItem; values: ArrayLike<number> };
export function previewsMessage(
  view: GraphView,
  version: number,
  salts?: Map<string, number>,
  synthetic?: boolean,
): { msg: PreviewsMessage; buffers: DataView[] };
export class FakePreviewKernel {
  constructor(model: unknown, opts?: { enabled?: boolean; synthetic?: boolean; delay?: number; hold?: boolean });
  enabled: boolean;
  version: number;
  receive(msg: unknown): void;
  sendAll(): void;
}
export function benchPreviews(model: unknown, root: HTMLElement, rounds?: number): Promise<unknown>;
export function digits(): GraphView;
export function sequence(): GraphView;
export const PREVIEW_SAMPLES: Record<string, () => GraphView>;
