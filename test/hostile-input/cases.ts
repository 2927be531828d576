// Generated hostile submissions: from a seed and a case number, one request that breaks a valid
// template of some action in one (or a few) ways. Each case draws from its own stream, so case
// 1234 of a seed is the same request whether or not the cases before it ran (FUZZ_CASE replays
// one alone).
import { mulberry32 } from "../seeded-random";
import type { ActionTarget, Field, FieldValue } from "./route-forms";

export type OriginMode = "same" | "foreign" | "absent" | "null" | "same-referer" | "foreign-referer";
export type CookieMode = "role" | "none" | "garbage" | "doubled";

export interface HostileRequest {
  method: string;
  /** Path and query; a fetcher's `.data` address or the page's own. */
  path: string;
  contentType: string | null;
  body: Buffer;
  origin: OriginMode;
  cookie: CookieMode;
}

export interface HostileCase {
  index: number;
  kind: string;
  /** One line: what was broken, for failure messages and the summary. */
  description: string;
  target: ActionTarget;
  request: HostileRequest;
  /** A status the case must get exactly (a cross-site post: 403). */
  expectedStatus?: number;
  /** The first 100 001 characters of each value of a megabyte: longer than any field's limit, so no reply may carry one. */
  echoProbes: string[];
}

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (random: Random, low: number, high: number) => low + Math.floor(random() * (high - low + 1));
const chance = (random: Random, probability: number) => random() < probability;

function weighted<T extends string>(random: Random, weights: Record<T, number>): T {
  const entries = Object.entries(weights) as Array<[T, number]>;
  let roll = random() * entries.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [key, weight] of entries) {
    roll -= weight;
    if (roll < 0) return key;
  }
  return entries.at(-1)![0];
}

/** Indices around every limit that matters: a form's 8 scenarios, 100 list items, 32-bit and 53-bit integers. */
// As text: 2^53 + 1 is not a number JavaScript can hold, and the server reads the text anyway.
export const HUGE_INDICES = ["8", "9", "20", "100", "101", "1000", "10000", "1000000", "10000000", "999999999", "2147483647", "4294967295", "4294967296", "9007199254740993"];

/** Texts a number field must refuse (or read as the plain decimal it is not). */
export const NUMBERISH = [
  "NaN", "Infinity", "-Infinity", "+Infinity", "-1e308", "1e308", "1e309", "-1", "-0", "101", "100.0000001", "9007199254740993", "1e-400",
  "0x32", "0X32", "0b110010", "0o62", "5e1", "50e0", ".5e2", " 50", "50 ", "\t50", "\n50", "\u00a050", "50\u200b", "5_0", "50%", "+50", ".5",
  "50.", "1,5", "５０", "٥٠", "", " ", "null", "undefined", "true", "[]", "{}", "9".repeat(400), "---", `${"0".repeat(10_000)}50`, "0.".padEnd(2_000, "3"),
];

const TEXTISH = [
  "", " ", "\u0000", "a\u0000b", "\r\n\r\n", "\r", "\u202eevil\u202c", "\u200b\u200d\u2060", "\ud800", "\udfff", "a\ud800b", "\udc00\ud800", "💥".repeat(50),
  "<script>alert(1)</script>", "' OR 1=1 --", "\"; DROP TABLE \"User\"; --", "__proto__", "constructor", "prototype", '{"a":1}', "[1,2]", "%00", "%",
  "../../../etc/passwd", "\u0085\u2028\u2029", "\ufeff", "x".repeat(10_001), "ǅ".repeat(3_000), "\u0007\u0008\u001b[31m", "on", "true", "false", "null",
  "2027-02-30", "0000-00-00", "9999-12-31", "reader", "admin", "superuser", "open", "closed", "binary", "poll",
];

// Code point ranges a random string draws from: ASCII, C0/C1 controls, Latin, RTL and bidi
// controls, zero-width, CJK, lone surrogates, emoji.
const RANGES: Array<[number, number]> = [
  [0x20, 0x7e], [0x00, 0x1f], [0x7f, 0x9f], [0xa0, 0x24f], [0x590, 0x6ff], [0x200b, 0x200f], [0x202a, 0x202e], [0x2066, 0x2069], [0x4e00, 0x4e80],
  [0xd800, 0xdfff], [0x1f300, 0x1f64f], [0xfff0, 0xffff],
];

function randomText(random: Random, maxLength: number): string {
  const length = between(random, 0, maxLength);
  let text = "";
  for (let index = 0; index < length; index++) {
    const [low, high] = chance(random, 0.5) ? RANGES[0]! : pick(random, RANGES);
    text += String.fromCodePoint(between(random, low, high));
  }
  return text;
}

/** Percent sequences a decoder must survive: truncated, not hex, invalid UTF-8, encoded surrogates, overlong forms. */
const RAW_ENCODINGS = ["%", "%%", "%zz", "%E0%A4%A", "%ED%A0%80", "%ED%BF%BF", "%C0%80", "%FF%FE", "%F4%90%80%80", "%00", "%2", "a%", "%u0041", "+%2B+", "&", "=", "=="];

function hostileValue(random: Random, numeric: boolean): FieldValue {
  const roll = random();
  if (numeric ? roll < 0.7 : roll < 0.15) return pick(random, NUMBERISH);
  if (roll < 0.8) return pick(random, TEXTISH);
  if (roll < 0.93) return randomText(random, 200);
  return { raw: Array.from({ length: between(random, 1, 4) }, () => pick(random, RAW_ENCODINGS)).join("") };
}

function pathSuffix(random: Random): string {
  const depth = between(random, 2, 60);
  switch (between(random, 0, 12)) {
    case 0:
      return `[${pick(random, HUGE_INDICES)}]`;
    case 1:
      return `.${pick(random, ["a", "x", "__proto__", "constructor", "0", "id", "title"])}`;
    case 2:
      return `[0].${pick(random, ["id", "x", "__proto__"])}`;
    case 3:
      return pick(random, ["[]", "[-1]", "[1e3]", "[0x10]", "[ 1]", "[01]", "[1.5]", "[NaN]", "[", "]", "[[0]]"]);
    case 4:
      return ".a".repeat(depth);
    case 5:
      return "[0]".repeat(depth);
    case 6:
      return `[${pick(random, HUGE_INDICES)}]`.repeat(between(random, 2, 6));
    case 7:
      return pick(random, ["..x", ".", "..", ".[0]", "[0]."]);
    case 8:
      return `[${pick(random, HUGE_INDICES)}].${pick(random, ["id", "title", "x"])}`;
    case 9:
      return `.${"b".repeat(between(random, 200, 5_000))}`;
    case 10:
      return `[${between(random, 0, 7)}][${pick(random, HUGE_INDICES)}]`;
    case 11:
      return `.${randomText(random, 8)}`;
    default:
      return `[${pick(random, HUGE_INDICES)}][${pick(random, HUGE_INDICES)}].x.y`;
  }
}

function pathName(random: Random, base: string): string {
  const roll = random();
  if (roll < 0.1) return pick(random, ["__proto__[polluted]", "__proto__.polluted", "constructor.prototype.polluted", "[0]", ".", "[]", "", "=", "&"]);
  if (roll < 0.15) return `${randomText(random, 12)}${pathSuffix(random)}`;
  return `${base}${pathSuffix(random)}`;
}

const isNumeric = (name: string) => /^p_/.test(name) || name === "value";

/** `scenarios[3].title` → list "scenarios", item field "title". */
function listFieldsOf(template: Field[]): Array<{ list: string; field: string }> {
  const found = new Map<string, { list: string; field: string }>();
  for (const [name] of template) {
    const match = /^([A-Za-z]+)\[\d+\]\.([A-Za-z]+)$/.exec(name);
    if (match) found.set(`${match[1]}.${match[2]}`, { list: match[1]!, field: match[2]! });
  }
  return [...found.values()];
}

/** A value of `bytes` ASCII characters, repeating a random chunk so that it is not all one letter. */
function megabyte(random: Random, length: number): string {
  const chunk = Array.from({ length: 16 }, () => String.fromCharCode(between(random, 0x61, 0x7a))).join("");
  return chunk.repeat(Math.ceil(length / chunk.length)).slice(0, length);
}

const preview = (value: FieldValue) => {
  if (typeof value !== "string") return `raw ${value.raw.slice(0, 30)}`;
  const shown = JSON.stringify(value.slice(0, 30));
  return value.length > 30 ? `${shown}… (${value.length.toLocaleString("en")} chars)` : shown;
};

// --- body encodings -------------------------------------------------------------------------

/** Lone surrogates as U+FFFD, as a browser would send them (encodeURIComponent throws on them). */
const wellFormed = (text: string) => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
const encodeComponent = (text: string) => encodeURIComponent(wellFormed(text)).replaceAll("%20", "+");
const encodePart = (value: FieldValue) => (typeof value === "string" ? encodeComponent(value) : value.raw);

export function urlEncoded(fields: readonly Field[]): Buffer {
  return Buffer.from(fields.map(([name, value]) => `${encodeComponent(name)}=${encodePart(value)}`).join("&"), "latin1");
}

/** Multipart bytes; `file` adds a file part under that field name. */
export function multipart(fields: readonly Field[], boundary: string, file?: { name: string; bytes: Buffer }): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${wellFormed(name).replaceAll('"', "%22")}"\r\n\r\n`, "utf8"));
    parts.push(typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(decodeURIComponentLoose(value.raw), "latin1"));
    parts.push(Buffer.from("\r\n"));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="evil.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(file.bytes, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

/** Percent sequences as the bytes they name; anything else as it is (Latin-1). */
function decodeURIComponentLoose(raw: string): string {
  return raw.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

const valueText = (value: FieldValue) => (typeof value === "string" ? value : decodeURIComponentLoose(value.raw));

// --- the generator --------------------------------------------------------------------------

type Kind =
  | "value" | "drop" | "duplicate" | "rename" | "path-fields" | "list-overflow" | "many-fields" | "megabyte" | "intent" | "encoding" | "content-type"
  | "origin" | "cookie" | "combo";

const KIND_WEIGHTS: Record<Kind, number> = {
  value: 22, drop: 4, duplicate: 7, rename: 7, "path-fields": 10, "list-overflow": 5, "many-fields": 4, megabyte: 5, intent: 5, encoding: 6,
  "content-type": 12, origin: 6, cookie: 3, combo: 4,
};

interface Draft {
  fields: Field[];
  notes: string[];
  echoProbes: string[];
}

/** Mutations that change the fields (the rest change how they are sent). */
type FieldMutator = (random: Random, draft: Draft, target: ActionTarget) => void;

const FIELD_MUTATORS: Record<"value" | "drop" | "duplicate" | "rename" | "path-fields" | "list-overflow" | "many-fields" | "megabyte" | "intent" | "encoding", FieldMutator> = {
  value(random, draft, target) {
    if (draft.fields.length === 0) return FIELD_MUTATORS["path-fields"](random, draft, target);
    const index = between(random, 0, draft.fields.length - 1);
    const [name] = draft.fields[index]!;
    const value = hostileValue(random, isNumeric(name));
    draft.fields[index] = [name, value];
    draft.notes.push(`${name} ← ${preview(value)}`);
  },
  drop(random, draft) {
    if (draft.fields.length === 0) return;
    const [removed] = draft.fields.splice(between(random, 0, draft.fields.length - 1), 1);
    draft.notes.push(`without ${removed![0]}`);
  },
  duplicate(random, draft) {
    const name = draft.fields.length > 0 ? pick(random, draft.fields)[0] : "intent";
    const copies = chance(random, 0.8) ? 1 : between(random, 2, 50);
    for (let copy = 0; copy < copies; copy++) {
      const value = chance(random, 0.5) ? hostileValue(random, isNumeric(name)) : (draft.fields.find(([field]) => field === name)?.[1] ?? "x");
      draft.fields.splice(between(random, 0, draft.fields.length), 0, [name, value]);
    }
    draft.notes.push(`${name} ×${copies + 1}`);
  },
  rename(random, draft, target) {
    if (draft.fields.length === 0) return FIELD_MUTATORS["path-fields"](random, draft, target);
    const index = between(random, 0, draft.fields.length - 1);
    const [name, value] = draft.fields[index]!;
    const renamed = pathName(random, name);
    draft.fields[index] = [renamed, value];
    draft.notes.push(`${name} renamed ${preview(renamed)}`);
  },
  "path-fields"(random, draft) {
    const count = between(random, 1, 20);
    const bases = [...draft.fields.map(([name]) => name), "x", "a", "intent", "scenarios", "commentIds", "p"];
    for (let added = 0; added < count; added++) {
      draft.fields.splice(between(random, 0, draft.fields.length), 0, [pathName(random, pick(random, bases)), chance(random, 0.8) ? "1" : hostileValue(random, false)]);
    }
    draft.notes.push(`${count} path-named fields`);
  },
  "list-overflow"(random, draft) {
    const lists = listFieldsOf(draft.fields);
    if (lists.length === 0) {
      // A form without lists: its plain fields named as if they were lists or objects.
      const name = draft.fields.length > 0 ? pick(random, draft.fields)[0] : "title";
      const shaped = pick(random, [`${name}[0]`, `${name}.a.b`, `${name}[${pick(random, HUGE_INDICES)}]`, `${name}[0].x`]);
      draft.fields.push([shaped, "1"]);
      draft.notes.push(`field ${shaped}`);
      return;
    }
    const { list, field } = pick(random, lists);
    const shaped = pick(random, [
      `${list}[${pick(random, HUGE_INDICES)}].${field}`,
      `${list}[0].${field}.x`,
      `${list}[0].${field}[0]`,
      `${list}[0][0].${field}`,
      `${list}.${field}`,
      `${list}[${pick(random, HUGE_INDICES)}]`,
      `${list}[-1].${field}`,
    ]);
    draft.fields.push([shaped, chance(random, 0.5) ? "x" : hostileValue(random, false)]);
    draft.notes.push(`field ${shaped}`);
  },
  "many-fields"(random, draft) {
    const count = pick(random, [1_001, 1_500, 5_000, 20_000]);
    const style = between(random, 0, 3);
    const lists = listFieldsOf(draft.fields);
    const base = draft.fields.length > 0 ? pick(random, draft.fields)[0] : "x";
    for (let index = 0; index < count; index++) {
      const name =
        style === 0 ? `f${index}` : style === 1 ? base : style === 2 && lists.length > 0 ? `${lists[0]!.list}[${index}].${lists[0]!.field}` : `${base}[${index}]`;
      draft.fields.push([name, "1"]);
    }
    draft.notes.push(`${count.toLocaleString("en")} more fields (${["distinct", "one name", "list items", "indexed"][style]})`);
  },
  megabyte(random, draft) {
    // Under the 1 MiB body cap, to reach the form reader; now and then over it, for the 413.
    const length = chance(random, 0.85) ? 1_000_000 : 1_048_577;
    const value = megabyte(random, length);
    const known = draft.fields.length > 0 && chance(random, 0.7);
    const name = known ? pick(random, draft.fields)[0] : `zz_unknown_${between(random, 0, 1e6)}`;
    if (known) draft.fields = draft.fields.filter(([field]) => field !== name);
    draft.fields.push([name, value]);
    draft.echoProbes.push(value.slice(0, 100_001));
    draft.notes.push(`${name} ← ${length.toLocaleString("en")} chars`);
  },
  intent(random, draft, target) {
    const others = ["save", "withdraw", "comment", "delete", "profile", "baseline", "scenarios", "publish", "unpublish"];
    const value = pick(random, [
      "", " ", "delete-everything", `${target.intent ?? "x"} `, (target.intent ?? "x").toUpperCase(), "__proto__", "constructor", "toString", "hasOwnProperty",
      "\u0000", "save\u0000", "intent", pick(random, others), randomText(random, 20),
    ]);
    const mode = between(random, 0, 3);
    if (mode === 0) draft.fields = [...draft.fields.filter(([name]) => name !== "intent"), ["intent", value]];
    else if (mode === 1) draft.fields.push(["intent", pick(random, others)]);
    else if (mode === 2) draft.fields.unshift(["intent", pick(random, others)]);
    else draft.fields = draft.fields.map(([name, fieldValue]) => [name === "intent" ? pathName(random, "intent") : name, fieldValue] as Field);
    draft.notes.push(["intent ←", "second intent after", "second intent before", "intent renamed"][mode]! + (mode === 0 ? ` ${preview(value)}` : ""));
  },
  encoding(random, draft) {
    const raw = Array.from({ length: between(random, 1, 5) }, () => pick(random, RAW_ENCODINGS)).join("");
    if (draft.fields.length > 0 && chance(random, 0.6)) {
      const index = between(random, 0, draft.fields.length - 1);
      draft.fields[index] = [draft.fields[index]![0], { raw }];
      draft.notes.push(`${draft.fields[index]![0]} ← raw ${raw}`);
    } else {
      draft.fields.push([pick(random, ["", "=", "%", "a%ZZb", "\u0000", "\ud800"]), { raw }]);
      draft.notes.push(`odd name with raw ${raw}`);
    }
  },
};

const FOREIGN_ORIGINS: OriginMode[] = ["foreign", "absent", "null", "foreign-referer"];

/** Case `index` of `seed`, against one of `targets`. */
export function generateCase(seed: number, index: number, targets: readonly ActionTarget[]): HostileCase {
  const random = mulberry32((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
  // Two draws warm the stream up, so neighbouring indices do not start alike.
  random();
  random();
  const target = pick(random, targets);
  const kind = weighted(random, KIND_WEIGHTS);
  const draft: Draft = { fields: target.template.map(([name, value]) => [name, value] as Field), notes: [], echoProbes: [] };
  const request: HostileRequest = {
    method: "POST",
    // Mostly as fetchers post: a document post also renders the whole page, which costs the
    // server ~5x more and tests the same action.
    path: chance(random, 0.85) ? `${target.path}.data` : target.path,
    contentType: "application/x-www-form-urlencoded",
    body: Buffer.alloc(0),
    origin: "same",
    cookie: "role",
  };
  let expectedStatus: number | undefined;
  let encode: (fields: Field[]) => Buffer = urlEncoded;

  if (kind in FIELD_MUTATORS) {
    FIELD_MUTATORS[kind as keyof typeof FIELD_MUTATORS](random, draft, target);
  } else if (kind === "combo") {
    const names = Object.keys(FIELD_MUTATORS).filter((name) => name !== "megabyte" && name !== "many-fields") as Array<keyof typeof FIELD_MUTATORS>;
    for (let step = between(random, 2, 4); step > 0; step--) FIELD_MUTATORS[pick(random, names)](random, draft, target);
  } else if (kind === "origin") {
    request.origin = pick(random, [...FOREIGN_ORIGINS, "same-referer"]);
    if (request.origin !== "same-referer") expectedStatus = 403;
    if (chance(random, 0.5)) FIELD_MUTATORS.value(random, draft, target);
    draft.notes.push(`Origin: ${request.origin}`);
  } else if (kind === "cookie") {
    request.cookie = pick(random, ["none", "garbage", "doubled"] as const);
    draft.notes.push(`cookie: ${request.cookie}`);
  } else {
    const style = between(random, 0, 10);
    const boundary = `----hostile${Math.floor(random() * 1e12).toString(36)}`;
    switch (style) {
      case 0:
        request.contentType = "application/x-www-form-urlencoded";
        encode = (fields) => Buffer.from(JSON.stringify(Object.fromEntries(fields.map(([name, value]) => [name, valueText(value)]))));
        draft.notes.push("JSON body sent as a form");
        break;
      case 1:
        request.contentType = "application/json";
        draft.notes.push("form body labelled JSON");
        break;
      case 2:
        request.contentType = "application/json";
        encode = (fields) => Buffer.from(JSON.stringify(Object.fromEntries(fields.map(([name, value]) => [name, valueText(value)]))));
        draft.notes.push("JSON body");
        break;
      case 3:
      case 4: {
        request.contentType = `multipart/form-data; boundary=${boundary}`;
        const withFile = chance(random, 0.6);
        const fileName = draft.fields.length > 0 && chance(random, 0.7) ? pick(random, draft.fields)[0] : "upload";
        const bytes = Buffer.from(randomText(random, 300), "utf8");
        encode = (fields) => multipart(fields, boundary, withFile ? { name: fileName, bytes } : undefined);
        draft.notes.push(withFile ? `multipart with a file part named ${fileName}` : "multipart");
        break;
      }
      case 5:
        request.contentType = `multipart/form-data; boundary=${boundary}`;
        encode = (fields) => {
          const whole = multipart(fields, boundary);
          return whole.subarray(0, between(random, 0, whole.length - 1));
        };
        draft.notes.push("multipart cut short");
        break;
      case 6:
        request.contentType = pick(random, ["multipart/form-data", "multipart/form-data; boundary=", `multipart/form-data; boundary="${"b".repeat(200)}"`]);
        draft.notes.push(`Content-Type ${request.contentType.slice(0, 60)}`);
        break;
      case 7:
        request.contentType = "text/plain";
        encode = (fields) => Buffer.from(fields.map(([name, value]) => `${name}=${valueText(value)}`).join("\r\n"));
        draft.notes.push("text/plain body");
        break;
      case 8:
        request.contentType = null;
        draft.notes.push("no Content-Type");
        break;
      case 9:
        request.contentType = pick(random, [
          "application/x-www-form-urlencoded; charset=utf-16",
          "application/x-www-form-urlencoded; charset=evil",
          "APPLICATION/X-WWW-FORM-URLENCODED",
          "application/x-www-form-urlencoded;;;",
          "x/y",
          "*/*",
          "application/xml",
        ]);
        draft.notes.push(`Content-Type ${request.contentType}`);
        break;
      default:
        encode = () => Buffer.from(Array.from({ length: between(random, 0, 4_000) }, () => between(random, 0, 255)));
        draft.notes.push("random bytes");
    }
  }

  request.body = encode(draft.fields);
  const where = `${request.path}${target.intent ? ` intent=${target.intent}` : ""}${request.path.endsWith(".data") ? "" : " (document)"}`;
  return {
    index,
    kind,
    description: `#${index} ${kind}: POST ${where} as ${target.role}: ${draft.notes.join("; ") || "template as is"}`,
    target,
    request,
    expectedStatus,
    echoProbes: draft.echoProbes,
  };
}
