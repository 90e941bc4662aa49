#!/usr/bin/env node
/*
 * End-to-end tests of the dnadb browser client in Debian's Chromium, driven
 * by playwright-core (which never downloads a browser), against a running
 * stack: BASE_URL (default http://127.0.0.1:8080) serves the built client
 * at / and the API at /api.
 *
 *   npm run e2e                      # or: BASE_URL=http://host:port npm run e2e
 *
 * Prints one line per test, "ok <name>" or "FAIL <name>: reason", then
 * "N passed, M failed"; exits 1 if any failed. Every test uses fresh random
 * sequences, so reruns against the same database work. Screenshots of the
 * main screens (1280x800 and 360x740) go to e2e/screenshots/.
 */
import { randomInt } from "node:crypto";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const BASE = (process.env.BASE_URL || "http://127.0.0.1:8080").replace(/\/+$/, "");
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, "screenshots");
mkdirSync(SHOTS, { recursive: true });
// Failure screenshots of an earlier run would mislead.
for (const f of readdirSync(SHOTS)) if (f.startsWith("failed-")) rmSync(join(SHOTS, f));

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };
const TIMEOUT = 15_000;

/* ---------- helpers ---------- */

const BASES = "ACGT";
function randomSeq(n) {
  let s = "";
  for (let i = 0; i < n; i++) s += BASES[randomInt(4)];
  return s;
}
/** `s` with a different base at each of the (0-based) positions. */
function substitute(s, positions) {
  const a = s.split("");
  for (const p of positions) {
    const others = BASES.replace(a[p], "");
    a[p] = others[randomInt(3)];
  }
  return a.join("");
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
function eq(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** POST /api/sequences from the test itself; returns the id (new or already stored). */
async function apiAdd(sequence) {
  const res = await fetch(`${BASE}/api/sequences`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sequence }),
  });
  const body = await res.json();
  if (res.status === 201) return body.id;
  if (res.status === 409) return body.error.id;
  throw new Error(`POST /api/sequences answered ${res.status}: ${JSON.stringify(body)}`);
}

/* ---------- the browser and per-test pages ---------- */

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
});

/** Every console error, page error and CSP violation of the whole run. */
const runProblems = [];

/**
 * A fresh context and page whose console errors, uncaught exceptions and
 * CSP violations are collected. `allowStatus` lists HTTP statuses the test
 * provokes on purpose: Chromium logs "Failed to load resource: ... status
 * of 409" for them, which is not a fault of the page.
 */
async function openPage({ viewport = DESKTOP, allowStatus = [] } = {}) {
  const context = await browser.newContext({ viewport, baseURL: BASE });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  const expected = allowStatus.map(
    (s) => new RegExp(`^Failed to load resource: the server responded with a status of ${s}\\b`),
  );
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const text = m.text();
    if (expected.some((re) => re.test(text))) return;
    problems.push(`console error: ${text}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  // CSP violations, collected in the page and reported back through a binding
  // (installed before any page script runs, and again on every full load).
  await context.exposeBinding("__e2eCsp", (_src, v) =>
    problems.push(`CSP violation: ${v.directive} blocked ${v.blocked || "(inline)"} in ${v.source}:${v.line}`),
  );
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__e2eCsp({
        directive: e.violatedDirective,
        blocked: e.blockedURI,
        source: e.sourceFile,
        line: e.lineNumber,
      });
    });
  });
  return {
    page,
    problems,
    /** Also listen from inside the current document (the listener the brief asks for). */
    async armCspListener() {
      await page.evaluate(() => {
        window.__e2eCspSeen = window.__e2eCspSeen || [];
        document.addEventListener("securitypolicyviolation", (e) =>
          window.__e2eCspSeen.push(`${e.violatedDirective} ${e.blockedURI}`),
        );
      });
    },
    async cspSeen() {
      return page.evaluate(() => window.__e2eCspSeen || []);
    },
    async close() {
      await context.close();
    },
  };
}

const tests = [];
function test(name, opts, fn) {
  if (typeof opts === "function") [opts, fn] = [{}, opts];
  tests.push({ name, opts, fn });
}

/* ---------- page actions ---------- */

async function addViaForm(page, sequence) {
  await page.goto("/add");
  await page.getByLabel("Sequence", { exact: true }).fill(sequence);
  await page.getByRole("button", { name: "Add", exact: true }).click();
}

async function searchViaForm(page, query, k) {
  await page.getByLabel("Query", { exact: true }).fill(query);
  await page.getByLabel("Max distance", { exact: true }).fill(String(k));
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.locator(".results, .empty").first().waitFor();
}

/** The result rows (not the alignment rows) of the table. */
function resultRows(page) {
  return page.locator("table.rtable tbody tr:not(.align-row)");
}

/**
 * Shows the alignment of result #id: short pairs open inline by themselves,
 * so the toggle ("Alignment" / "Hide alignment") is clicked only when closed.
 */
async function showAlignment(page, id) {
  const button = page.getByRole("button", { name: new RegExp(`alignment of #${id}$`, "i") });
  if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
  eq(await button.getAttribute("aria-expanded"), "true", `alignment of #${id} expanded`);
}

/* ---------- tests ---------- */

test("add a sequence and see its id", async ({ page }) => {
  const seq = randomSeq(48);
  await addViaForm(page, seq.toLowerCase());
  const note = page.locator(".note-ok");
  await note.waitFor();
  const text = await note.innerText();
  const m = /Stored as #(\d+)/.exec(text);
  assert(m, `no "Stored as #id" in ${JSON.stringify(text)}`);
  const id = Number(m[1]);
  // The id links to the details page, which shows the stored (upper-case) sequence.
  await note.getByRole("link", { name: `#${id}` }).click();
  await page.waitForURL(`**/sequences/${id}`);
  await page.getByRole("heading", { name: `Sequence #${id}` }).waitFor();
  const shown = (await page.locator(".seqblock").innerText()).replace(/[^ACGT]/g, "");
  eq(shown, seq, "sequence on the details page");
});

test('add it again and see "already stored as #id"', { allowStatus: [409] }, async ({ page }) => {
  const seq = randomSeq(40);
  const id = await apiAdd(seq);
  await addViaForm(page, seq);
  const note = page.locator(".note-info");
  await note.waitFor();
  const text = await note.innerText();
  assert(text.includes(`already stored as #${id}`), `expected "already stored as #${id}", got ${JSON.stringify(text)}`);
  await note.getByRole("link", { name: `#${id}` }).waitFor();
});

test("search with k=2 from a mutated query finds it at distance 2", async ({ page }) => {
  const seq = randomSeq(40);
  const id = await apiAdd(seq);
  const query = substitute(seq, [7, 29]);
  await page.goto("/");
  await searchViaForm(page, query, 2);
  const row = resultRows(page).filter({ has: page.getByRole("link", { name: `#${id}`, exact: true }) });
  eq(await row.count(), 1, `rows for #${id}`);
  eq((await row.locator('td[data-label="Distance"]').innerText()).trim(), "2", "distance");
  const url = new URL(page.url());
  eq(url.searchParams.get("q"), query, "q in the URL");
  eq(url.searchParams.get("k"), "2", "k in the URL");
  await page.screenshot({ path: join(SHOTS, "search-results-1280.png"), fullPage: true });
});

test("alignment view marks the edits", async ({ page }) => {
  const seq = randomSeq(40);
  const id = await apiAdd(seq);
  const query = substitute(seq, [5, 33]);
  await page.goto(`/?q=${query}&k=2`);
  await resultRows(page).first().waitFor();
  // 40 bases each: the alignment is shown inline without a click.
  eq(
    await page.getByRole("button", { name: `Hide alignment of #${id}`, exact: true }).getAttribute("aria-expanded"),
    "true",
    "short alignment open inline",
  );
  await showAlignment(page, id);
  const view = page.locator(`#align-${id}`);
  await view.waitFor();
  const script = await view.locator(".align-script").innerText();
  assert(/^2 edits: /.test(script), `edit script should say 2 edits: ${JSON.stringify(script)}`);
  assert(script.includes(" at 6") && script.includes(" at 34"), `edit script should name positions 6 and 34: ${script}`);
  // Two substituted columns in the query row, in colour and with an "x" in the marker row.
  eq(await view.locator(".align-line:not(.marks)").first().locator(".col.op-sub").count(), 2, "marked substitutions");
  eq(await view.locator(".marks .col.op-sub").count(), 2, "x markers");
  eq((await view.locator(".marks").innerText()).replace(/[^x]/g, ""), "xx", "marker row");
  eq(await view.locator(".align-rows .col.op-ins, .align-rows .col.op-del").count(), 0, "indel columns");
  // The button still toggles it: closed, then open again.
  await page.getByRole("button", { name: `Hide alignment of #${id}`, exact: true }).click();
  await view.waitFor({ state: "detached" });
  await page.getByRole("button", { name: `Alignment of #${id}`, exact: true }).click();
  await view.locator(".align-script").waitFor();
  await page.screenshot({ path: join(SHOTS, "alignment-1280.png"), fullPage: true });
});

test("paginate with Load more until done", async ({ page }) => {
  // 60 variants of one random 30-mer, each one substitution away from it.
  const base = randomSeq(30);
  const variants = new Set();
  while (variants.size < 60) variants.add(substitute(base, [randomInt(30)]));
  const ids = new Set();
  for (const v of variants) ids.add(await apiAdd(v));
  eq(ids.size, 60, "distinct stored ids");
  await page.goto("/");
  await searchViaForm(page, base, 1);
  await page.locator(".count").filter({ hasText: "50 shown, more available" }).waitFor();
  let clicks = 0;
  const more = page.getByRole("button", { name: "Load more" });
  while ((await more.count()) > 0 && clicks < 10) {
    await more.click();
    clicks++;
    await page.waitForFunction(() => !document.querySelector(".results button[disabled]"));
  }
  const count = await page.locator(".count").innerText();
  eq(count.trim(), "60 shown, all matches within 1 edit", "count line");
  eq(await resultRows(page).count(), 60, "rows");
  assert(clicks >= 1, "Load more was never offered");
  const shownIds = await resultRows(page).locator('td[data-label="Id"] a').allInnerTexts();
  eq(new Set(shownIds).size, 60, "distinct ids shown");
  for (const t of shownIds) assert(ids.has(Number(t.slice(1))), `unexpected row ${t}`);
});

test("import a small FASTA file and see the counts", async ({ page }) => {
  const known = randomSeq(36);
  await apiAdd(known);
  const fresh = [randomSeq(50), randomSeq(70), randomSeq(25)];
  const fasta =
    `>e2e one\n${fresh[0].slice(0, 25)}\n${fresh[0].slice(25)}\n` +
    `>e2e two\n${fresh[1].toLowerCase()}\n\n` +
    `>e2e known\n${known}\n` +
    `>e2e three\n${fresh[2]}\n`;
  await page.goto("/");
  await page.getByRole("link", { name: "Import", exact: true }).click();
  await page.waitForURL("**/import");
  await page.getByLabel("File", { exact: true }).setInputFiles({
    name: "e2e.fasta",
    mimeType: "text/plain",
    buffer: Buffer.from(fasta),
  });
  await page.locator(".drop-name").filter({ hasText: "e2e.fasta" }).waitFor();
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const result = page.locator(".import-result");
  await result.waitFor();
  const count = async (k) => (await result.locator(`[data-count="${k}"]`).innerText()).trim();
  eq(await count("inserted"), "3", "inserted");
  eq(await count("duplicates"), "1", "duplicates");
  eq(await count("records"), "4", "records");
  eq(await count("bases"), String(50 + 70 + 36 + 25), "bases");
  assert((await result.innerText()).includes("FASTA"), "format named");
  // The imported sequences are now found.
  // (The search runs after the page loads: wait for its row.)
  await page.goto(`/?q=${fresh[1]}&k=0`);
  await resultRows(page).first().waitFor();
  eq(await resultRows(page).count(), 1, "imported sequence found");
});

test("import shows upload progress (throttled upload)", async ({ page }) => {
  // ~96 KiB of plain text at 32 KiB/s: the bar moves for about three seconds.
  const lines = [];
  for (let i = 0; i < 1200; i++) lines.push(randomSeq(80));
  const body = lines.join("\n") + "\n";
  await page.goto("/import");
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 32 * 1024,
  });
  await page.getByLabel("File", { exact: true }).setInputFiles({
    name: "reads.txt",
    mimeType: "text/plain",
    buffer: Buffer.from(body),
  });
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const bar = page.locator("progress#import-progress");
  await bar.waitFor();
  eq(await page.getByRole("button", { name: "Import", exact: true }).isDisabled(), true, "Import disabled while uploading");
  // Some bytes are sent but not all: the bar and the byte count move.
  await page.waitForFunction(() => {
    const p = document.querySelector("progress#import-progress");
    return p && p.value > 0 && p.value < p.max;
  });
  const bytes = await page.locator(".upload-bytes").innerText();
  assert(/KiB of 9\d\.\d KiB sent \(\d+ %\)/.test(bytes), `byte count: ${JSON.stringify(bytes)}`);
  await page.screenshot({ path: join(SHOTS, "import-progress-1280.png"), fullPage: true });
  const result = page.locator(".import-result");
  await result.waitFor({ timeout: 30_000 });
  eq((await result.locator('[data-count="inserted"]').innerText()).trim(), "1,200", "inserted");
  eq((await result.locator('[data-count="records"]').innerText()).trim(), "1,200", "records");
  assert((await result.innerText()).includes("plain text"), "format named");
  eq(await bar.count(), 0, "progress bar gone after the answer");
});

test("import with a bad record shows line, column and reason", { allowStatus: [400] }, async ({ page }) => {
  const fasta = `>ok\n${randomSeq(30)}\n>bad\nACGTAC${"N"}GT\n`;
  await page.goto("/import");
  await page.getByLabel("File", { exact: true }).setInputFiles({
    name: "bad.fasta",
    mimeType: "text/plain",
    buffer: Buffer.from(fasta),
  });
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const err = page.locator("#import-error");
  await err.waitFor();
  const text = await err.innerText();
  assert(text.includes("line 4, column 7"), `expected line 4, column 7 in ${JSON.stringify(text)}`);
  assert(/not A, C, G or T/.test(text), `reason in words missing: ${JSON.stringify(text)}`);
  // The file input points at the error.
  eq(await page.getByLabel("File", { exact: true }).getAttribute("aria-invalid"), "true", "aria-invalid");
});

test("bad input shows the validator's and the server's message near the control", { allowStatus: [400] }, async ({ page }) => {
  // Query with an N: the validator points at it, next to the Query box, and nothing is sent.
  let sent = 0;
  page.on("request", (r) => {
    if (r.url().includes("/api/search")) sent++;
  });
  await page.goto("/");
  await page.getByLabel("Query", { exact: true }).fill("ACGTNACGT");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const qErr = page.locator("#query-error");
  await qErr.waitFor();
  const qText = await qErr.innerText();
  assert(qText.includes("N") && qText.includes("5"), `query error should name 'N' at 5: ${JSON.stringify(qText)}`);
  eq(await page.getByLabel("Query", { exact: true }).getAttribute("aria-invalid"), "true", "Query aria-invalid");
  eq(sent, 0, "search requests sent for an invalid query");
  // The error sits inside the Query field, right under the box.
  eq(await qErr.evaluate((el) => el.closest(".field")?.querySelector("textarea")?.id), "query", "query error placement");

  // Add form with an invalid base: validated as you type.
  await page.goto("/add");
  await page.getByLabel("Sequence", { exact: true }).fill("ACGTX");
  const sErr = page.locator("#sequence-error");
  await sErr.waitFor();
  assert((await sErr.innerText()).includes("X"), "add error should name the X");
  eq(await sErr.evaluate((el) => el.closest(".field")?.querySelector("textarea")?.id), "sequence", "add error placement");

  // The server's own message: an id that is not a positive integer.
  await page.goto("/sequences/abc");
  const note = page.locator(".note-error");
  await note.waitFor();
  const res = await fetch(`${BASE}/api/sequences/abc`);
  const body = await res.json();
  eq(res.status, 400, "status of GET /api/sequences/abc");
  assert((await note.innerText()).includes(body.error.message), `page should show the server's message ${JSON.stringify(body.error.message)}`);
});

test("keyboard: Tab reaches Query, type, Enter searches", async ({ page }) => {
  const seq = randomSeq(32);
  const id = await apiAdd(seq);
  await page.goto("/");
  let reached = false;
  for (let i = 0; i < 15 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.id === "query");
  }
  assert(reached, "Tab never reached the Query box");
  await page.keyboard.type(seq.toLowerCase());
  await page.keyboard.press("Enter");
  await resultRows(page).first().waitFor();
  await page.getByRole("link", { name: `#${id}`, exact: true }).waitFor();
  const url = new URL(page.url());
  eq(url.searchParams.get("q"), seq, "q in the URL");
  // Focus is visible: the focused element has an outline.
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert(outline !== "none", "focused control has no visible outline");
});

for (const [label, viewport] of [
  ["1280", DESKTOP],
  ["360", PHONE],
]) {
  test(`screenshots at ${viewport.width}x${viewport.height}`, { viewport }, async ({ page }) => {
    const seq = randomSeq(90);
    const id = await apiAdd(seq);
    const query = substitute(seq.slice(0, 45) + "T" + seq.slice(45), [12, 70]);
    await page.goto(`/?q=${query}&k=3`);
    await resultRows(page).first().waitFor();
    await page.screenshot({ path: join(SHOTS, `search-${label}.png`), fullPage: true });
    await showAlignment(page, id);
    await page.locator(`#align-${id} .align-script`).waitFor();
    await page.locator(`#align-${id}`).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, `alignment-${label}.png`), fullPage: true });
    await addViaForm(page, randomSeq(60));
    await page.locator(".note-ok").waitFor();
    await page.screenshot({ path: join(SHOTS, `add-${label}.png`), fullPage: true });
    await page.goto(`/sequences/${id}`);
    await page.locator(".seqblock").waitFor();
    await page.screenshot({ path: join(SHOTS, `details-${label}.png`), fullPage: true });
    await page.goto("/import");
    await page.getByLabel("File", { exact: true }).setInputFiles({
      name: "reads.fasta",
      mimeType: "text/plain",
      buffer: Buffer.from(`>a\n${randomSeq(40)}\n>b\n${randomSeq(40)}\n`),
    });
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page.locator(".import-result").waitFor();
    await page.screenshot({ path: join(SHOTS, `import-${label}.png`), fullPage: true });
    // Nothing sticks out sideways at this width.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `page is ${overflow}px wider than the viewport`);
  });
}

test("no console errors and no CSP violations during the run", async (ctx) => {
  const { page } = ctx;
  // Visit every route once more with an in-document listener, then check
  // what every test collected.
  const id = await apiAdd(randomSeq(24));
  for (const path of ["/", "/add", "/import", `/sequences/${id}`, "/nowhere"]) {
    await page.goto(path);
    await ctx.armCspListener();
    await page.locator("main h1").first().waitFor();
    const seen = await ctx.cspSeen();
    assert(seen.length === 0, `CSP violations on ${path}: ${seen.join("; ")}`);
  }
  // Client-side navigation keeps the document; the listener stays armed.
  await page.goto("/");
  await ctx.armCspListener();
  for (const name of ["Add", "Import", "Search"]) {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
  }
  const seen = await ctx.cspSeen();
  assert(seen.length === 0, `CSP violations: ${seen.join("; ")}`);
  assert(runProblems.length === 0, runProblems.join(" | "));
});

/* ---------- run ---------- */

let passed = 0;
let failed = 0;
for (const t of tests) {
  let ctx;
  try {
    ctx = await openPage(t.opts);
    await t.fn(ctx);
    // Let late console messages arrive before judging.
    await ctx.page.waitForTimeout(100);
    if (ctx.problems.length) throw new Error(ctx.problems.join(" | "));
    console.log(`ok ${t.name}`);
    passed++;
  } catch (e) {
    const reason = String(e?.message ?? e).split("\n")[0];
    console.log(`FAIL ${t.name}: ${reason}`);
    if (ctx?.page) {
      await ctx.page
        .screenshot({ path: join(SHOTS, `failed-${t.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.png`), fullPage: true })
        .catch(() => {});
    }
    failed++;
  } finally {
    if (ctx) {
      runProblems.push(...ctx.problems.map((p) => `${t.name}: ${p}`));
      await ctx.close().catch(() => {});
    }
  }
}
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
