import type { AnyModel } from "../src/protocol";

type Cb = (...args: any[]) => void;

/** An in-memory stand-in for the anywidget model, speaking the rpc wire (src/rpc.ts). */
export class FakeModel implements AnyModel {
  handlers = new Map<string, Cb[]>();
  /** `command` calls sent; `messages` has every message sent, `buffers` their buffers. */
  sent: any[] = [];
  messages: any[] = [];
  buffers: unknown[][] = [];
  saves = 0;
  private seq = 0;

  constructor(public state: Record<string, any>) {}

  get(name: string): any {
    return this.state[name];
  }
  set(name: string, value: unknown): void {
    this.state[name] = value;
  }
  /** Sets a trait from the "kernel" side, firing change:NAME like anywidget. */
  update(name: string, value: unknown): void {
    this.state[name] = value;
    this.emit(`change:${name}`);
  }
  on(event: string, cb: Cb): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), cb]);
  }
  off(event?: string | null, cb?: Cb | null): void {
    if (!event) {
      this.handlers.clear();
      return;
    }
    this.handlers.set(
      event,
      (this.handlers.get(event) ?? []).filter((f) => cb && f !== cb),
    );
  }
  emit(event: string, ...args: unknown[]): void {
    for (const cb of [...(this.handlers.get(event) ?? [])]) cb(...args);
  }
  send(content: unknown, _callbacks?: unknown, buffers?: unknown[]): void {
    this.messages.push(content);
    this.buffers.push(buffers ?? []);
    const m = content as { kind?: string; method?: string };
    if (m?.kind === "rpc" && m.method === "command") this.sent.push(content);
  }
  save_changes(): void {
    this.saves++;
  }
  listenerCount(): number {
    let n = 0;
    for (const l of this.handlers.values()) n += l.length;
    return n;
  }
  /** The calls of `method` sent so far. */
  calls(method: string): any[] {
    return this.messages.filter((m) => m?.kind === "rpc" && m.method === method);
  }
  /** The kernel answers call `id` (default: the last command). */
  reply(ok: boolean, error: string | null = null, id = this.sent[this.sent.length - 1].id, result: unknown = {}, buffers: unknown[] = []): void {
    this.emit("msg:custom", { kind: "rpc_reply", id, ok, result: ok ? result : null, error }, buffers);
  }
  /** The kernel pushes `data` on `topic`. */
  push(topic: string, data: unknown, buffers: unknown[] = []): void {
    this.emit("msg:custom", { kind: "rpc_push", topic, seq: ++this.seq, data }, buffers);
  }
}
