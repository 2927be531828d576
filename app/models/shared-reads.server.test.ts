import { describe, expect, it } from "vitest";
import { createSharedReads } from "./shared-reads.server";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("shared reads", () => {
  it("loads once for concurrent and repeated reads of a key until it expires", async () => {
    let clock = 0;
    const reads = createSharedReads<string>({ ttlMs: 2_000, maxEntries: 10, now: () => clock });
    let loads = 0;
    const load = async () => `load ${++loads}`;
    const [first, second] = await Promise.all([reads.read("q1", "newest", load), reads.read("q1", "newest", load)]);
    expect([first, second, loads]).toEqual(["load 1", "load 1", 1]);
    clock = 1_999;
    expect(await reads.read("q1", "newest", load)).toBe("load 1");
    clock = 2_000;
    expect(await reads.read("q1", "newest", load)).toBe("load 2");
    expect(await reads.read("q1", "oldest", load)).toBe("load 3");
  });

  it("reads anew after the group is forgotten, and never stores a load that began before", async () => {
    const reads = createSharedReads<string>({ ttlMs: 60_000, maxEntries: 10 });
    const slow = deferred<string>();
    const before = reads.read("q1", "newest", () => slow.promise);
    // A write commits and forgets while that read is still running.
    reads.forget("q1");
    slow.resolve("before the write");
    expect(await before).toBe("before the write");
    expect(await reads.read("q1", "newest", async () => "after the write")).toBe("after the write");
    // Other groups keep their entries.
    await reads.read("q2", "newest", async () => "q2 first");
    reads.forget("q1");
    expect(await reads.read("q2", "newest", async () => "q2 again")).toBe("q2 first");
    reads.forgetAll();
    expect(await reads.read("q2", "newest", async () => "q2 after all")).toBe("q2 after all");
  });

  it("keeps no failed load, and holds at most maxEntries", async () => {
    const reads = createSharedReads<string>({ ttlMs: 60_000, maxEntries: 2 });
    await expect(reads.read("q1", "a", () => Promise.reject(new Error("database down")))).rejects.toThrow("database down");
    expect(await reads.read("q1", "a", async () => "recovered")).toBe("recovered");
    await reads.read("q1", "b", async () => "b");
    await reads.read("q1", "c", async () => "c");
    expect(reads.size).toBe(2);
    expect(await reads.read("q1", "a", async () => "reloaded")).toBe("reloaded");
  });

  it("with no lifetime, shares only a load that is still running", async () => {
    const reads = createSharedReads<string>({ ttlMs: 0, maxEntries: 10 });
    const slow = deferred<string>();
    let loads = 0;
    const first = reads.read("q1", "state", () => (loads++, slow.promise));
    const second = reads.read("q1", "state", async () => `load ${++loads}`);
    slow.resolve("shared");
    expect([await first, await second, loads]).toEqual(["shared", "shared", 1]);
    expect(await reads.read("q1", "state", async () => `load ${++loads}`)).toBe("load 2");
    expect(reads.size).toBe(0);
  });
});
