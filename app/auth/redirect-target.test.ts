import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "./redirect-target";

describe("safeRedirectPath", () => {
  it("keeps a same-site path with its query and fragment", () => {
    expect(safeRedirectPath("/articles/x?y=1#z")).toBe("/articles/x?y=1#z");
    expect(safeRedirectPath("/account")).toBe("/account");
  });

  it.each([
    ["a protocol-relative URL", "//evil.example"],
    ["a protocol-relative URL with a path", "//evil.example/login"],
    ["a backslash URL", "/\\evil.example"],
    ["an absolute URL", "https://evil.example"],
    ["an absolute URL naming our path", "https://evil.example/articles/x"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["a tab that browsers drop", "/\t/evil.example"],
    ["a newline that browsers drop", "/\n/evil.example"],
    ["an empty string", ""],
    ["a bare host name", "evil.example"],
    ["a relative path", "articles/x"],
  ])("falls back to / for %s", (_label, value) => {
    expect(safeRedirectPath(value)).toBe("/");
  });

  it.each([[undefined], [null], [42], [["/articles/x"]], [{ toString: () => "/articles/x" }]])(
    "falls back to / for a non-string (%o)",
    (value) => {
      expect(safeRedirectPath(value)).toBe("/");
    },
  );

  it("honours a custom fallback", () => {
    expect(safeRedirectPath("//evil.example", "/account")).toBe("/account");
    expect(safeRedirectPath(undefined, "/account")).toBe("/account");
    expect(safeRedirectPath("/articles/x", "/account")).toBe("/articles/x");
  });
});
