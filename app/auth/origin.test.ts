import { describe, expect, it } from "vitest";
import { isAllowedOrigin } from "./origin";

describe("isAllowedOrigin", () => {
  it("accepts the origin of the host the browser addressed", () => {
    expect(isAllowedOrigin("http://localhost:3000", "localhost:3000")).toBe(true);
    expect(isAllowedOrigin("https://crowdline.example", "crowdline.example")).toBe(true);
  });
  it("refuses another site, another port and opaque origins", () => {
    expect(isAllowedOrigin("https://evil.example", "localhost:3000")).toBe(false);
    expect(isAllowedOrigin("http://localhost:4000", "localhost:3000")).toBe(false);
    expect(isAllowedOrigin("null", "localhost:3000")).toBe(false);
    expect(isAllowedOrigin("not a url", "localhost:3000")).toBe(false);
    expect(isAllowedOrigin("ftp://localhost:3000", "localhost:3000")).toBe(false);
  });
  it("accepts configured embedders only exactly", () => {
    expect(isAllowedOrigin("https://partner.example", "localhost:3000", ["https://partner.example"])).toBe(true);
    expect(isAllowedOrigin("https://partner.example.evil", "localhost:3000", ["https://partner.example"])).toBe(false);
  });
  it("lets requests without an Origin through (same-origin GETs, non-browser clients)", () => {
    expect(isAllowedOrigin(undefined, "localhost:3000")).toBe(true);
  });
});
