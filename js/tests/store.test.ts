import { describe, expect, it } from "vitest";
import { applyGraphDelta, CanvasStore } from "../src/canvas/store";
import { normalizeGraphView } from "../src/protocol";

const node = (id: string, shape = "(None, 4)") => ({
  id,
  type: "Dense",
  category: "core",
  shape,
  params: 0,
  error: null,
  blocked: false,
  pos: null,
  shares: null,
  n_inputs: 1,
  multi_input: false,
  refuses_input: "",
  n_outputs: 1,
  group: null,
});
const edge = (src: string, dst: string) => ({ src, dst, src_port: 0, dst_port: 0 });
const chain = () => normalizeGraphView({ version: 3, name: "m", nodes: [node("a"), node("b"), node("c")], edges: [edge("a", "b"), edge("b", "c")] });

describe("graph view deltas", () => {
  it("replace the changed blocks and edges, keep the rest, take the order when given", () => {
    const delta = {
      delta: true as const,
      base: 3,
      nodes: [node("b", "(None, 7)"), node("d")],
      removed: ["c"],
      order: ["a", "b", "d"],
      edges_added: [edge("b", "d")],
      edges_removed: [edge("b", "c")],
      can_undo: true,
    };
    const next = applyGraphDelta(chain(), delta, 4);
    expect(next?.version).toBe(4);
    expect(next?.nodes.map((n) => [n.id, n.shape])).toEqual([
      ["a", "(None, 4)"],
      ["b", "(None, 7)"],
      ["d", "(None, 4)"],
    ]);
    expect(next?.edges.map((e) => `${e.src}>${e.dst}`)).toEqual(["a>b", "b>d"]);
  });

  it("refuse a delta for another base, and the store asks for the whole view", () => {
    expect(applyGraphDelta(chain(), { delta: true, base: 2 }, 4)).toBeNull();
    const store = new CanvasStore(chain(), {});
    let stale = 0;
    store.onStale = () => stale++;
    store.apply({ version: 5, graph: { delta: true, base: 4, nodes: [node("a", "(None, 9)")] } });
    expect(stale).toBe(1);
    expect(store.view.nodes[0].shape).toBe("(None, 4)"); // unchanged, never half applied
    expect(store.whole({ ...chain(), version: 5, nodes: [node("a", "(None, 9)")] }, {})?.graph).toBe(true);
    expect(store.view.nodes.map((n) => n.shape)).toEqual(["(None, 9)"]);
  });

  it("keep the previews' streaming progress", () => {
    const store = new CanvasStore(chain(), {});
    store.apply({ version: 4, previews: { items: [], removed: [], enabled: true, synthetic: false, progress: [2, 3] } });
    expect(store.previews.progress).toEqual([2, 3]);
  });
});
