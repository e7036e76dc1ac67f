// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from "vitest";
import { cnn, nested, synthetic } from "../dev/samples.mjs";
import { formatParams } from "../src/categories";
import { type GraphView, normalizeGraphView } from "../src/protocol";
import { blockHeight, edgePath, GraphRenderer, portX, THUMB_HEIGHT } from "../src/render";

const opts = (over: Partial<{ expanded: Set<string>; selected: string; readOnly: boolean }> = {}) => ({
  expanded: new Set<string>(),
  selected: "",
  readOnly: false,
  ...over,
});

let renderer: GraphRenderer;
beforeEach(() => {
  document.body.innerHTML = "";
  renderer = new GraphRenderer(document, "t");
  document.body.appendChild(renderer.world);
});

const blocks = () => [...renderer.world.querySelectorAll<HTMLElement>(".pnb-block")];
const block = (id: string) => renderer.world.querySelector<HTMLElement>(`.pnb-block[data-node-id="${id}"]`);
const startOf = (d: string) =>
  d
    .match(/^M([-\d.]+),([-\d.]+)/)!
    .slice(1)
    .map(Number);
const endOf = (d: string) =>
  d
    .match(/([-\d.]+),([-\d.]+)$/)!
    .slice(1)
    .map(Number);

describe("GraphRenderer", () => {
  it("draws one .pnb-block per node and one .pnb-edge per edge", () => {
    const g = cnn();
    const r = renderer.draw(g, opts());
    expect(r.blockCount).toBe(8);
    expect(blocks().map((b) => b.dataset.nodeId)).toEqual(g.nodes.map((n) => n.id));
    expect(renderer.world.querySelectorAll("path.pnb-edge")).toHaveLength(g.edges.length);
    for (const b of blocks()) {
      expect(b.querySelector(".pnb-thumb")).not.toBeNull();
      expect(b.getAttribute("tabindex")).toBe("0");
      expect(b.getAttribute("role")).toBe("button");
      expect(b.getAttribute("aria-label")).toContain(b.dataset.nodeId!);
    }
  });

  it("shows id, class, shape and params in a block", () => {
    renderer.draw(cnn(), opts());
    const b = block("conv2d")!;
    expect(b.querySelector(".pnb-block-id")!.textContent).toBe("conv2d");
    expect(b.querySelector(".pnb-block-type")!.textContent).toBe("Conv2D");
    expect(b.querySelector(".pnb-block-shape")!.textContent).toBe("(None, 26, 26, 8)");
    expect(b.querySelector(".pnb-block-params")!.textContent).toBe("80 params");
    expect(b.style.getPropertyValue("--pnb-cat")).not.toBe("");
  });

  it("marks the failing block red with its message and greys the blocked ones", () => {
    renderer.draw(cnn(), opts());
    const err = block("conv2d_1")!;
    expect(err.classList.contains("pnb-block-error")).toBe(true);
    expect(err.querySelector(".pnb-block-msg")!.textContent).toContain("Negative dimension size");
    expect(renderer.world.querySelectorAll(".pnb-block-error")).toHaveLength(1);
    expect([...renderer.world.querySelectorAll<HTMLElement>(".pnb-block-blocked")].map((b) => b.dataset.nodeId)).toEqual([
      "flatten",
      "dense",
      "dropout",
      "dense_1",
    ]);
    expect(block("conv2d")!.classList.contains("pnb-block-error")).toBe(false);
    // The error makes the block taller, through the one height function.
    expect(parseFloat(err.style.height)).toBe(blockHeight({ error: "x" }));
    expect(blockHeight({ error: "x" })).toBeGreaterThan(blockHeight({ error: null }));
    expect(blockHeight({ error: null }, THUMB_HEIGHT + 40)).toBe(blockHeight({ error: null }) + 40);
  });

  it("draws edges from the bottom of src to the top of dst, with arrowheads", () => {
    const r = renderer.draw(cnn(), opts());
    const e = renderer.world.querySelector<SVGPathElement>('path.pnb-edge[data-src="conv2d"][data-dst="max_pooling2d"]')!;
    const a = r.boxes.get("conv2d")!;
    const b = r.boxes.get("max_pooling2d")!;
    expect(startOf(e.getAttribute("d")!)).toEqual([a.x + a.w / 2, a.y + a.h]);
    expect(endOf(e.getAttribute("d")!)).toEqual([b.x + b.w / 2, b.y]);
    expect(e.getAttribute("marker-end")).toMatch(/^url\(#pnb-arrow-t/);
    expect(e.getAttribute("d")).toMatch(/^M[-\d.,]+[LC]/); // aligned blocks: a straight drop
  });

  it("offsets edges by port index on multi-input blocks", () => {
    const r = renderer.draw(nested(), opts());
    const ends = [...renderer.world.querySelectorAll<SVGPathElement>('path.pnb-edge[data-dst="concatenate"]')].map(
      (p) => endOf(p.getAttribute("d")!)[0],
    );
    const c = r.boxes.get("concatenate")!;
    expect(ends[0]).toBeCloseTo(c.x + portX(c.w, 0, 2), 1);
    expect(ends[1]).toBeCloseTo(c.x + portX(c.w, 1, 2), 1);
    expect(ends[0]).toBeLessThan(ends[1]);
    // Edges between blocks that are not aligned are smooth cubic curves.
    for (const p of renderer.world.querySelectorAll<SVGPathElement>('path.pnb-edge[data-dst="concatenate"]')) {
      expect(p.getAttribute("d")).toContain("C");
    }
  });

  it("shows the shared-call badge", () => {
    renderer.draw(nested(), opts());
    expect(block("shared_dense_call2")!.querySelector(".pnb-badge-shares")!.textContent).toBe("↻ shares shared_dense");
    expect(block("shared_dense")!.querySelector(".pnb-badge-shares")).toBeNull();
  });

  it("draws groups collapsed by default and their children inside the frame when expanded", () => {
    const g = nested();
    let r = renderer.draw(g, opts());
    const frame = block("encoder")!;
    expect(frame.classList.contains("pnb-group-collapsed")).toBe(true);
    expect(frame.querySelector(".pnb-group-toggle")!.getAttribute("aria-expanded")).toBe("false");
    expect(renderer.world.querySelector('[data-node-id^="encoder/"]')).toBeNull();
    const collapsedH = r.boxes.get("encoder")!.h;

    r = renderer.draw(g, opts({ expanded: new Set(["encoder"]) }));
    const open = block("encoder")!;
    expect(open.classList.contains("pnb-group-expanded")).toBe(true);
    const children = [...open.querySelectorAll<HTMLElement>(".pnb-block")].map((b) => b.dataset.nodeId);
    expect(children).toEqual(["encoder/enc_in", "encoder/enc_dense", "encoder/enc_norm", "encoder/enc_out"]);
    expect(open.querySelectorAll("path.pnb-edge")).toHaveLength(3);
    expect(r.blockCount).toBe(13);
    expect(r.boxes.get("encoder")!.h).toBeGreaterThan(collapsedH * 3);
    // The top level edges are unchanged.
    expect(renderer.world.querySelectorAll(":scope > svg path.pnb-edge")).toHaveLength(g.edges.length);
  });

  it("reuses unchanged blocks and replaces changed or removed ones on a new version", () => {
    const g = cnn();
    renderer.draw(g, opts());
    const keep = block("conv2d");
    const change = block("dense");
    const next: GraphView = structuredClone(g);
    next.version = 2;
    next.nodes.find((n) => n.id === "dense")!.params = 1234;
    next.nodes = next.nodes.filter((n) => n.id !== "dense_1");
    next.edges = next.edges.filter((e) => e.dst !== "dense_1");
    renderer.draw(next, opts());
    expect(block("conv2d")).toBe(keep);
    expect(block("dense")).not.toBe(change);
    expect(block("dense")!.querySelector(".pnb-block-params")!.textContent).toBe("1.2k params");
    expect(block("dense_1")).toBeNull();
    expect(blocks()).toHaveLength(7);
    expect(renderer.world.querySelectorAll("path.pnb-edge")).toHaveLength(6);
  });

  it("moves a block that got a pos without rebuilding it", () => {
    const g = cnn();
    renderer.draw(g, opts());
    const el = block("dense")!;
    const next = structuredClone(g);
    next.version = 2;
    next.nodes.find((n) => n.id === "dense")!.pos = [640, 32];
    renderer.draw(next, opts());
    expect(block("dense")).toBe(el);
    expect(el.style.left).toBe("640px");
  });

  it("uses pos for user-placed nodes", () => {
    const g = cnn();
    g.nodes[2].pos = [700, 15];
    const r = renderer.draw(g, opts());
    expect(r.boxes.get("max_pooling2d")).toMatchObject({ x: 700, y: 15 });
    expect(block("max_pooling2d")!.style.left).toBe("700px");
    expect(block("max_pooling2d")!.style.top).toBe("15px");
  });

  it("marks the selection and the edges that touch it", () => {
    renderer.draw(cnn(), opts({ selected: "conv2d" }));
    expect(block("conv2d")!.classList.contains("pnb-block-selected")).toBe(true);
    renderer.setSelected("flatten");
    expect(block("conv2d")!.classList.contains("pnb-block-selected")).toBe(false);
    expect(block("flatten")!.classList.contains("pnb-block-selected")).toBe(true);
    const active = [...renderer.world.querySelectorAll<SVGPathElement>(".pnb-edge-active")].map((p) => `${p.dataset.src}>${p.dataset.dst}`);
    expect(active.sort()).toEqual(["conv2d_1>flatten", "flatten>dense"]);
  });

  it("moves a dragged block and its edges", () => {
    const r = renderer.draw(cnn(), opts());
    renderer.moveBlock("conv2d", 500, 600);
    expect(block("conv2d")!.style.left).toBe("500px");
    const e = renderer.world.querySelector<SVGPathElement>('path.pnb-edge[data-src="conv2d"]')!;
    expect(startOf(e.getAttribute("d")!)).toEqual([500 + r.boxes.get("conv2d")!.w / 2, 600 + r.boxes.get("conv2d")!.h]);
  });

  it("hides output ports when read-only", () => {
    renderer.draw(cnn(), opts());
    expect(renderer.world.querySelectorAll(".pnb-port-out")).toHaveLength(8);
    renderer.draw(cnn(), opts({ readOnly: true }));
    expect(renderer.world.querySelectorAll(".pnb-port-out")).toHaveLength(0);
  });

  it("normalises malformed graph_view values instead of throwing", () => {
    const g = normalizeGraphView({ version: 3, nodes: [{ id: "a" }, { id: "b", error: "" }], edges: [{ src: "a", dst: "b" }, { src: "a" }] });
    const r = renderer.draw(g, opts());
    expect(r.blockCount).toBe(2);
    expect(renderer.world.querySelectorAll(".pnb-block-error")).toHaveLength(0);
    expect(renderer.world.querySelectorAll("path.pnb-edge")).toHaveLength(1);
    expect(normalizeGraphView(null)).toMatchObject({ version: 0, nodes: [], edges: [] });
  });

  it("draws 800 blocks", () => {
    const r = renderer.draw(synthetic(800), opts());
    expect(r.blockCount).toBe(800);
    expect(blocks()).toHaveLength(800);
  });
});

describe("helpers", () => {
  it("formats params", () => {
    expect(formatParams(0)).toBe("0 params");
    expect(formatParams(1)).toBe("1 param");
    expect(formatParams(80)).toBe("80 params");
    expect(formatParams(1234)).toBe("1.2k params");
    expect(formatParams(23_587_712)).toBe("23.6M params");
    expect(formatParams(250_000)).toBe("250k params");
  });

  it("builds smooth paths through waypoints with straight runs inside rows", () => {
    const d = edgePath([
      { x: 0, y: 0 },
      { x: 50, y: 40 },
      { x: 50, y: 100 },
      { x: 0, y: 140 },
    ]);
    expect(d).toBe("M0,0C0,20 50,20 50,40L50,100C50,120 0,120 0,140");
  });

  it("spreads ports evenly", () => {
    expect(portX(100, 0, 1)).toBe(50);
    expect([portX(90, 0, 2), portX(90, 1, 2)]).toEqual([30, 60]);
  });
});
