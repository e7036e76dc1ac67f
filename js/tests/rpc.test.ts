// The browser half of the one wire: calls with ids, one reply each, pushes by topic.
import { describe, expect, it, vi } from "vitest";
import { Rpc, RpcError } from "../src/rpc";
import { FakeModel } from "./fake-model";

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("rpc", () => {
  it("resolves a call with its own reply, whatever the order of replies", async () => {
    const model = new FakeModel({});
    const rpc = new Rpc(model);
    const a = rpc.call("echo", { text: "a" });
    const b = rpc.call("echo", { text: "b" }, [new Uint8Array([1])]);
    const [ma, mb] = model.messages;
    expect(ma).toEqual({ kind: "rpc", id: ma.id, method: "echo", params: { text: "a" } });
    expect(mb.id).toBeGreaterThan(ma.id);
    expect(model.buffers.at(-1)).toHaveLength(1);
    const buf = new DataView(new ArrayBuffer(1));
    model.emit("msg:custom", { kind: "rpc_reply", id: mb.id, ok: true, result: "B", error: null }, [buf]);
    model.emit("msg:custom", { kind: "rpc_reply", id: ma.id, ok: true, result: "A", error: null }, []);
    expect(await a).toEqual({ result: "A", buffers: [] });
    expect(await b).toEqual({ result: "B", buffers: [buf] });
    expect(rpc.waiting).toBe(0);
  });

  it("rejects with the kernel's error, and ignores replies to other views' calls", async () => {
    const model = new FakeModel({});
    const mine = new Rpc(model);
    const other = new Rpc(model);
    const call = mine.call("command", { command: { op: "undo" } });
    const theirs = vi.fn();
    other.call("command", {}).then(theirs, theirs);
    model.emit("msg:custom", { kind: "rpc_reply", id: model.messages[0].id, ok: false, result: null, error: "Nothing to undo." }, []);
    await expect(call).rejects.toThrow(new RpcError("Nothing to undo.", "command"));
    await flush();
    expect(theirs).not.toHaveBeenCalled();
    expect(other.waiting).toBe(1);
    other.destroy();
    await flush();
    expect(theirs).toHaveBeenCalledWith(expect.any(RpcError));
  });

  it("delivers pushes by topic, in order, and stops on destroy", () => {
    const model = new FakeModel({});
    const rpc = new Rpc(model);
    const got: unknown[] = [];
    const off = rpc.on("update", (data) => got.push(data));
    rpc.on("other", () => got.push("wrong"));
    for (const seq of [1, 2]) model.emit("msg:custom", { kind: "rpc_push", topic: "update", seq, data: { v: seq } }, []);
    expect(got).toEqual([{ v: 1 }, { v: 2 }]);
    expect(rpc.lastSeq).toBe(2);
    off();
    model.emit("msg:custom", { kind: "rpc_push", topic: "update", seq: 3, data: {} }, []);
    expect(got).toHaveLength(2);
    rpc.destroy();
    expect(model.listenerCount()).toBe(0);
  });

  it("times out when asked to, and survives junk messages", async () => {
    vi.useFakeTimers();
    try {
      const model = new FakeModel({});
      const rpc = new Rpc(model, 100);
      const call = rpc.call("slow");
      for (const junk of [null, "x", { kind: "rpc_reply" }, { kind: "rpc_push" }, { kind: "rpc_reply", id: "1" }]) model.emit("msg:custom", junk, []);
      vi.advanceTimersByTime(150);
      await expect(call).rejects.toThrow("No answer from the kernel after 100 ms");
    } finally {
      vi.useRealTimers();
    }
  });
});
