// The app's routes as Remix's flat-routes convention reads app/routes, found from the files at
// test time: a route added tomorrow is posted to by the hostile-input suite without anyone
// remembering to list it.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

export interface RouteFile {
  /** Path under app/routes, e.g. `questions.$id/route.tsx`. */
  file: string;
  /** The URL pattern, e.g. `/questions/:id`; a splat is `*`. */
  pattern: string;
  /** Dynamic segments in order (`*` for a splat). */
  params: string[];
  /** Whether the module exports an action (a route without one answers 405 to a POST anyway). */
  hasAction: boolean;
  /** Whether it renders a page (a default export) rather than being a resource route. */
  isPage: boolean;
  /** Whether its action reads a form body. */
  readsForm: boolean;
  /** `intent` values the action dispatches on, read off its source (and its folder's helpers). */
  dispatchedIntents: string[];
}

const ROUTE_MODULE = /\.(tsx|ts|jsx|js)$/;
// Remix ignores these in app/routes (remix.config.js ignoredRouteFiles), and .server/.client
// modules beside a flat route are helpers, not routes.
const NOT_A_ROUTE = /(^\.|\.test\.(ts|tsx)$|\.(server|client)\.(ts|tsx|js|jsx)$)/;

const EXPORTS_ACTION = /export\s+(async\s+)?function\s+action\b|export\s+(const|let|var)\s+action\b|export\s*\{[^}]*\baction\b[^}]*\}/;
const EXPORTS_DEFAULT = /export\s+default\b/;
const READS_FORM = /readFormData\s*\(|\.formData\s*\(/;
const INTENT_LITERALS = [/case\s+"([^"]+)"\s*:/g, /\bintent\s*[!=]==\s*"([^"]+)"/g];

interface Segment {
  text: string;
  /** Whether the segment's first character was escaped (`[$]`), so it cannot mark a param. */
  escapedStart: boolean;
  /** Whether its last character was escaped (`foo[_]`), so it cannot mark "not nested". */
  escapedEnd: boolean;
}

/** Splits a flat route name on unescaped dots: `api.questions.$id.history[.]csv` → api, questions, $id, history.csv. */
export function segmentsOfRouteName(name: string): Segment[] {
  const segments: Segment[] = [];
  let current: Segment = { text: "", escapedStart: false, escapedEnd: false };
  let escaping = false;
  for (const character of name) {
    if (escaping) {
      if (character === "]") {
        escaping = false;
        continue;
      }
      if (current.text === "") current.escapedStart = true;
      current.text += character;
      current.escapedEnd = true;
      continue;
    }
    if (character === "[") {
      escaping = true;
      continue;
    }
    if (character === ".") {
      segments.push(current);
      current = { text: "", escapedStart: false, escapedEnd: false };
      continue;
    }
    current.text += character;
    current.escapedEnd = false;
  }
  segments.push(current);
  return segments;
}

/** The URL pattern of a flat route name (the file name without extension, or the folder's name). */
export function patternOfRouteName(name: string): { pattern: string; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  for (const segment of segmentsOfRouteName(name)) {
    let text = segment.text;
    if (!segment.escapedStart && text === "_index") continue;
    // A leading underscore is a pathless layout; it adds no URL segment.
    if (!segment.escapedStart && text.startsWith("_")) continue;
    // A trailing underscore only opts out of the parent's layout.
    if (!segment.escapedEnd && text.endsWith("_")) text = text.slice(0, -1);
    const optional = !segment.escapedStart && text.startsWith("(") && text.endsWith(")");
    if (optional) text = text.slice(1, -1);
    if (!segment.escapedStart && text === "$") {
      params.push("*");
      parts.push("*");
    } else if (!segment.escapedStart && text.startsWith("$")) {
      params.push(text.slice(1));
      parts.push(`:${text.slice(1)}`);
    } else {
      parts.push(text);
    }
  }
  return { pattern: `/${parts.join("/")}`, params };
}

function intentsIn(source: string): string[] {
  const found = new Set<string>();
  for (const pattern of INTENT_LITERALS) for (const match of source.matchAll(pattern)) found.add(match[1]!);
  return [...found].sort();
}

/** Every route module under `routesDir`, with what its source says about its action. */
export function listRoutes(routesDir: string): RouteFile[] {
  const routes: RouteFile[] = [];
  for (const entry of readdirSync(routesDir).sort()) {
    const full = path.join(routesDir, entry);
    let name: string;
    let file: string;
    let source: string;
    if (statSync(full).isDirectory()) {
      const moduleName = ["route.tsx", "route.ts", "route.jsx", "route.js"].find((candidate) => existsSync(path.join(full, candidate)));
      if (!moduleName) continue;
      name = entry;
      file = `${entry}/${moduleName}`;
      // The folder's other modules are the route's own helpers (its intents may be dispatched there).
      const helpers = readdirSync(full)
        .filter((helper) => helper !== moduleName && ROUTE_MODULE.test(helper) && !/\.test\./.test(helper))
        .map((helper) => readFileSync(path.join(full, helper), "utf8"));
      source = [readFileSync(path.join(full, moduleName), "utf8"), ...helpers].join("\n");
    } else {
      if (!ROUTE_MODULE.test(entry) || NOT_A_ROUTE.test(entry)) continue;
      name = entry.replace(ROUTE_MODULE, "");
      file = entry;
      source = readFileSync(full, "utf8");
    }
    const routeSource = readFileSync(path.join(routesDir, file), "utf8");
    const hasAction = EXPORTS_ACTION.test(routeSource);
    routes.push({
      file,
      ...patternOfRouteName(name),
      hasAction,
      isPage: EXPORTS_DEFAULT.test(routeSource),
      readsForm: hasAction && READS_FORM.test(source),
      dispatchedIntents: hasAction ? intentsIn(source) : [],
    });
  }
  return routes;
}

/** The pattern with its params filled in; throws naming the route when one has no value. */
export function fillPattern(route: Pick<RouteFile, "file" | "pattern" | "params">, values: Record<string, string>): string {
  const missing = route.params.filter((param) => values[param] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `hostile-input: app/routes/${route.file} (${route.pattern}) has the param(s) ${missing.join(", ")}, which the suite cannot fill: ` +
        "add a value for it to the param table in test/hostile-input/route-forms.ts",
    );
  }
  return route.pattern
    .split("/")
    .map((part) => (part === "*" ? values["*"]! : part.startsWith(":") ? encodeURIComponent(values[part.slice(1)]!) : part))
    .join("/");
}
