import { describe, expect, it } from "vitest";
import { connectRefusal, wouldCycle } from "../src/edges";
import type { GraphEdge, GraphNode } from "../src/protocol";
import { normalizeGraphView } from "../src/protocol";

const node = (id: string, refuses_input = ""): Partial<GraphNode> => ({ id, type: "Dense", refuses_input });
const edge = (src: string, dst: string): GraphEdge => ({ src, dst, src_port: 0, dst_port: 0 });

describe("connectRefusal", () => {
  const view = normalizeGraphView({
    nodes: [node("in", "'in' is an InputLayer: it cannot receive a connection."), node("a"), node("b"), node("c")],
    edges: [edge("in", "a"), edge("a", "b")],
  });

  it("shows the kernel's own refusal for the target block", () => {
    expect(connectRefusal(view, "c", "in")).toBe("'in' is an InputLayer: it cannot receive a connection.");
  });

  it("refuses a connection that would close a cycle, and a self loop", () => {
    expect(connectRefusal(view, "b", "a")).toBe("b → a would create a cycle");
    expect(connectRefusal(view, "c", "c")).toBe("c → c would create a cycle");
    expect(wouldCycle(view.edges, "b", "in")).toBe(true);
  });

  it("offers every other target, and ignores unknown ones", () => {
    expect(connectRefusal(view, "a", "c")).toBe("");
    expect(connectRefusal(view, "b", "c")).toBe("");
    expect(connectRefusal(view, "a", "nowhere")).toBe("");
  });

  it("reads refuses_input defensively from the wire", () => {
    const raw = normalizeGraphView({ nodes: [{ id: "x", refuses_input: 3 as never }], edges: [] });
    expect(raw.nodes[0].refuses_input).toBe("");
  });
});
