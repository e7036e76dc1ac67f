/**
 * The dashboard header: title, status, progress bar, rates and the Stop/Pause/Resume buttons.
 * A button calls the kernel's `control` method over the one RPC (../rpc.ts); a refusal (the run
 * ended meanwhile) is shown under the header, and the button is usable again.
 */
import { Rpc, RpcError } from "../rpc";
import { clampPercent, formatDuration, formatRate } from "./format";
import type { AnyModel, ControlAction, HeaderState } from "./types";

const LIVE = new Set(["running", "paused", "pending"]);

function make<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls: string, text = ""): HTMLElementTagNameMap[K] {
  const el = doc.createElement(tag);
  el.className = cls;
  if (text) el.textContent = text;
  return el;
}

export function renderHeader(model: AnyModel, el: HTMLElement): () => void {
  const doc = el.ownerDocument;
  const root = make(doc, "div", "pnb-dash-header");
  const top = make(doc, "div", "pnb-dash-row");
  const title = make(doc, "span", "pnb-dash-title");
  const status = make(doc, "span", "pnb-run-status");
  const position = make(doc, "span", "pnb-dash-position");
  const spacer = make(doc, "span", "pnb-dash-spacer");
  const rpc = new Rpc(model);
  const control = (action: ControlAction): void => {
    pending = action;
    refused = "";
    update();
    rpc.call("control", { action }).catch((err: unknown) => {
      if (!(err instanceof RpcError) || closed) return;
      if (pending === action) pending = null;
      refused = err.message;
      update();
    });
  };
  const button = (cls: string, text: string, action: ControlAction, label: string) => {
    const b = make(doc, "button", `pnb-btn ${cls}`, text);
    b.type = "button";
    b.title = label;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", () => control(action));
    return b;
  };
  const pause = button("pnb-pause", "Pause", "pause", "Pause after the current batch");
  const resume = button("pnb-resume", "Resume", "resume", "Resume training");
  const stop = button("pnb-stop", "Stop", "stop", "Stop after the current batch");
  top.append(title, status, position, spacer, pause, resume, stop);

  const progress = make(doc, "div", "pnb-progress");
  progress.setAttribute("role", "progressbar");
  progress.setAttribute("aria-valuemin", "0");
  progress.setAttribute("aria-valuemax", "100");
  progress.setAttribute("aria-label", "Training progress");
  const bar = make(doc, "div", "pnb-progress-bar");
  progress.append(bar);

  const meta = make(doc, "div", "pnb-dash-row pnb-dash-meta");
  const percent = make(doc, "span", "pnb-progress-text");
  const rate = make(doc, "span", "pnb-rate");
  const eta = make(doc, "span", "pnb-eta");
  const elapsed = make(doc, "span", "pnb-elapsed");
  meta.append(percent, rate, eta, elapsed);
  const message = make(doc, "div", "pnb-dash-message");
  const error = make(doc, "div", "pnb-dash-error");
  error.setAttribute("role", "alert");
  const note = make(doc, "div", "pnb-dash-note");
  root.append(top, progress, meta, message, error, note);
  el.append(root);

  // The action the user just asked for, shown until the kernel's state reflects it.
  let pending: ControlAction | null = null;
  // The kernel's reason for refusing the last button, shown until the next click.
  let refused = "";
  let closed = false;

  function update(): void {
    const s: Partial<HeaderState> = model.get("state") ?? {};
    const st = String(s.status ?? "pending");
    if (pending === "stop" && !LIVE.has(st)) pending = null;
    if (pending === "pause" && st === "paused") pending = null;
    if (pending === "resume" && st !== "paused") pending = null;
    root.dataset.status = st;
    title.textContent = s.title || "training";
    status.dataset.status = st;
    status.textContent = pending === "stop" ? "stopping…" : pending === "pause" ? "pausing…" : st;
    const epochs = s.epochs ?? 0;
    const steps = s.steps ?? 0;
    position.textContent = epochs ? `epoch ${s.epoch ?? 0}/${epochs}${steps && LIVE.has(st) ? ` · batch ${s.step ?? 0}/${steps}` : ""}` : "";
    const p = clampPercent(s.progress);
    progress.setAttribute("aria-valuenow", String(p));
    progress.setAttribute("aria-valuetext", `${p}%`);
    bar.style.width = `${p}%`;
    percent.textContent = `${p}%`;
    const r = formatRate(s.rate);
    rate.textContent = r ? `${r} ${s.rate_unit ?? ""}` : "";
    const e = LIVE.has(st) ? formatDuration(s.eta) : "";
    eta.textContent = e ? `ETA ${e}` : "";
    const el2 = formatDuration(s.elapsed);
    elapsed.textContent = el2 ? `elapsed ${el2}` : "";
    message.textContent = s.message ?? "";
    message.hidden = !s.message;
    error.textContent = refused;
    error.hidden = !refused;
    note.textContent = [s.note, s.controls_note].filter(Boolean).join(" ");
    note.hidden = !note.textContent;
    const live = st === "running" || st === "paused";
    const enabled = live && s.controls !== false;
    const why = s.controls === false && s.controls_note ? s.controls_note : "";
    stop.disabled = !enabled || pending === "stop";
    pause.disabled = !enabled || pending !== null;
    resume.disabled = !enabled || pending !== null;
    pause.hidden = st === "paused";
    resume.hidden = st !== "paused";
    for (const b of [stop, pause, resume]) b.title = why || b.getAttribute("aria-label") || "";
  }

  update();
  model.on("change:state", update);
  return () => {
    closed = true;
    rpc.destroy();
    model.off("change:state", update);
    root.remove();
  };
}
