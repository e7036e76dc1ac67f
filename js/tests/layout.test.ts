import { describe, expect, it } from "vitest";
import { cnn, nested, resnet50, synthetic } from "../dev/samples.mjs";
import { type LayoutEdge, type LayoutNode, layoutGraph } from "../src/layout";

type Fixture = ReturnType<typeof cnn>;

const W = 184;
const H = 58;
const sized = (g: Fixture): LayoutNode[] => g.nodes.map((n) => ({ id: n.id, w: W, h: H, pos: n.pos ?? null }));

function expectNoOverlapWithinLayer(result: ReturnType<typeof layoutGraph>) {
  const byLayer = new Map<number, { x: number; w: number; id: string }[]>();
  for (const [id, b] of result.nodes) {
    const list = byLayer.get(b.layer) ?? [];
    list.push({ x: b.x, w: b.w, id });
    byLayer.set(b.layer, list);
  }
  for (const list of byLayer.values()) {
    list.sort((a, b) => a.x - b.x);
    for (let i = 1; i < list.length; i++) {
      expect(list[i].x, `${list[i - 1].id} overlaps ${list[i].id}`).toBeGreaterThanOrEqual(list[i - 1].x + list[i - 1].w);
    }
  }
}

function expectTopToBottom(g: Fixture, result: ReturnType<typeof layoutGraph>) {
  for (const e of g.edges) {
    const a = result.nodes.get(e.src)!;
    const b = result.nodes.get(e.dst)!;
    expect(a.layer, `${e.src} -> ${e.dst}`).toBeLessThan(b.layer);
    expect(a.y + a.h, `${e.src} bottom above ${e.dst} top`).toBeLessThanOrEqual(b.y);
  }
}

describe("layoutGraph", () => {
  const fixtures: [string, Fixture][] = [
    ["cnn", cnn()],
    ["nested", nested()],
    ["resnet50", resnet50()],
    ["synthetic 800", synthetic(800)],
  ];

  it.each(fixtures)("%s: every node placed, no overlap within a layer, edges point down", (_name, g) => {
    const r = layoutGraph(sized(g), g.edges);
    expect(r.nodes.size).toBe(g.nodes.length);
    expectNoOverlapWithinLayer(r);
    expectTopToBottom(g, r);
    for (const b of r.nodes.values()) expect(Number.isFinite(b.x) && Number.isFinite(b.y)).toBe(true);
  });

  it("no two blocks overlap at all on ResNet50 (rows do not overlap either)", () => {
    const g = resnet50();
    const boxes = [...layoutGraph(sized(g), g.edges).nodes.values()].sort((a, b) => a.y - b.y || a.x - b.x);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length && boxes[j].y < boxes[i].y + boxes[i].h; j++) {
        const overlapX = boxes[i].x < boxes[j].x + boxes[j].w && boxes[j].x < boxes[i].x + boxes[i].w;
        expect(overlapX).toBe(false);
      }
    }
  });

  it("is deterministic", () => {
    const g = synthetic(300);
    const a = layoutGraph(sized(g), g.edges);
    const b = layoutGraph(sized(structuredClone(g)), structuredClone(g.edges));
    expect([...b.nodes.entries()]).toEqual([...a.nodes.entries()]);
    expect(b.routes).toEqual(a.routes);
  });

  it("a chain is one straight column", () => {
    const g = cnn();
    const r = layoutGraph(sized(g), g.edges);
    const xs = new Set([...r.nodes.values()].map((b) => b.x));
    expect(xs.size).toBe(1);
    expect([...r.nodes.values()].map((b) => b.layer)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("handles cycles and self loops without hanging", () => {
    const nodes = ["a", "b", "c", "d"].map((id) => ({ id, w: W, h: H }));
    const edges = [
      { src: "a", dst: "b" },
      { src: "b", dst: "c" },
      { src: "c", dst: "a" },
      { src: "c", dst: "d" },
      { src: "d", dst: "d" },
    ];
    const r = layoutGraph(nodes, edges);
    expect(r.nodes.size).toBe(4);
    expectNoOverlapWithinLayer(r);
    // The forward edges still point down; only the back edge is drawn upwards.
    expect(r.nodes.get("a")!.layer).toBeLessThan(r.nodes.get("b")!.layer);
    expect(r.nodes.get("c")!.layer).toBeLessThan(r.nodes.get("d")!.layer);
  });

  it("handles a large cycle quickly", () => {
    const n = 2000;
    const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, w: W, h: H }));
    const edges = nodes.map((_, i) => ({ src: `n${i}`, dst: `n${(i + 1) % n}` }));
    const t0 = performance.now();
    const r = layoutGraph(nodes, edges);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.nodes.size).toBe(n);
  });

  it("places disconnected nodes without overlap and ignores unknown edge ends", () => {
    const nodes = Array.from({ length: 12 }, (_, i) => ({ id: `n${i}`, w: W, h: H }));
    const edges = [
      { src: "n0", dst: "n1" },
      { src: "n5", dst: "n6" },
      { src: "ghost", dst: "n2" },
      { src: "n3", dst: "nowhere" },
    ];
    const r = layoutGraph(nodes, edges);
    expect(r.nodes.size).toBe(12);
    expectNoOverlapWithinLayer(r);
    expect(r.routes).toHaveLength(edges.length);
  });

  it("handles the empty graph", () => {
    const r = layoutGraph([], []);
    expect(r.nodes.size).toBe(0);
    expect([r.minX, r.minY, r.maxX, r.maxY]).toEqual([0, 0, 0, 0]);
  });

  it("keeps user-placed nodes at their pos and everything else where it was", () => {
    const g = nested();
    const free = layoutGraph(sized(g), g.edges);
    const pinned = sized(g).map((n) => (n.id === "concatenate" ? { ...n, pos: [900, -40] as [number, number] } : n));
    const r = layoutGraph(pinned, g.edges);
    expect(r.nodes.get("concatenate")).toMatchObject({ x: 900, y: -40 });
    for (const [id, b] of free.nodes) if (id !== "concatenate") expect(r.nodes.get(id)).toEqual(b);
    expect(r.minY).toBe(-40);
  });

  it("routes long edges around blocks with waypoints between the rows", () => {
    const g = resnet50();
    const r = layoutGraph(sized(g), g.edges);
    const i = g.edges.findIndex((e) => e.src === "conv2_block1_out" && e.dst === "conv2_block2_add");
    const route = r.routes[i];
    expect(route.length).toBeGreaterThan(0);
    const col = route[0].x;
    for (const b of r.nodes.values()) {
      const crossesRow = route.some((p) => p.y >= b.y && p.y <= b.y + b.h);
      if (crossesRow) expect(col < b.x || col > b.x + b.w).toBe(true);
    }
  });

  it("pulls a second input down next to its consumer", () => {
    const nodes = ["a", "b", "c", "d", "late_input", "merge"].map((id) => ({ id, w: W, h: H }));
    const edges = [
      { src: "a", dst: "b" },
      { src: "b", dst: "c" },
      { src: "c", dst: "d" },
      { src: "d", dst: "merge" },
      { src: "late_input", dst: "merge" },
    ];
    const r = layoutGraph(nodes, edges);
    expect(r.nodes.get("late_input")!.layer).toBe(r.nodes.get("merge")!.layer - 1);
  });

  it("orders a crossing-prone graph without crossings", () => {
    // Two parents whose children are listed crosswise.
    const nodes = ["p1", "p2", "c2", "c1"].map((id) => ({ id, w: W, h: H }));
    const edges = [
      { src: "p1", dst: "c1" },
      { src: "p2", dst: "c2" },
    ];
    expect(layoutGraph(nodes, edges).crossings).toBe(0);
  });

  it("lays out 800 nodes fast", () => {
    const g = synthetic(800);
    const nodes = sized(g);
    layoutGraph(nodes, g.edges); // warm up the JIT
    const t0 = performance.now();
    layoutGraph(nodes, g.edges);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1000);
  });

  it("lays out 5000 nodes with many long edges in bounded time", () => {
    const n = 5000;
    const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, w: W, h: H }));
    const edges: LayoutEdge[] = [];
    for (let i = 1; i < n; i++) edges.push({ src: `n${i - 1}`, dst: `n${i}` });
    for (let i = 0; i < n; i += 50) edges.push({ src: "n0", dst: `n${i + 49 < n ? i + 49 : n - 1}` });
    const t0 = performance.now();
    const r = layoutGraph(nodes, edges);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(r.nodes.size).toBe(n);
  });
});
