import { describe, expect, it } from "vitest";
import { isAllowedOrigin, isSameOriginMutation } from "./origin";

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

describe("isSameOriginMutation", () => {
  const host = "localhost:3000";

  it("accepts our own Origin", () => {
    expect(isSameOriginMutation({ origin: "http://localhost:3000", host })).toBe(true);
  });
  it("refuses a foreign Origin, even with our own Referer", () => {
    expect(isSameOriginMutation({ origin: "https://evil.example", host })).toBe(false);
    expect(isSameOriginMutation({ origin: "https://evil.example", referer: "http://localhost:3000/account", host })).toBe(false);
  });
  it('refuses the opaque Origin "null" (sandboxed frames, data: URLs)', () => {
    expect(isSameOriginMutation({ origin: "null", host })).toBe(false);
    expect(isSameOriginMutation({ origin: "null", referer: "http://localhost:3000/account", host })).toBe(false);
  });
  it("falls back to the Referer's origin when Origin is missing", () => {
    expect(isSameOriginMutation({ referer: "http://localhost:3000/account?tab=1", host })).toBe(true);
    expect(isSameOriginMutation({ referer: "https://evil.example/localhost:3000", host })).toBe(false);
    expect(isSameOriginMutation({ referer: "http://localhost:3000.evil.example/", host })).toBe(false);
    expect(isSameOriginMutation({ referer: "not a url", host })).toBe(false);
  });
  it("refuses a request with neither Origin nor Referer", () => {
    expect(isSameOriginMutation({ host })).toBe(false);
    expect(isSameOriginMutation({})).toBe(false);
  });
  it("accepts configured embedders by Origin or Referer", () => {
    const allowedOrigins = ["https://partner.example"];
    expect(isSameOriginMutation({ origin: "https://partner.example", host, allowedOrigins })).toBe(true);
    expect(isSameOriginMutation({ referer: "https://partner.example/embed", host, allowedOrigins })).toBe(true);
    expect(isSameOriginMutation({ origin: "https://partner.example", host })).toBe(false);
  });
});
