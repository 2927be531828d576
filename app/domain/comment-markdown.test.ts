import { describe, expect, it } from "vitest";
import { FOREIGN_HOST, XSS_PAYLOADS } from "../../test/xss-payloads";
import { commentPlainText, isAllowedCommentHref, renderCommentMarkdown as render } from "./comment-markdown";

const REL = 'rel="nofollow ugc noopener"';

describe("renderCommentMarkdown: what comments may use", () => {
  it("renders emphasis, strong and strikethrough", () => {
    expect(render("*a* **b** ~~c~~")).toBe("<p><em>a</em> <strong>b</strong> <del>c</del></p>");
  });

  it("renders links with rel=nofollow ugc noopener and no target", () => {
    expect(render("[x](https://example.com/a?b=1)")).toBe(`<p><a href="https://example.com/a?b=1" ${REL}>x</a></p>`);
    expect(render("[x](/questions/1#c2)")).toBe(`<p><a href="/questions/1#c2" ${REL}>x</a></p>`);
    expect(render("[x](mailto:someone@example.com)")).toBe(`<p><a href="mailto:someone@example.com" ${REL}>x</a></p>`);
    expect(render("see https://example.com")).toBe(`<p>see <a href="https://example.com" ${REL}>https://example.com</a></p>`);
    expect(render("[x](https://example.com)")).not.toContain("target=");
  });

  it("keeps a link whose scheme is written in capitals", () => {
    expect(render("[x](HTTPS://example.com/)")).toBe(`<p><a href="https://example.com/" ${REL}>x</a></p>`);
  });

  it("renders links outside the allowed kinds as their text only", () => {
    for (const url of ["javascript:alert(1)", "//evil.example/x", "ftp://example.com/f", "relative/path", "#fragment", "?q=1", "xmpp:a@b.c"]) {
      expect(render(`[text](${url})`), url).toBe("<p>text</p>");
    }
  });

  it("renders lists, ordered lists with a start, and task lists", () => {
    expect(render("- a\n- b")).toBe("<ul>\n<li>a</li>\n<li>b</li>\n</ul>");
    expect(render("3. a\n4. b")).toBe('<ol start="3">\n<li>a</li>\n<li>b</li>\n</ol>');
    expect(render("- [x] done\n- [ ] open")).toBe(
      '<ul class="contains-task-list">\n<li class="task-list-item"><input type="checkbox" checked disabled> done</li>\n<li class="task-list-item"><input type="checkbox" disabled> open</li>\n</ul>',
    );
  });

  it("renders quotes, inline code, code blocks and line breaks", () => {
    expect(render("> quoted")).toBe("<blockquote>\n<p>quoted</p>\n</blockquote>");
    expect(render("use `x < y`")).toBe("<p>use <code>x &#x3C; y</code></p>");
    expect(render("```ts\nconst a = 1;\n```")).toBe('<pre><code class="language-ts">const a = 1;\n</code></pre>');
    expect(render("a\\\nb")).toBe("<p>a<br>\nb</p>");
  });

  it("renders tables with their alignment", () => {
    expect(render("| a | b |\n|:-|-:|\n| 1 | 2 |")).toBe(
      '<table>\n<thead>\n<tr>\n<th align="left">a</th>\n<th align="right">b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align="left">1</td>\n<td align="right">2</td>\n</tr>\n</tbody>\n</table>',
    );
  });

  it("moves headings down two levels, h6 at most", () => {
    expect(render("# one\n\n## two\n\n### three\n\n#### four\n\n###### six")).toBe(
      "<h3>one</h3>\n<h4>two</h4>\n<h5>three</h5>\n<h6>four</h6>\n<h6>six</h6>",
    );
  });

  it("shows footnotes as the text that was typed, with no ids", () => {
    const html = render("claim[^1]\n\n[^1]: source");
    expect(html).toBe("<p>claim[^1]</p>\n<p>[^1]: source</p>");
    expect(html).not.toMatch(/\sid=/);
  });
});

describe("renderCommentMarkdown: mentions", () => {
  const mention = (name: string, shown = `@${name}`) => `<a href="/u/${name}" class="mention" ${REL}>${shown}</a>`;

  it("links @username to the profile, lowercased as usernames are stored", () => {
    expect(render("hi @alice")).toBe(`<p>hi ${mention("alice")}</p>`);
    expect(render("@Bob_2, thanks")).toBe(`<p>${mention("bob_2", "@Bob_2")}, thanks</p>`);
    expect(render("**@carol**")).toBe(`<p><strong>${mention("carol")}</strong></p>`);
  });

  it("does not link inside inline code or code blocks", () => {
    expect(render("`@alice`")).toBe("<p><code>@alice</code></p>");
    expect(render("```\n@alice\n```")).toBe("<pre><code>@alice\n</code></pre>");
  });

  it("does not link inside emails, links or after a word character", () => {
    expect(render("write to alice@example.com")).toBe(`<p>write to <a href="mailto:alice@example.com" ${REL}>alice@example.com</a></p>`);
    expect(render("x@localhost")).toBe("<p>x@localhost</p>");
    expect(render("josé@alice")).toBe("<p>josé@alice</p>");
    expect(render("[@alice](/questions/1)")).toBe(`<p><a href="/questions/1" ${REL}>@alice</a></p>`);
  });

  it("follows the username rule: 3 to 30 of a-z, 0-9 and _", () => {
    expect(render("@ab")).toBe("<p>@ab</p>");
    expect(render(`@${"a".repeat(30)}`)).toBe(`<p>${mention("a".repeat(30))}</p>`);
    expect(render(`@${"a".repeat(31)}`)).toBe(`<p>@${"a".repeat(31)}</p>`);
    expect(render("@alicé")).toBe("<p>@alicé</p>");
  });
});

describe("renderCommentMarkdown: what comments may not use", () => {
  it("shows raw HTML as the text that was typed", () => {
    expect(render("a <b>bold</b> Array<string>")).toBe("<p>a &#x3C;b>bold&#x3C;/b> Array&#x3C;string></p>");
    expect(render("<div>\nblock\n</div>")).toBe("<p>&#x3C;div>\nblock\n&#x3C;/div></p>");
  });

  it("turns images into links labelled with the alt text, or the URL", () => {
    expect(render('![a chart](https://evil.example/x.png "t")')).toBe(`<p><a href="https://evil.example/x.png" title="t" ${REL}>a chart</a></p>`);
    expect(render("![](https://evil.example/x.png)")).toBe(`<p><a href="https://evil.example/x.png" ${REL}>https://evil.example/x.png</a></p>`);
    expect(render("![x][i]\n\n[i]: /local.png")).toBe(`<p><a href="/local.png" ${REL}>x</a></p>`);
    expect(render("![x](javascript:alert(1))")).toBe("<p>x</p>");
  });

  it("removes bidi embeddings, overrides and isolates from text and attributes", () => {
    expect(render('a\u202Eb\u2066c\u2069 [x](/p "t\u202Dt")')).toBe(`<p>abc <a href="/p" title="tt" ${REL}>x</a></p>`);
  });
});

describe("isAllowedCommentHref", () => {
  it("allows http, https, mailto and site paths", () => {
    for (const href of ["http://a.example/", "https://a.example/x?y#z", "mailto:a@b.example", "/", "/u/alice", "/q?x=1"]) {
      expect(isAllowedCommentHref(href), href).toBe(true);
    }
  });

  it("refuses everything a browser might read as another scheme or host", () => {
    for (const href of ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "vbscript:x", "//evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example", " https://a.example", "java\tscript:x", "https:", "", "foo", "#x"]) {
      expect(isAllowedCommentHref(href), JSON.stringify(href)).toBe(false);
    }
  });
});

// Attribute values are blanked before looking for handlers and styles: a title that merely
// reads ' onerror=' is text, and must neither pass unseen nor be mistaken for an attribute.
const tagsOf = (html: string) => html.match(/<[a-zA-Z][^>]*>/g) ?? [];
const withoutValues = (tag: string) => tag.replace(/"[^"]*"|'[^']*'/g, '""');
const decodeAttribute = (value: string) =>
  value
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);?/g, (_, decimal: string) => String.fromCodePoint(Number(decimal)))
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
const ALLOWED_TAGS = new Set(["a", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6", "hr", "input", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul"]);
const SAFE_URL = /^(?:https?:\/\/|mailto:|\/(?![/\\]))[^\s\\]*$/i;

function problemsIn(html: string): string[] {
  const problems: string[] = [];
  for (const forbidden of ["<script", "<img", "<iframe", "<svg", "<style", "<object", "<embed", "<form", "<meta", "<base", "<link", "<math", "<noscript"]) {
    if (html.toLowerCase().includes(forbidden)) problems.push(`contains ${forbidden}`);
  }
  for (const tag of tagsOf(html)) {
    const name = /^<([a-zA-Z][a-zA-Z0-9-]*)/.exec(tag)![1]!.toLowerCase();
    if (!ALLOWED_TAGS.has(name)) problems.push(`tag ${name}`);
    const bare = withoutValues(tag);
    if (/<[^>]+\son[a-z]+\s*=/i.test(bare)) problems.push(`event handler in ${tag}`);
    if (/\sstyle\s*=/i.test(bare)) problems.push(`style in ${tag}`);
    if (/\s(?:id|name|src|srcset|action|formaction|xlink:href|data|srcdoc)\s*=/i.test(bare)) problems.push(`forbidden attribute in ${tag}`);
    for (const [, , value] of tag.matchAll(/\s(href)="([^"]*)"/gi)) {
      const url = decodeAttribute(value!);
      if (!SAFE_URL.test(url)) problems.push(`href ${JSON.stringify(url)}`);
    }
    if (name === "a" && /\shref=/.test(tag) && !tag.includes(REL)) problems.push(`link without rel: ${tag}`);
  }
  if (/[\u202A-\u202E\u2066-\u2069]/.test(html)) problems.push("bidi control");
  return problems;
}

describe("renderCommentMarkdown: XSS payloads", () => {
  it("has at least 60 distinct payloads and names the foreign host they use", () => {
    expect(new Set(XSS_PAYLOADS).size).toBe(XSS_PAYLOADS.length);
    expect(XSS_PAYLOADS.length).toBeGreaterThanOrEqual(60);
    expect(FOREIGN_HOST).toBe("evil.example");
    expect(XSS_PAYLOADS.filter((payload) => payload.includes(FOREIGN_HOST)).length).toBeGreaterThan(20);
    for (const payload of XSS_PAYLOADS) expect(payload.trim(), JSON.stringify(payload.slice(0, 40))).toBe(payload);
  });

  it("the checker itself catches what it looks for", () => {
    expect(problemsIn('<p><img src="x" onerror="alert(1)"></p>')).toEqual(expect.arrayContaining(["contains <img", "tag img"]));
    expect(problemsIn('<a href="jav&#x61;script:alert(1)" rel="nofollow ugc noopener">x</a>')).toHaveLength(1);
    expect(problemsIn('<a href="//evil.example" rel="nofollow ugc noopener">x</a>')).toHaveLength(1);
    expect(problemsIn('<p onclick="x" style="color:red">\u202E</p>')).toHaveLength(3);
    expect(problemsIn('<a href="/x">x</a>')).toEqual(['link without rel: <a href="/x">']);
    expect(problemsIn('<p><a href="/x" title=" onerror=alert(1)" rel="nofollow ugc noopener">x</a></p>')).toEqual([]);
  });

  it.each(XSS_PAYLOADS.map((payload, index) => [index, payload] as const))("payload %i renders inert", (_index, payload) => {
    const html = render(payload);
    expect(problemsIn(html)).toEqual([]);
    expect(problemsIn(render(`before\n\n${payload}\n\nafter`))).toEqual([]);
    expect(commentPlainText(payload, 200)).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
  });
});

describe("renderCommentMarkdown: robustness", () => {
  it("is deterministic and keeps no state between calls", () => {
    const a = "Hi @alice, see [this](/q/1) and `code`.\n\n- [ ] item\n\n> quote";
    const b = XSS_PAYLOADS.join("\n\n");
    const first = render(a);
    render(b);
    expect(render(a)).toBe(first);
    expect(render(b)).toBe(render(b));
  });

  it("does not throw on a megabyte of input, and still renders it safely", () => {
    const megabyte = "Some *text* with @alice, [a link](/q/1) and <b>html</b> ![i](https://evil.example/x.png)\n\n".repeat(12_000).slice(0, 1_048_576);
    const html = render(megabyte);
    expect(html.length).toBeGreaterThan(1_000_000);
    expect(problemsIn(html)).toEqual([]);
    expect(commentPlainText(megabyte, 50)).toHaveLength(50);
  });

  // Each of these, at the comment length limit, overflowed the stack or took seconds when parsed.
  it.each([
    ["nested quotes", "> ".repeat(5_000)],
    ["nested lists", "- ".repeat(5_000)],
    ["nested ordered lists", "1. ".repeat(3_300)],
    ["nested footnote definitions", "[^a]: ".repeat(1_600)],
    ["a long emphasis run", `${"*".repeat(4_999)}a${"*".repeat(4_999)}`],
    ["alternating emphasis", `${"*_".repeat(2_500)}a`],
    ["a wide table with many rows", `|${"a|".repeat(200)}\n|${"-|".repeat(200)}\n${"|\n".repeat(4_000)}`],
    ["thousands of setext headings", "a\n=\n".repeat(2_500)],
  ])("renders %s as escaped plain text", (_name, markdown) => {
    const html = render(markdown);
    expect(html.startsWith("<p>")).toBe(true);
    expect(html).not.toMatch(/<(?:blockquote|ul|ol|li|em|strong|table|h\d)\b/);
    expect(problemsIn(html)).toEqual([]);
  });

  it("still renders ordinary nesting as markdown", () => {
    expect(render("> > > deep")).toBe("<blockquote>\n<blockquote>\n<blockquote>\n<p>deep</p>\n</blockquote>\n</blockquote>\n</blockquote>");
    expect(render("- a\n  - b\n    - c")).toContain("<li>c</li>");
  });
});

describe("commentPlainText", () => {
  it("drops markup, keeps the words and collapses whitespace", () => {
    expect(commentPlainText("# Title\n\nSome **bold**   text\nand [a link](/x).\n\n- one\n- two\n\n`code`", 200)).toBe("Title Some bold text and a link. one two code");
  });

  it("shows mentions, image alt text and typed HTML as text", () => {
    expect(commentPlainText("@alice ![chart](https://e.example/c.png) <b>x</b>", 200)).toBe("@alice chart <b>x</b>");
  });

  it("leaves short text whole and cuts long text to maxLength with an ellipsis", () => {
    expect(commentPlainText("short", 5)).toBe("short");
    expect(commentPlainText("one two three", 8)).toBe("one two…");
    expect(commentPlainText("abcdefghij", 4)).toBe("abc…");
    expect(Array.from(commentPlainText("😀".repeat(10), 4))).toEqual(["😀", "😀", "😀", "…"]);
    expect(commentPlainText("abc", 0)).toBe("");
  });

  it("removes bidi controls", () => {
    expect(commentPlainText("a\u202Eb", 10)).toBe("ab");
  });
});
