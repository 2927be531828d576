import type { ElementContent, Root as HastRoot, RootContent as HastContent } from "hast";
import type { Root as MdastRoot, RootContent as MdastContent, Paragraph, PhrasingContent } from "mdast";
import { findAndReplace, type RegExpMatchObject } from "mdast-util-find-and-replace";
import rehypeSanitize, { defaultSchema, type Options as SanitizeSchema } from "rehype-sanitize";
import rehypeStringify from "rehype-stringify";
import remarkGfm from "remark-gfm";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import { SKIP, visit } from "unist-util-visit";

/**
 * Comment markdown → sanitised HTML, the same code on the server (first paint) and in the
 * browser (live comments, preview), so a comment looks the same however it arrived and
 * hydration sees identical markup. Pure: no Node APIs, no framework imports.
 *
 * Decisions (the summary is in docs/decisions/013-discussion.md, "Markdown"):
 * - Raw HTML is shown as the text that was typed, never interpreted.
 * - Images never load: each becomes a link to its URL, labelled with its alt text.
 * - Links keep their href only for http:, https:, mailto: and site paths ("/x", not "//x");
 *   every link gets rel="nofollow ugc noopener".
 * - Headings are pushed down two levels (h1 → h3 … h4–h6 → h6).
 * - GFM footnotes are turned back into their literal text.
 * - Tables, strikethrough, task lists and autolinked URLs/emails from GFM stay.
 * - Input past the LIMITS below (deep nesting, huge emphasis runs, table blow-ups) is shown as
 *   escaped plain text, and so is anything that makes the pipeline throw.
 */

// Mirrors UsernameSchema in app/auth/account-forms.ts (3–30 of a–z, 0–9, _; stored lowercased).
// Not imported: that module pulls zod into every browser bundle that renders a comment.
// Letters/digits from other scripts count as "word" on both sides, so "josé@example" or
// "@alicé" never turn into a mention of a truncated name.
const MENTION = /@([A-Za-z0-9_]{3,30})(?![\p{L}\p{N}\p{M}_])/gu;
const WORD_CHARACTER = /[\p{L}\p{N}\p{M}_]/u;

// Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): the "Trojan
// Source" characters that make text display in an order other than the one it was typed in.
// The stored comment keeps them; only the rendering drops them. LRM/RLM stay: right-to-left
// writers need them and they cannot reorder a run of text on their own.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

const ALLOWED_SCHEMES = new Set(["http:", "https:", "mailto:"]);
const LINK_REL = ["nofollow", "ugc", "noopener"];
// Only used to ask the URL parser whether a site path stays on this site; never rendered.
const SITE_BASE = "https://crowdline.invalid";

/**
 * Bump whenever the HTML this module produces for the same markdown changes: comments store
 * their rendered HTML with the version that made it, and older ones are rendered again.
 */
export const COMMENT_RENDER_VERSION = 1;

/**
 * Whether a rendered href may stay. Relative paths other than "/…" go too: the same comment
 * shows on question pages, profiles and feeds, where "foo" or "#x" would mean different things.
 * The checks assume the WHATWG URL parser (strips tabs/newlines, reads "\" as "/"), so anything
 * it might re-read as a scheme or as "//host" is refused rather than normalised.
 */
export function isAllowedCommentHref(href: string): boolean {
  if (href === "" || /[\p{Cc}\p{Cf}\p{Zs}\\]/u.test(href)) return false;
  if (href.startsWith("/")) {
    if (href.startsWith("//")) return false;
    try {
      return new URL(href, SITE_BASE).origin === SITE_BASE;
    } catch {
      return false;
    }
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(href);
  if (!scheme || !ALLOWED_SCHEMES.has(`${scheme[1]!.toLowerCase()}:`)) return false;
  try {
    return ALLOWED_SCHEMES.has(new URL(href).protocol);
  } catch {
    return false;
  }
}

/**
 * Without allowDangerousHtml remark-rehype silently drops raw HTML, so "Array<string>" would
 * lose a word. Turning it into text keeps what people typed, escaped by the stringifier.
 */
function remarkRawHtmlAsText() {
  return (tree: MdastRoot) => {
    visit(tree, "html", (node, index, parent) => {
      if (!parent || index === undefined) return;
      const text: PhrasingContent = { type: "text", value: node.value };
      const isFlow = ["root", "blockquote", "listItem", "footnoteDefinition"].includes(parent.type);
      const replacement: MdastContent = isFlow ? ({ type: "paragraph", children: [text] } satisfies Paragraph) : text;
      parent.children.splice(index, 1, replacement as never);
    });
  };
}

/**
 * Footnotes would need ids, and ids from one comment collide with the next comment's (every
 * comment has a footnote 1) and with the page's own. remark-gfm has no switch for them, so
 * they are put back as the text that was typed.
 */
function remarkFootnotesAsText() {
  return (tree: MdastRoot) => {
    visit(tree, (node, index, parent) => {
      if (!parent || index === undefined) return;
      if (node.type === "footnoteReference") {
        parent.children.splice(index, 1, { type: "text", value: `[^${node.label ?? node.identifier}]` } as never);
        return;
      }
      if (node.type === "footnoteDefinition") {
        const marker: PhrasingContent = { type: "text", value: `[^${node.label ?? node.identifier}]: ` };
        const [first, ...rest] = node.children;
        const blocks: MdastContent[] =
          first?.type === "paragraph"
            ? [{ ...first, children: [marker, ...first.children] }, ...rest]
            : [{ type: "paragraph", children: [marker] }, ...node.children];
        parent.children.splice(index, 1, ...(blocks as never[]));
        // Revisit the new blocks: they may hold references or mentions of their own.
        return index;
      }
    });
  };
}

function remarkMentions() {
  return (tree: MdastRoot) => {
    findAndReplace(
      tree,
      [
        MENTION,
        (whole: string, username: string, match: RegExpMatchObject) => {
          // A word character before "@" means an email-ish "name@host" that GFM did not
          // autolink, not a mention. The start of a text node counts as a boundary.
          const before = match.input.slice(0, match.index).at(-1);
          if (before !== undefined && WORD_CHARACTER.test(before)) return false;
          return {
            type: "link",
            url: `/u/${username.toLowerCase()}`,
            data: { hProperties: { className: ["mention"] } },
            children: [{ type: "text", value: whole }],
          };
        },
      ],
      // Link text is already a link; code and image alt text are not text nodes at all.
      { ignore: ["link", "linkReference"] },
    );
  };
}

/**
 * "No images from other hosts": nothing in a comment makes the reader's browser fetch, so an
 * image becomes a link to its URL. Schemes are lowercased here because sanitize compares them
 * case-sensitively and would otherwise strip a harmless "HTTPS://…".
 */
function rehypePrepareLinks() {
  return (tree: HastRoot) => {
    visit(tree, "element", (node, index, parent) => {
      if (node.tagName === "a" && typeof node.properties.href === "string") {
        node.properties.href = node.properties.href.replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, (scheme) => scheme.toLowerCase());
        return;
      }
      if (node.tagName !== "img" || !parent || index === undefined) return;
      const src = typeof node.properties.src === "string" ? node.properties.src : "";
      const alt = typeof node.properties.alt === "string" ? node.properties.alt : "";
      const label: ElementContent = { type: "text", value: alt || src };
      const replacement: ElementContent = src
        ? {
            type: "element",
            tagName: "a",
            properties: { href: src, ...(typeof node.properties.title === "string" ? { title: node.properties.title } : {}) },
            children: [label],
          }
        : label;
      parent.children.splice(index, 1, replacement);
      // Revisit the new link so its scheme gets the same treatment.
      return index;
    });
  };
}

/** Comments sit under the page's own h1/h2; a "# Title" comment must not outrank them. */
function rehypeLowerHeadings() {
  return (tree: HastRoot) => {
    visit(tree, "element", (node) => {
      const level = /^h([1-6])$/.exec(node.tagName);
      if (level) node.tagName = `h${Math.min(Number(level[1]) + 2, 6)}`;
    });
  };
}

const INLINE_TAGS = ["a", "br", "code", "del", "em", "input", "strong"];
const BLOCK_TAGS = ["blockquote", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "table", "thead", "tbody", "tr", "th", "td", "ul"];

// Derived from defaultSchema so its protocol, clobber and strip rules stay, but only the tags
// and attributes this pipeline can produce are let through: with raw HTML turned to text
// nothing else should exist, and if a future change made it exist, it should vanish.
const SCHEMA: SanitizeSchema = {
  ...defaultSchema,
  tagNames: [...INLINE_TAGS, ...BLOCK_TAGS],
  attributes: {
    a: ["href", "title", ["className", "mention"]],
    code: [["className", /^language-[\w+#.-]+$/]],
    input: [
      ["type", "checkbox"],
      ["disabled", true],
      "checked",
    ],
    li: [["className", "task-list-item"]],
    ol: ["start", ["className", "contains-task-list"]],
    ul: [["className", "contains-task-list"]],
    th: [["align", "left", "center", "right"]],
    td: [["align", "left", "center", "right"]],
  },
  protocols: { href: ["http", "https", "mailto"] },
  required: { input: { type: "checkbox", disabled: true } },
};

/**
 * Runs after sanitize, which knows protocols but not "//host" or "/\host" tricks; also stamps
 * rel (sanitize would drop an attribute it does not allow) and removes bidi controls.
 */
function rehypeFinishLinksAndText() {
  const clean = (value: string) => value.replace(BIDI_CONTROLS, "");
  return (tree: HastRoot) => {
    visit(tree, (node, index, parent) => {
      if (node.type === "text") {
        node.value = clean(node.value);
        return;
      }
      if (node.type !== "element") return;
      for (const [key, value] of Object.entries(node.properties)) {
        if (typeof value === "string") node.properties[key] = clean(value);
        // A class sanitize emptied (an odd code-fence language) would print as class="".
        else if (Array.isArray(value) && value.length === 0) delete node.properties[key];
        else if (Array.isArray(value)) node.properties[key] = value.map((item) => (typeof item === "string" ? clean(item) : item));
      }
      if (node.tagName !== "a") return;
      const href = node.properties.href;
      if (typeof href !== "string" || !isAllowedCommentHref(href)) {
        // A dead link is still a link to click and wonder about; show its text only.
        if (!parent || index === undefined) return SKIP;
        parent.children.splice(index, 1, ...(node.children as HastContent[] as ElementContent[]));
        return index;
      }
      node.properties.rel = [...LINK_REL];
    });
  };
}

// Built and frozen once: a page renders many comments, and plugin setup (extension
// registration, the schema) need not be repeated for each.
const processor = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkFootnotesAsText)
  .use(remarkRawHtmlAsText)
  .use(remarkMentions)
  .use(remarkRehype)
  .use(rehypePrepareLinks)
  .use(rehypeLowerHeadings)
  .use(rehypeSanitize, SCHEMA)
  .use(rehypeFinishLinksAndText)
  .use(rehypeStringify)
  .freeze();

// Inputs micromark handles badly: deep container nesting and long emphasis runs overflow the
// stack (a 10,000-character "> > > …" or "- - - …" throws; "- - - …" first spends ~20 s), and
// a wide table header with many short rows pads every row out (10 kB in, 4 MB of <td> out).
// Measured on this stack; the bounds sit far above what a person writes and far below trouble.
// Past any of them the comment is shown as escaped plain text instead.
const LIMITS = {
  // Well above COMMENT_MAX_LENGTH (10,000): only an unexpected caller gets here.
  length: 20_000,
  // Block containers opened on one line: ">", list markers, "[^x]:", and indentation (two
  // columns per level, the least a nested list item needs), so multi-line nesting counts too.
  lineNesting: 40,
  emphasisDelimiters: 1_000,
  tableCells: 10_000,
  // Setext underlines ("===", "---"): resolving thousands of them is superlinear.
  underlines: 200,
};

// Sticky, so the scan walks one line without copying it.
const CONTAINER_MARKER = /(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)|\[\^[^\]\n]*\]:)/y;
const TABLE_DELIMITER_ROW = /^[\s>|:-]*-[\s>|:-]*$/;
const UNDERLINE = /^[ \t>]*(?:=+|-+)[ \t]*$/;

function nestingExceedsLimit(line: string): boolean {
  let columns = 0;
  let markers = 0;
  let index = 0;
  for (;;) {
    while (line[index] === " " || line[index] === "\t") columns += line[index++] === "\t" ? 4 : 1;
    if (markers + Math.floor(columns / 2) > LIMITS.lineNesting) return true;
    CONTAINER_MARKER.lastIndex = index;
    if (!CONTAINER_MARKER.test(line)) return false;
    markers += 1;
    index = CONTAINER_MARKER.lastIndex;
  }
}

/**
 * A single linear pass that over-estimates rather than parses: it ignores code fences on
 * purpose, since a scanner that thought "this is code" where micromark did not (a fence inside
 * an HTML block or a link title) would let the nesting through unseen.
 */
function exceedsLimits(markdown: string): boolean {
  if (markdown.length > LIMITS.length) return true;
  let delimiters = 0;
  let underlines = 0;
  let tableColumns = 0;
  let tableCells = 0;
  for (const line of markdown.split(/\r\n?|\n/)) {
    if (nestingExceedsLimit(line)) return true;
    for (const character of line) if (character === "*" || character === "_") delimiters += 1;
    if (delimiters > LIMITS.emphasisDelimiters) return true;
    if (UNDERLINE.test(line) && ++underlines > LIMITS.underlines) return true;
    if (line.trim() === "") {
      tableColumns = 0;
    } else if (line.includes("|") && TABLE_DELIMITER_ROW.test(line)) {
      tableColumns = Math.max(tableColumns, line.split(/-+/).length - 1);
    } else if (tableColumns > 0) {
      tableCells += tableColumns;
      if (tableCells > LIMITS.tableCells) return true;
    }
  }
  return false;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** The fallback: the text as typed, escaped, in paragraphs. Safe by construction, linear time. */
function renderAsPlainText(markdown: string): string {
  return markdown
    .replace(BIDI_CONTROLS, "")
    .split(/(?:\r\n?|\n)[ \t]*(?:\r\n?|\n)\s*/)
    .map((block) => block.trim())
    .filter((block) => block !== "")
    .map((block) => `<p>${block.replace(/[&<>"']/g, (character) => ESCAPES[character]!).replace(/\r\n?|\n/g, "<br>\n")}</p>`)
    .join("\n");
}

/**
 * Sanitised HTML for a comment body as typed. Deterministic (the same input gives the same
 * string, on the server and in the browser) and never throws: a page must not fail, nor a live
 * update vanish, because one comment is hostile. What it cannot render safely and quickly as
 * markdown it renders as plain text.
 */
export function renderCommentMarkdown(markdown: string): string {
  if (exceedsLimits(markdown)) return renderAsPlainText(markdown);
  try {
    return String(processor.processSync(markdown));
  } catch {
    // Stack exhaustion on some nesting the limits did not foresee: RangeError in V8, InternalError in Firefox.
    return renderAsPlainText(markdown);
  }
}

// Block boundaries (and <br>) become spaces so "<p>a</p><p>b</p>" reads "a b", not "ab".
const SEPARATING_TAGS = new Set([...BLOCK_TAGS, "br"]);

function collectText(node: HastRoot | ElementContent, out: string[]): void {
  if (node.type === "text") {
    out.push(node.value);
    return;
  }
  if (node.type !== "root" && node.type !== "element") return;
  const block = node.type === "element" && SEPARATING_TAGS.has(node.tagName);
  if (block) out.push(" ");
  for (const child of node.children) collectText(child as ElementContent, out);
  if (block) out.push(" ");
}

function readableText(markdown: string): string {
  if (exceedsLimits(markdown)) return markdown.replace(BIDI_CONTROLS, "");
  try {
    const parts: string[] = [];
    collectText(processor.runSync(processor.parse(markdown)), parts);
    return parts.join("");
  } catch {
    return markdown.replace(BIDI_CONTROLS, "");
  }
}

/**
 * The comment as it reads, without markup, whitespace collapsed, cut to at most maxLength
 * characters (code points, so an emoji is never split) including the "…". For previews,
 * profiles and <meta>: the result is plain text, and the caller still has to escape it
 * (React and attribute serialisers do); raw HTML typed in the comment appears here as text.
 */
export function commentPlainText(markdown: string, maxLength: number): string {
  const text = readableText(markdown).replace(/\s+/g, " ").trim();
  if (!(maxLength >= 1)) return "";
  const characters = Array.from(text);
  if (characters.length <= maxLength) return text;
  return `${characters.slice(0, maxLength - 1).join("").trimEnd()}…`;
}
