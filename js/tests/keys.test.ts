import { describe, expect, it } from "vitest";
import { isTyping, type KeyContext, mapKey } from "../src/keys";

const ctx = (over: Partial<KeyContext> = {}): KeyContext => ({ selected: "", readOnly: false, typing: false, ...over });

describe("mapKey", () => {
  it("maps Ctrl/Cmd+Z to undo", () => {
    expect(mapKey({ key: "z", ctrlKey: true }, ctx())).toEqual({ type: "command", command: { op: "undo" } });
    expect(mapKey({ key: "z", metaKey: true }, ctx())).toEqual({ type: "command", command: { op: "undo" } });
  });

  it("maps Ctrl/Cmd+Shift+Z and Ctrl+Y to redo", () => {
    expect(mapKey({ key: "Z", ctrlKey: true, shiftKey: true }, ctx())).toEqual({ type: "command", command: { op: "redo" } });
    expect(mapKey({ key: "z", metaKey: true, shiftKey: true }, ctx())).toEqual({ type: "command", command: { op: "redo" } });
    expect(mapKey({ key: "y", ctrlKey: true }, ctx())).toEqual({ type: "command", command: { op: "redo" } });
  });

  it("maps Delete and Backspace to removing the selected block", () => {
    expect(mapKey({ key: "Delete" }, ctx({ selected: "dense" }))).toEqual({ type: "command", command: { op: "remove", node: "dense" } });
    expect(mapKey({ key: "Backspace" }, ctx({ selected: "conv2d" }))).toEqual({
      type: "command",
      command: { op: "remove", node: "conv2d" },
    });
    expect(mapKey({ key: "Delete" }, ctx())).toBeNull();
  });

  it("maps Delete on a selected edge to disconnect", () => {
    const e = { src: "a", dst: "b", src_port: 0, dst_port: 1 };
    expect(mapKey({ key: "Delete" }, ctx({ selectedEdge: e }))).toEqual({
      type: "command",
      command: { op: "disconnect", src: "a", dst: "b", src_port: 0, dst_port: 1 },
    });
  });

  it("leaves editing keys to text fields", () => {
    const typing = ctx({ selected: "dense", typing: true });
    expect(mapKey({ key: "Delete" }, typing)).toBeNull();
    expect(mapKey({ key: "Backspace" }, typing)).toBeNull();
    expect(mapKey({ key: "z", ctrlKey: true }, typing)).toBeNull();
    expect(mapKey({ key: "f" }, typing)).toBeNull();
  });

  it("sends no editing command when read-only", () => {
    const ro = ctx({ selected: "dense", readOnly: true });
    expect(mapKey({ key: "Delete" }, ro)).toBeNull();
    expect(mapKey({ key: "z", ctrlKey: true }, ro)).toBeNull();
    expect(mapKey({ key: "Escape" }, ro)).toEqual({ type: "view", action: "deselect" });
  });

  it("maps view keys", () => {
    expect(mapKey({ key: "Escape" }, ctx())).toEqual({ type: "view", action: "deselect" });
    expect(mapKey({ key: "+" }, ctx())).toEqual({ type: "view", action: "zoom-in" });
    expect(mapKey({ key: "=" }, ctx())).toEqual({ type: "view", action: "zoom-in" });
    expect(mapKey({ key: "-" }, ctx())).toEqual({ type: "view", action: "zoom-out" });
    expect(mapKey({ key: "0" }, ctx())).toEqual({ type: "view", action: "fit" });
    expect(mapKey({ key: "f" }, ctx())).toEqual({ type: "view", action: "fit" });
    expect(mapKey({ key: "F" }, ctx())).toEqual({ type: "view", action: "fit" });
    expect(mapKey({ key: "a" }, ctx())).toBeNull();
    expect(mapKey({ key: "c", ctrlKey: true }, ctx())).toBeNull(); // copy stays the browser's
  });
});

describe("isTyping", () => {
  it("recognises text fields only", () => {
    const el = (tag: string, type?: string) => ({ tagName: tag.toUpperCase(), type, isContentEditable: false }) as unknown as EventTarget;
    expect(isTyping(el("input", "text"))).toBe(true);
    expect(isTyping(el("input", "search"))).toBe(true);
    expect(isTyping(el("textarea"))).toBe(true);
    expect(isTyping(el("input", "checkbox"))).toBe(false);
    expect(isTyping(el("div"))).toBe(false);
    expect(isTyping(null)).toBe(false);
  });
});
