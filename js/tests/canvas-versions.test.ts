// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { VersionsPanel } from "../src/canvas/versions";
import { Rpc } from "../src/rpc";
import { FakeModel } from "./fake-model";

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const ROWS = [
  { id: 2, created: 1_700_000_100, params: 60, parent: 1, summary: "1 added, 1 changed: hidden.units 3 -> 5", current: false },
  { id: 1, created: 1_700_000_000, params: 29, parent: null, summary: "first version", current: true },
];

describe("canvas version history", () => {
  it("lists the hub's versions and restores one through one kernel call, then lists again", async () => {
    const model = new FakeModel({});
    let refusal = "";
    const panel = new VersionsPanel(document, new Rpc(model), () => refusal);
    document.body.append(panel.button, panel.el);
    expect(panel.el.hidden).toBe(true);
    panel.button.click();
    expect(panel.el.hidden).toBe(false);
    expect(panel.button.getAttribute("aria-pressed")).toBe("true");
    model.reply(true, null, model.calls("versions")[0].id, { name: "mlp", versions: ROWS });
    await flush();
    const rows = panel.el.querySelectorAll<HTMLElement>(".pnb-version");
    expect([...rows].map((r) => r.dataset.versionId)).toEqual(["2", "1"]);
    expect(rows[0].querySelector(".pnb-version-summary")!.textContent).toBe("vs v1: 1 added, 1 changed: hidden.units 3 -> 5");
    expect(rows[1].classList.contains("pnb-version-current")).toBe(true);
    const current = rows[1].querySelector("button")!;
    expect(current.disabled).toBe(true);
    rows[0].querySelector("button")!.click();
    const [call] = model.calls("restore_version");
    expect(call.params).toEqual({ id: 2 });
    model.reply(true, null, call.id, { version: 3, added: ["extra"], removed: [] });
    await flush();
    expect(model.calls("versions")).toHaveLength(2); // listed again: v2 is now the current one
    model.reply(false, "No graph version 9", model.calls("versions")[1].id);
    await flush();
    expect(panel.el.querySelector(".pnb-versions-note")!.textContent).toContain("No graph version 9");
    refusal = "This canvas is read-only";
    panel.show(ROWS);
    const restore = panel.el.querySelector<HTMLButtonElement>('[data-version-id="2"] button')!;
    expect(restore.disabled).toBe(true);
    expect(restore.title).toBe("This canvas is read-only");
  });
});
