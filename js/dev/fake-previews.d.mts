// Types of dev/fake-previews.mjs (the harness' fake kernel, also used by the tests).
import type { Details, GraphNode, GraphView, PreviewsPayload } from "../src/protocol";

export { parseShape, previewItem } from "./kernel-previews.mjs";
export function previewsPayload(view: GraphView, synthetic?: boolean): { payload: PreviewsPayload; buffers: DataView[] };
export function findNode(nodes: GraphNode[], path: string): GraphNode | null;
export function detailsFor(nd: GraphNode | null): Partial<Details>;
export class FakeKernel {
  constructor(
    model: unknown,
    opts?: { enabled?: boolean; synthetic?: boolean; delay?: number; hold?: boolean; commands?: boolean },
  );
  enabled: boolean;
  version: number;
  log: { method: string; params: Record<string, unknown>; id: number }[];
  receive(msg: unknown): void;
  push(data: unknown, buffers?: DataView[]): void;
  reply(id: number, ok: boolean, result: unknown, error?: string | null, buffers?: DataView[]): void;
  command(id: number, c: unknown): void;
}
export function benchPreviews(model: unknown, root: HTMLElement, rounds?: number): Promise<unknown>;
export function digits(): GraphView;
export function sequence(): GraphView;
export const PREVIEW_SAMPLES: Record<string, () => GraphView>;
