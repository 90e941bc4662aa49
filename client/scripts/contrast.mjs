#!/usr/bin/env node
/*
 * WCAG 2.x contrast audit of the colour pairs src/styles.css uses.
 *   node scripts/contrast.mjs        # prints a Markdown table; exits 1 if a pair fails
 * Colours are read from the :root custom properties of src/styles.css, so the
 * table follows the stylesheet; the pair list below names where each is used.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const css = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "src", "styles.css"), "utf8");
const vars = Object.fromEntries([...css.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})\b/gi)].map((m) => [m[1], m[2].toLowerCase()]));
const c = (x) => (x.startsWith("#") ? x.toLowerCase() : vars[x] ?? (() => { throw new Error(`no --${x}`); })());

function lum(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function ratio(a, b) {
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

// [foreground, background, min ratio, where]
const T = 4.5; // normal text
const U = 3; // large text, UI component boundaries, focus indicator, graphics
const pairs = [
  ["ink", "bg", T, "body text on the page background; nav link hover; .btn:hover"],
  ["ink", "panel", T, "text in panels, .btn, inputs"],
  ["ink", "accent-soft", T, ".note-info text"],
  ["ink", "#f7faf9", T, "open result row / inline alignment row"],
  ["ink", "#eef0ec", T, ".dist badge (distance 1+)"],
  ["ink", "#fafbf9", T, ".drop zone file name"],
  ["muted", "panel", T, "hints, counts, table heads, legend, facts"],
  ["muted", "bg", T, ".lede, .crumbs, .foot"],
  ["muted", "#f7faf9", T, "alignment legend, labels, positions, | markers"],
  ["muted", "#fafbf9", T, ".drop-text"],
  ["muted", "accent-soft", T, ".drop-text while dragging"],
  ["muted", "error-bg", T, ".note-meta in an error note"],
  ["muted", "warn-bg", T, ".note-meta in an offline note"],
  ["#6b7280", "panel", T, "placeholder in the Query / Sequence box"],
  ["accent", "panel", T, "links"],
  ["accent", "bg", T, "links on the page background (skip link, crumbs)"],
  ["accent", "#f7faf9", T, "#id link in an open result row"],
  ["accent", "accent-soft", T, "current nav link; file selector button; link in .note-info"],
  ["accent", "#d3e8e4", T, "file selector button :hover"],
  ["accent", "ok-bg", T, "#id link in .note-ok"],
  ["accent-ink", "accent", T, ".btn-primary, .brand-mark"],
  ["accent-ink", "#0b4945", T, ".btn-primary:hover"],
  ["error", "error-bg", T, ".note-error"],
  ["error", "panel", T, ".field-error"],
  ["warn", "warn-bg", T, ".note-warn"],
  ["ok", "ok-bg", T, ".note-ok, .dist-0 badge"],
  ["sub-ink", "sub-bg", T, "alignment substitution column"],
  ["ins-ink", "ins-bg", T, "alignment insertion column"],
  ["del-ink", "del-bg", T, "alignment deletion column"],
  ["sub-ink", "#f7faf9", T, "x marker (substitution)"],
  ["ins-ink", "#f7faf9", T, "+ marker (insertion)"],
  ["del-ink", "#f7faf9", T, "- marker (deletion)"],
  ["error", "panel", T, ".btn-danger (Delete) text; .token-bad"],
  ["error", "error-bg", T, ".btn-danger:hover; rejected token badge"],
  ["ok", "ok-bg", T, "write token badge"],
  ["accent", "error-bg", T, "Token page link in an access error"],
  ["accent", "warn-bg", T, "Token page link in a warning (malformed token link)"],
  ["accent", "accent-soft", T, "read token badge"],
  ["muted", "panel", T, "no-token badge"],
  ["focus", "panel", U, "focus ring on panels"],
  ["focus", "bg", U, "focus ring on the page background"],
  ["focus", "#f7faf9", U, "focus ring in an open result row"],
  ["#8a939c", "panel", U, "input / .btn borders"],
  ["#8a939c", "#fafbf9", U, ".drop dashed border"],
  ["error", "panel", U, "invalid input border"],
  ["accent", "#eceee9", U, "upload progress bar value on its track"],
  ["#2f855a", "#eceee9", U, "composition bar A on its track"],
  ["#2b6cb0", "#eceee9", U, "composition bar C on its track"],
  ["#b7791f", "#eceee9", U, "composition bar G on its track"],
  ["#c53030", "#eceee9", U, "composition bar T on its track"],
];

let fails = 0;
console.log("| foreground | background | ratio | needs | ok | used for |\n|---|---|---|---|---|---|");
for (const [f, b, need, where] of pairs) {
  const r = ratio(c(f), c(b));
  const ok = r >= need;
  if (!ok) fails++;
  const name = (x) => (x.startsWith("#") ? x : `--${x} ${c(x)}`);
  console.log(`| ${name(f)} | ${name(b)} | ${r.toFixed(2)}:1 | ${need}:1 | ${ok ? "yes" : "**NO**"} | ${where} |`);
}
console.log(`\n${pairs.length - fails} pass, ${fails} fail`);
process.exit(fails ? 1 : 0);
