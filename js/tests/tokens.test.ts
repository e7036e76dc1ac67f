// @vitest-environment happy-dom
// Token previews show the tokens: text previews carry their words (`labels`) from the kernel,
// drawn as text with the id on hover; bare token ids stay numbers. The payload is the kernel's own
// (js/dev/make_fixtures.py writes tests/fixtures/text.json).
import { describe, expect, it } from "vitest";
import { PreviewStore } from "../src/preview-data";
import { drawPreview } from "../src/previews";
import fixture from "./fixtures/text.json";
import { fixtureBuffers } from "./wire";

function decoded() {
  const store = new PreviewStore();
  const msg = fixture.previews;
  store.apply(msg.content as never, fixtureBuffers(msg.buffers), msg.content.version, true);
  return store;
}

describe("token previews", () => {
  it("decodes the words of a text preview and none for bare ids", () => {
    const store = decoded();
    expect(store.get("text")!.labels).toEqual(["the", "<b>cat</b>", "sat", "&", "ran"]);
    expect(Array.from(store.get("text")!.data!)).toEqual([0, 1, 2, 3, 4]);
    expect(store.get("ids")!.labels).toBeNull();
  });

  it("shows the words as text, never markup, with the id on hover", () => {
    const out = drawPreview(document, decoded().get("text")!, { w: 158, h: 64 });
    const chips = Array.from(out.querySelectorAll<HTMLElement>(".pnb-token"));
    expect(chips.map((c) => c.textContent)).toEqual(["the", "<b>cat</b>", "sat", "&", "ran"]);
    expect(chips.map((c) => c.title)).toEqual(["id 0", "id 1", "id 2", "id 3", "id 4"]);
    expect(out.querySelector("b")).toBeNull(); // the markup stayed text
    expect(out.title).toBe("tokens (5): the <b>cat</b> sat & ran");
  });

  it("shows bare token ids as numbers", () => {
    const out = drawPreview(document, decoded().get("ids")!, { w: 158, h: 64 });
    const chips = Array.from(out.querySelectorAll<HTMLElement>(".pnb-token"));
    expect(chips.map((c) => c.textContent)).toEqual(["101", "7", "2048", "0"]);
    expect(chips.every((c) => c.title === "")).toBe(true);
    expect(out.title).toBe("token ids (4): 101 7 2048 0");
  });

  it("cuts long texts in a thumbnail and counts the rest", () => {
    const p = decoded().get("text")!;
    const many = { ...p, data: new Int32Array(60).map((_, i) => i), labels: Array.from({ length: 60 }, (_, i) => `w${i}`) };
    const out = drawPreview(document, many, { w: 158, h: 64 });
    expect(out.querySelectorAll(".pnb-token").length).toBe(48);
    expect(out.querySelector(".pnb-token-more")!.textContent).toBe("+12");
  });
});
