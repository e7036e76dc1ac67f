// Types of the plain-JS fixtures in samples.mjs (shared by the harness and the tests).
import type { GraphView, PaletteEntry } from "../src/protocol";

export function cnn(): GraphView;
export function nested(): GraphView;
export function resnet50(): GraphView;
export function synthetic(n?: number): GraphView;
export const PALETTE: PaletteEntry[];
export const SAMPLES: Record<string, (n?: number) => GraphView>;
