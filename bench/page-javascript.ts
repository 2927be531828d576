// The JavaScript a server-rendered page makes the browser download before it is interactive: every
// `<script src>`, every `<link rel="modulepreload">`, the static imports of the inline module
// script, and (in case a chunk is imported but not preloaded) the static imports of those modules.
// Lazily loaded code (dynamic import(), routes discovered later) is not counted.
import { gzipSync } from "node:zlib";
import { assertLoopback } from "./harness";

/** zlib level 9: the most a server could get out of gzip, so the figure is a floor, not a guess. */
export const GZIP_LEVEL = 9;

export interface ShippedScript {
  url: string;
  rawBytes: number;
  gzipBytes: number;
  /** Found only by following imports, i.e. not announced in the HTML. */
  discoveredByImport: boolean;
}

export interface ShippedJavaScript {
  htmlBytes: number;
  scripts: ShippedScript[];
  rawBytes: number;
  /** Each file gzipped on its own, as each is sent on its own. */
  gzipBytes: number;
  /** Inline <script> bodies: shipped too, but inside the HTML document, so counted with it. */
  inlineBytes: number;
}

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  // Skips the tag name, then reads name="value", name='value', name=value or a bare name.
  for (const match of tag.replace(/^<\w+/, "").matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    const name = match[1];
    if (name) found.set(name.toLowerCase(), (match[2] ?? match[3] ?? match[4] ?? "").replaceAll("&amp;", "&"));
  }
  return found;
}

/** `import … from "x"`, `import "x"` and `export … from "x"`; not `import("x")`, which is lazy. */
function staticImports(source: string): string[] {
  return [...source.matchAll(/\b(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?["']([^"'\n]+)["']/g)].flatMap((match) =>
    match[1] ? [match[1]] : [],
  );
}

interface PageReferences {
  announced: string[];
  inlineBytes: number;
}

function referencesIn(html: string, pageUrl: string): PageReferences {
  const announced: string[] = [];
  let inlineBytes = 0;
  for (const match of html.matchAll(/(<script\b[^>]*>)([\s\S]*?)<\/script>/gi)) {
    const attrs = attributes(match[1] ?? "");
    const body = match[2] ?? "";
    const src = attrs.get("src");
    if (src) {
      announced.push(new URL(src, pageUrl).href);
    } else {
      inlineBytes += Buffer.byteLength(body);
      if (attrs.get("type") === "module") announced.push(...staticImports(body).map((specifier) => new URL(specifier, pageUrl).href));
    }
  }
  for (const match of html.matchAll(/<link\b[^>]*>/gi)) {
    const attrs = attributes(match[0]);
    const href = attrs.get("href");
    if (href && attrs.get("rel")?.split(/\s+/).includes("modulepreload")) announced.push(new URL(href, pageUrl).href);
  }
  return { announced, inlineBytes };
}

async function fetchBytes(url: string): Promise<Buffer> {
  assertLoopback(url);
  // fetch() asks for gzip and inflates transparently, so these are the bytes the browser parses.
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

export async function measureShippedJavaScript(pageUrl: string): Promise<ShippedJavaScript> {
  const html = await fetchBytes(pageUrl);
  const origin = new URL(pageUrl).origin;
  const { announced, inlineBytes } = referencesIn(html.toString("utf8"), pageUrl);
  const announcedSet = new Set(announced);
  const queue = [...announcedSet];
  const seen = new Set(queue);
  const scripts: ShippedScript[] = [];
  while (queue.length > 0) {
    const url = queue.shift() as string;
    // A third-party script would be real weight, but fetching it is outside what a bench may do.
    if (new URL(url).origin !== origin) throw new Error(`page loads a script from another origin (${url}); count it by hand`);
    const bytes = await fetchBytes(url);
    scripts.push({
      url: url.slice(origin.length),
      rawBytes: bytes.length,
      gzipBytes: gzipSync(bytes, { level: GZIP_LEVEL }).length,
      discoveredByImport: !announcedSet.has(url),
    });
    for (const specifier of staticImports(bytes.toString("utf8"))) {
      // Inside bundled code only path-like .js specifiers are module imports; anything else the
      // pattern catches is text that happens to read "import … from '…'".
      if (!/^\.{0,2}\/[^\s]*\.m?js$/.test(specifier)) continue;
      const next = new URL(specifier, url).href;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return {
    htmlBytes: html.length,
    scripts,
    rawBytes: scripts.reduce((sum, script) => sum + script.rawBytes, 0),
    gzipBytes: scripts.reduce((sum, script) => sum + script.gzipBytes, 0),
    inlineBytes,
  };
}
