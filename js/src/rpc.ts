/**
 * One wire between a widget's browser side and its kernel side (the kernel half is
 * perceptinb/widgets/rpc.py): calls with ids that resolve to exactly one reply, and ordered
 * kernel pushes by topic. Every widget uses it; none listens to `msg:custom` itself.
 *
 * Usage:
 *   const rpc = new Rpc(model);
 *   const { result, buffers } = await rpc.call<{ size: number }>("export", { format: "keras" });
 *   const off = rpc.on("update", (data, buffers) => store.apply(data, buffers));
 *   ...
 *   rpc.destroy(); // on view cleanup: rejects pending calls, stops listening
 *
 * A refused or malformed call rejects with an {@link RpcError} carrying the kernel's message.
 * Arrays inside results and pushes are decoded with ./codec.ts.
 *
 * Wire (anywidget custom messages, buffers alongside):
 *   JS → Python `{kind: "rpc", id, method, params}`
 *   Python → JS `{kind: "rpc_reply", id, ok, result, error}` (one per call)
 *   Python → JS `{kind: "rpc_push", topic, seq, data}` (seq counts pushes, per widget)
 * Pushes and replies share one channel, so an update pushed while handling a call reaches the
 * browser before that call's reply. See rpc.py for why this is not anywidget's `invoke`.
 */
import type { AnyModel } from "./anymodel";

/** A binary buffer as anywidget hands it over: a DataView in practice. */
export type BufferLike = ArrayBuffer | ArrayBufferView;

export interface RpcReply<T = unknown> {
  result: T;
  buffers: BufferLike[];
}

export type PushHandler = (data: any, buffers: BufferLike[]) => void;

/** The kernel refused the call (or it never arrived); `message` is the kernel's reason. */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly method: string,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

const SEQ_KEY = "__perceptinbRpcSeq";

/** Call ids come from one counter per page, so two views of one widget never share an id. */
function nextId(): number {
  const g = globalThis as unknown as Record<string, number>;
  g[SEQ_KEY] = (g[SEQ_KEY] ?? 0) + 1;
  return g[SEQ_KEY];
}

interface Pending {
  method: string;
  resolve: (reply: RpcReply<any>) => void;
  reject: (error: RpcError) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

export class Rpc {
  private readonly pending = new Map<number, Pending>();
  private readonly topics = new Map<string, Set<PushHandler>>();
  private readonly onMsg: (msg: unknown, buffers?: unknown) => void;
  /** Sequence number of the last push received (0: none yet). */
  lastSeq = 0;

  constructor(
    private readonly model: AnyModel,
    /** A call without a reply after this long rejects; 0: wait for ever (a busy kernel is slow). */
    private readonly timeoutMs = 0,
  ) {
    this.onMsg = (msg, buffers) => this.receive(msg, Array.isArray(buffers) ? (buffers as BufferLike[]) : []);
    model.on("msg:custom", this.onMsg);
  }

  /** Calls `method` in the kernel; resolves with its result, rejects with an RpcError. */
  call<T = unknown>(method: string, params: Record<string, unknown> = {}, buffers: BufferLike[] = []): Promise<RpcReply<T>> {
    const id = nextId();
    return new Promise<RpcReply<T>>((resolve, reject) => {
      const timer =
        this.timeoutMs > 0 ? setTimeout(() => this.settle(id, null, `No answer from the kernel after ${this.timeoutMs} ms`), this.timeoutMs) : null;
      this.pending.set(id, { method, resolve, reject, timer });
      this.model.send({ kind: "rpc", id, method, params }, undefined, buffers);
    });
  }

  /** Subscribes to pushes on `topic`; returns the unsubscribe function. */
  on(topic: string, handler: PushHandler): () => void {
    let set = this.topics.get(topic);
    if (!set) {
      set = new Set();
      this.topics.set(topic, set);
    }
    set.add(handler);
    const handlers = set;
    return () => handlers.delete(handler);
  }

  /** Calls still waiting for their reply. */
  get waiting(): number {
    return this.pending.size;
  }

  destroy(): void {
    this.model.off("msg:custom", this.onMsg);
    for (const id of [...this.pending.keys()]) this.settle(id, null, "The view was closed");
    this.topics.clear();
  }

  private receive(raw: unknown, buffers: BufferLike[]): void {
    const msg = raw as Record<string, unknown> | null;
    if (!msg || typeof msg !== "object") return;
    if (msg.kind === "rpc_push" && typeof msg.topic === "string") {
      if (typeof msg.seq === "number") this.lastSeq = msg.seq;
      for (const handler of [...(this.topics.get(msg.topic) ?? [])]) handler(msg.data, buffers);
    } else if (msg.kind === "rpc_reply" && typeof msg.id === "number") {
      // Replies to another view's calls (same widget, same page) are not ours: ignore them.
      if (!this.pending.has(msg.id)) return;
      if (msg.ok) this.settle(msg.id, { result: msg.result, buffers }, "");
      else this.settle(msg.id, null, typeof msg.error === "string" && msg.error ? msg.error : "The kernel refused the call");
    }
  }

  private settle(id: number, reply: RpcReply | null, error: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    if (reply) p.resolve(reply);
    else p.reject(new RpcError(error, p.method));
  }
}
