const BASE = "http://crowdline.invalid";

/**
 * `redirectTo` as a same-site path, or `fallback`. A login link is the classic open redirect:
 * "//evil.example", "/\\evil.example" and "https://evil.example" all leave the site, so only
 * values that resolve to our own origin survive, and only their path, query and fragment.
 */
export function safeRedirectPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  // Browsers drop tabs and newlines inside URLs, so "/\t/evil.example" would become "//evil.example".
  const hasControlCharacter = [...value].some((character) => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f);
  if (hasControlCharacter || !URL.canParse(value, BASE)) return fallback;
  const url = new URL(value, BASE);
  if (url.origin !== BASE) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
