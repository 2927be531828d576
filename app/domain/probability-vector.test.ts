import { describe, expect, it } from "vitest";
import { parseProbabilityVector } from "./probability-vector";

describe("parseProbabilityVector", () => {
  it("reads a stored vector", () => {
    expect(parseProbabilityVector("[0.45,0.4,0.15]")).toEqual([0.45, 0.4, 0.15]);
  });
  it("rejects values outside [0, 1] and empty vectors", () => {
    expect(() => parseProbabilityVector("[1.2]")).toThrow();
    expect(() => parseProbabilityVector("[]")).toThrow();
    expect(() => parseProbabilityVector('{"a":1}')).toThrow();
  });
});
