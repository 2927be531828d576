/** The timers a coalescer runs on; tests pass a fake one to step through windows without waiting. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  // Unref'd: a window still open must not keep a finished process (or test worker) alive.
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Window<V> {
  timer: unknown;
  /** What opened this run of windows, or was last sent in it. */
  sent: V;
  /** Offered since the last send, folded into one. */
  pending: V | undefined;
}

/**
 * Per key, at most one send per window. A value offered while its key is quiet goes out at once
 * (the leading edge) and opens a window; whatever is offered during the window is folded into one
 * value, sent when the window ends, which opens the next one. A window that ends with nothing
 * folded forgets its key, so only keys with recent traffic hold memory.
 */
export class WindowedCoalescer<K, V> {
  private readonly windows = new Map<K, Window<V>>();

  constructor(
    private readonly options: {
      windowMs: number;
      timers?: Timers;
      send(key: K, value: V): void;
      /** Combines what is already waiting with what was just offered. */
      fold(pending: V, next: V): V;
    },
  ) {}

  offer(key: K, value: V): void {
    const window = this.windows.get(key);
    if (!window) {
      this.open(key, value);
      this.options.send(key, value);
      return;
    }
    window.pending = window.pending === undefined ? value : this.options.fold(window.pending, value);
  }

  /** The newest value sent or waiting while `key`'s window is open; undefined once it is quiet. */
  latest(key: K): V | undefined {
    const window = this.windows.get(key);
    return window && (window.pending ?? window.sent);
  }

  /** Keys with an open window. */
  get size(): number {
    return this.windows.size;
  }

  /** Forgets every window without sending what waits in them (shutdown). */
  clear(): void {
    for (const window of this.windows.values()) this.timers.clearTimeout(window.timer);
    this.windows.clear();
  }

  private get timers(): Timers {
    return this.options.timers ?? systemTimers;
  }

  private open(key: K, sent: V) {
    const window: Window<V> = { sent, pending: undefined, timer: undefined };
    window.timer = this.timers.setTimeout(() => this.close(key, window), this.options.windowMs);
    this.windows.set(key, window);
  }

  private close(key: K, window: Window<V>) {
    if (this.windows.get(key) !== window) return;
    this.windows.delete(key);
    if (window.pending === undefined) return;
    this.open(key, window.pending);
    this.options.send(key, window.pending);
  }
}
