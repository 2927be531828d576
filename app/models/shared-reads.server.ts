/**
 * Reads that every reader gets alike, shared between the requests of one instance for a moment:
 * during a surge most views of a question ask the database the same thing many times a second.
 * Only viewer-independent data may go in (what differs per reader is read or applied after).
 *
 * An entry lives until `ttlMs` passes or its group is forgotten; the writes of this instance
 * forget their group once committed, so its own readers never see an entry older than their
 * own write. Writes on other instances show after at most `ttlMs`.
 * Concurrent misses of one key share one load (single flight); with `ttlMs` 0 that is all it
 * does, for reads that must be current but come in bursts.
 */
export interface SharedReads<T> {
  read(group: string, key: string, load: () => Promise<T>): Promise<T>;
  /** Drops the group's entries; loads already running are not stored. */
  forget(group: string): void;
  forgetAll(): void;
  readonly size: number;
}

export function createSharedReads<T>(options: { ttlMs: number; maxEntries: number; now?: () => number }): SharedReads<T> {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: Promise<T>; group: string; freshUntil: number; settled: boolean }>();
  // Bumped by every forget: a load that began before it must not store what it read.
  const generations = new Map<string, number>();
  let epoch = 0;
  const generationOf = (group: string) => `${epoch}:${generations.get(group) ?? 0}`;

  return {
    read(group, key, load) {
      const fullKey = `${group}\u0000${key}`;
      const entry = entries.get(fullKey);
      // A load still running is shared whatever the lifetime: with ttlMs 0 this is single flight alone.
      if (entry && (!entry.settled || now() < entry.freshUntil)) return entry.value;
      const startedIn = generationOf(group);
      const value = load();
      const stored = { value, group, freshUntil: now() + options.ttlMs, settled: false };
      entries.delete(fullKey);
      entries.set(fullKey, stored);
      if (entries.size > options.maxEntries) entries.delete(entries.keys().next().value as string);
      const drop = () => {
        if (entries.get(fullKey) === stored) entries.delete(fullKey);
      };
      value.then(
        () => {
          stored.settled = true;
          // Lived from the start of the load, and not past a forget that came meanwhile.
          if (generationOf(group) !== startedIn || options.ttlMs <= 0) drop();
        },
        drop,
      );
      return value;
    },
    forget(group) {
      generations.set(group, (generations.get(group) ?? 0) + 1);
      for (const [key, entry] of entries) if (entry.group === group) entries.delete(key);
    },
    forgetAll() {
      epoch += 1;
      generations.clear();
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
