import type { AnyModel } from "../src/protocol";

type Cb = (...args: any[]) => void;

/** An in-memory stand-in for the anywidget model. */
export class FakeModel implements AnyModel {
  handlers = new Map<string, Cb[]>();
  /** Commands sent (`kind: "command"`); `messages` has every message, previews requests too. */
  sent: any[] = [];
  messages: any[] = [];
  buffers: unknown[][] = [];
  saves = 0;

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
    if (!event) return this.handlers.clear();
    this.handlers.set(event, (this.handlers.get(event) ?? []).filter((f) => cb && f !== cb));
  }
  emit(event: string, ...args: unknown[]): void {
    for (const cb of this.handlers.get(event) ?? []) cb(...args);
  }
  send(content: unknown, _callbacks?: unknown, buffers?: unknown[]): void {
    this.messages.push(content);
    this.buffers.push(buffers ?? []);
    if ((content as { kind?: string })?.kind === "command") this.sent.push(content);
  }
  save_changes(): void {
    this.saves++;
  }
  listenerCount(): number {
    let n = 0;
    for (const l of this.handlers.values()) n += l.length;
    return n;
  }
  /** The kernel answers the last command. */
  reply(ok: boolean, error: string | null = null, id = this.sent[this.sent.length - 1].id): void {
    this.emit("msg:custom", { kind: "command_result", id, ok, error }, []);
  }
}
