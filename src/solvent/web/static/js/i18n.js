// The page's languages: every word the page shows comes from a message catalogue
// (static/i18n/<code>.json, one per language, English the reference), looked up by key
// with t(key, params). Numbers, percentages and dates are written for the language's
// locale; amounts stay exact (grouped from their decimal string, never through a float).
//
// Messages are ICU-like: "{name}" inserts a parameter (a number is written with the
// locale's digit grouping, a DOM node is inserted as is by tx()), and
// "{n, plural, =0 {…} one {# asset} other {# assets}}" picks a form with Intl.PluralRules
// ("#" is n, written for the locale). There is no quoting: a message never holds a
// literal brace.
//
// The language: the one the customer picked on this page (remembered in localStorage),
// else the first of the browser's languages (navigator.languages) that the page has, else
// English. The catalogue is loaded before any module that imports this one runs (top-level
// await); switching the language loads the new one, sets <html lang>, rewrites the page's
// static words (elements marked data-i18n in index.html) and tells every listener
// (onLanguage) to draw its part again, without a reload.

/** The languages of the page, by code, each named in its own language. */
export const LANGUAGES = { en: "English", zh: "中文（简体）", es: "Español" };
/** The locale each language's numbers and dates follow when the browser names no region of it. */
const DEFAULT_LOCALE = { en: "en-US", zh: "zh-CN", es: "es-ES" };
const FALLBACK = "en";
const STORAGE_KEY = "solvent.language";

const catalogues = new Map(); // code -> { key: message }
const listeners = [];
let current = FALLBACK;
let numberLocale = DEFAULT_LOCALE.en;
let separators = { group: ",", decimal: ".", minGroup: 1 };
let percentParts = [];
let plurals = new Intl.PluralRules(DEFAULT_LOCALE.en);

function browserLanguages() {
  const list = globalThis.navigator?.languages?.length ? navigator.languages : [globalThis.navigator?.language ?? ""];
  return list.filter(Boolean);
}

/** The page's language for a BCP 47 tag ("es-MX" -> "es"), or null when the page has none for it. */
export function pageLanguage(tag) {
  const base = String(tag).toLowerCase().split(/[-_]/)[0];
  return Object.hasOwn(LANGUAGES, base) ? base : null;
}

function remembered() {
  try {
    const code = globalThis.localStorage?.getItem(STORAGE_KEY);
    return code && Object.hasOwn(LANGUAGES, code) ? code : null;
  } catch (e) {
    return null; // storage refused (a sandboxed or private page): the browser's languages decide
  }
}

function remember(code) {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, code);
  } catch (e) {
    /* not remembered: the choice holds for this visit */
  }
}

/** The language to start in: the remembered choice, the browser's first language the page has, or English. */
export function startLanguage() {
  return remembered() ?? browserLanguages().map(pageLanguage).find(Boolean) ?? FALLBACK;
}

async function load(code) {
  if (catalogues.has(code)) return catalogues.get(code);
  let messages = {};
  try {
    const response = await fetch(new URL(`../i18n/${code}.json`, import.meta.url), { cache: "no-cache" });
    if (response.ok) messages = await response.json();
  } catch (e) {
    /* a missing catalogue falls back to English, key by key */
  }
  catalogues.set(code, messages);
  return messages;
}

/** The locale of a language's numbers and dates: the browser's own tag for it ("es-MX") or its default. */
function localeFor(code) {
  const tag = browserLanguages().find((l) => pageLanguage(l) === code);
  try {
    if (tag) return Intl.getCanonicalLocales(tag)[0];
  } catch (e) {
    /* not a valid tag: the default */
  }
  return DEFAULT_LOCALE[code];
}

function setLocale(locale) {
  numberLocale = locale;
  const parts = new Intl.NumberFormat(locale).formatToParts(1234567.5);
  const find = (type, fallback) => parts.find((p) => p.type === type)?.value ?? fallback;
  // Some locales (Spanish) group a number only from five digits on: 1234 but 12.345.
  const four = new Intl.NumberFormat(locale).formatToParts(1234).some((p) => p.type === "group");
  separators = { group: find("group", ","), decimal: find("decimal", "."), minGroup: four ? 1 : 2 };
  percentParts = new Intl.NumberFormat(locale, { style: "percent" }).formatToParts(0.5);
  plurals = new Intl.PluralRules(locale);
}

/** The page's language code ("en", "zh", "es"). */
export function language() {
  return current;
}

/** The locale numbers and dates are written in ("es-ES", "zh-CN", ...). */
export function locale() {
  return numberLocale;
}

/**
 * Digits of a plain decimal string grouped for the locale, its point the locale's:
 * "-1234567.5" -> "-1.234.567,5" (es). Exact: only separators are added, nothing is
 * rounded. Anything that is not a plain decimal is returned as is.
 */
export function groupDecimal(exact) {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(String(exact));
  if (!m) return String(exact);
  const [, sign, whole, fraction] = m;
  const group = whole.length >= 4 + separators.minGroup - 1;
  const grouped = group ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, separators.group) : whole;
  return `${sign}${grouped}${fraction !== undefined ? separators.decimal + fraction : ""}`;
}

/** A count (number, BigInt or integer string) with the locale's digit grouping. */
export function formatCount(n) {
  return groupDecimal(typeof n === "number" ? String(Math.trunc(n)) : String(n));
}

/** A percentage as the report writes it ("104123.45%") for the locale ("104.123,45 %"); exact digits. */
export function formatPercent(ratio) {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(ratio ?? "");
  if (!m) return ratio;
  const number = groupDecimal(m[1]);
  return percentParts.map((p) => (p.type === "integer" ? number : p.value)).join("");
}

function dateOf(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A UTC timestamp ("2026-11-23T10:15:02Z") as the locale writes a date and time, in UTC. */
export function formatDateTime(iso) {
  const d = dateOf(iso);
  if (!d) return iso;
  return new Intl.DateTimeFormat(numberLocale, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23", timeZone: "UTC", timeZoneName: "short",
  }).format(d);
}

/** The day of a UTC timestamp, as the locale writes a short date. */
export function formatDay(iso) {
  const d = dateOf(iso);
  if (!d) return iso;
  return new Intl.DateTimeFormat(numberLocale, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }).format(d);
}

function lookup(key) {
  const own = catalogues.get(current)?.[key];
  if (typeof own === "string") return own;
  const english = catalogues.get(FALLBACK)?.[key];
  return typeof english === "string" ? english : key;
}

/** The index of the brace closing the one at `open`. */
function closing(msg, open) {
  let depth = 0;
  for (let i = open; i < msg.length; i += 1) {
    if (msg[i] === "{") depth += 1;
    else if (msg[i] === "}" && (depth -= 1) === 0) return i;
  }
  return -1;
}

function value(v) {
  if (typeof v === "number" || typeof v === "bigint") return formatCount(v);
  return v;
}

function plural(n, options, params) {
  const forms = new Map();
  const re = /\s*(=\d+|zero|one|two|few|many|other)\s*\{/y;
  let i = 0;
  while (i < options.length) {
    re.lastIndex = i;
    const m = re.exec(options);
    if (!m) break;
    const open = re.lastIndex - 1;
    const end = closing(options, open);
    if (end < 0) break;
    forms.set(m[1], options.slice(open + 1, end));
    i = end + 1;
  }
  const count = Number(n);
  const form = forms.get(`=${count}`) ?? forms.get(plurals.select(count)) ?? forms.get("other") ?? "";
  return parts(form, params, formatCount(n));
}

/** A message as a list of strings and nodes. */
function parts(msg, params, hash) {
  const out = [];
  let text = "";
  const flush = () => {
    if (text) out.push(text);
    text = "";
  };
  for (let i = 0; i < msg.length; i += 1) {
    const c = msg[i];
    if (c === "#" && hash !== undefined) {
      text += hash;
    } else if (c === "{") {
      const end = closing(msg, i);
      if (end < 0) {
        text += msg.slice(i);
        break;
      }
      const inner = msg.slice(i + 1, end);
      const m = /^\s*(\w+)\s*(?:,\s*plural\s*,([\s\S]*))?$/.exec(inner);
      if (!m || !params || !(m[1] in params)) {
        text += `{${inner}}`;
      } else if (m[2] !== undefined) {
        for (const p of plural(params[m[1]], m[2], params)) {
          if (typeof p === "string") text += p;
          else {
            flush();
            out.push(p);
          }
        }
      } else {
        const v = value(params[m[1]]);
        if (globalThis.Node && v instanceof Node) {
          flush();
          out.push(v);
        } else text += String(v);
      }
      i = end;
    } else {
      text += c;
    }
  }
  flush();
  return out;
}

/** The message `key` in the page's language, `params` filled in (numbers written for the locale). */
export function t(key, params = undefined) {
  return parts(lookup(key), params).map(String).join("");
}

/** As t(), but a parameter may be a DOM node: a list of strings and nodes, for el()'s children. */
export function tx(key, params = undefined) {
  return parts(lookup(key), params);
}

/** Call `fn` after every change of language (the new catalogue loaded and the static words rewritten). */
export function onLanguage(fn) {
  listeners.push(fn);
}

const ATTRIBUTES = ["aria-label", "title", "placeholder"];

/**
 * Rewrite the static words under `root`: an element with data-i18n="key" gets the message
 * as its content (its children marked data-slot="name" are kept, at {name} in the message);
 * data-i18n-aria-label / -title / -placeholder set those attributes.
 */
export function applyStatic(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) {
    const slots = {};
    for (const slot of node.querySelectorAll("[data-slot]")) {
      if (slot.parentElement.closest("[data-i18n]") === node) slots[slot.dataset.slot] = slot;
    }
    if (node.tagName === "TITLE") node.textContent = t(node.dataset.i18n);
    else node.replaceChildren(...tx(node.dataset.i18n, slots));
  }
  for (const name of ATTRIBUTES) {
    for (const node of root.querySelectorAll(`[data-i18n-${name}]`)) node.setAttribute(name, t(node.getAttribute(`data-i18n-${name}`)));
  }
}

/** Switch the page to language `code` (remembered when `keep`), and redraw it. */
export async function setLanguage(code, keep = true) {
  if (!Object.hasOwn(LANGUAGES, code)) code = FALLBACK;
  await Promise.all([load(FALLBACK), load(code)]);
  current = code;
  setLocale(localeFor(code));
  if (keep) remember(code);
  if (globalThis.document) {
    document.documentElement.lang = code === "zh" ? "zh-Hans" : code;
    applyStatic(document);
    const menu = document.getElementById("language-select");
    if (menu) menu.value = code;
  }
  for (const fn of listeners) {
    try {
      fn(code);
    } catch (e) {
      console.error(e);
    }
  }
}

/** The language menu (#language-select): every language by its own name; a pick is remembered. */
function wireMenu() {
  const menu = globalThis.document?.getElementById("language-select");
  if (!menu) return;
  menu.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => {
    const option = document.createElement("option");
    option.value = code;
    option.lang = code === "zh" ? "zh-Hans" : code;
    option.textContent = name;
    return option;
  }));
  menu.value = current;
  menu.addEventListener("change", () => {
    setLanguage(menu.value).catch((e) => console.error(e));
  });
}

await setLanguage(startLanguage(), false);
wireMenu();
