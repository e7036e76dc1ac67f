/** The subset of the anywidget model API that the perceptinb widgets use (one for all bundles). */
export interface AnyModel {
  get(name: string): any;
  set(name: string, value: unknown): void;
  on(event: string, cb: (...args: any[]) => void): void;
  off(event?: string | null, cb?: ((...args: any[]) => void) | null): void;
  send(content: unknown, callbacks?: unknown, buffers?: unknown[]): void;
  save_changes(): void;
}
