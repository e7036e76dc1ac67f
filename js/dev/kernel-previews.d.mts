// Types of dev/kernel-previews.mjs (previews made by Python, served by the fake kernel).
import type { GraphNode, PreviewItem } from "../src/protocol";

type FakeNode = GraphNode & { settings?: Record<string, unknown>; tokens?: boolean; preview_error?: string };

export function parseShape(text: string): number[] | null;
export function entryOf(nd: FakeNode, exact?: boolean): { preview: unknown; details: unknown[] } | null;
export function previewItem(nd: FakeNode, buffers: DataView[]): PreviewItem;
export function detailOf(nd: FakeNode, page: number, buffers: DataView[]): Record<string, unknown> | null;
