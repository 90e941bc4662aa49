#!/usr/bin/env node
/*
 * End-to-end tests of the dnadb browser client in Debian's Chromium, driven
 * by playwright-core (which never downloads a browser), against a running
 * stack: BASE_URL (default http://127.0.0.1:8080) serves the built client
 * at / and the API at /api.
 *
 *   DNADB_TOKEN=dnadb_... DNADB_READ_TOKEN=dnadb_... npm run e2e   # BASE_URL=http://host:port too
 *
 * DNADB_TOKEN is a write token, DNADB_READ_TOKEN a read token of that
 * stack. Every test starts by opening BASE_URL/#token=$DNADB_TOKEN, the
 * hand-off link `deploy/stack up` prints, and checks that the token left
 * the address bar and the header shows the write scope. The tests pass
 * whether the stack allows anonymous reading (public_read) or not.
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

const TOKEN = process.env.DNADB_TOKEN || "";
const READ_TOKEN = process.env.DNADB_READ_TOKEN || "";
const TOKEN_RE = /^dnadb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;
if (!TOKEN_RE.test(TOKEN)) {
  console.error("e2e: set DNADB_TOKEN to a write token of the stack (deploy/stack up prints it)");
  process.exit(2);
}
/** Failure reasons are printed: never with a token in them. */
function scrub(text) {
  let t = String(text);
  for (const secret of [TOKEN, READ_TOKEN]) if (secret) t = t.split(secret).join("<token>");
  return t.replace(/dnadb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g, "<token>");
}

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

/** A random token of the right shape that no server knows. */
function bogusToken() {
  const hex = "0123456789abcdef";
  const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let id = "";
  for (let i = 0; i < 16; i++) id += hex[randomInt(16)];
  let secret = "";
  for (let i = 0; i < 43; i++) secret += b64[randomInt(64)];
  return `dnadb_${id}_${secret}`;
}

/**
 * fetch from the test itself, with the write token (or `token`), waiting
 * out a 429 from nginx's per-client limits (Retry-After) a few times.
 */
async function apiFetch(path, init = {}, token = TOKEN) {
  const headers = { ...(init.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  for (let tries = 0; ; tries++) {
    const res = await fetch(`${BASE}${path}`, { ...init, headers });
    if (res.status !== 429 || tries >= 5) return res;
    const wait = Math.min(5, Math.max(1, Number(res.headers.get("Retry-After")) || 1));
    await new Promise((r) => setTimeout(r, wait * 1000));
  }
}

/** GET /api/auth with `token` (or none): { public_read, token }. */
async function apiAuth(token) {
  const res = await apiFetch("/api/auth", {}, token);
  eq(res.status, 200, "status of GET /api/auth");
  return res.json();
}

/** POST /api/sequences from the test itself; returns the id (new or already stored). */
async function apiAdd(sequence) {
  const res = await apiFetch("/api/sequences", {
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
async function openPage({ viewport = DESKTOP, allowStatus = [], handOff = true } = {}) {
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
  if (handOff) await openWithToken(page);
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

/**
 * Opens `path` + #token=<token> (the link deploy/stack up prints), then
 * checks that the fragment left the address bar at once and, for the
 * write token, that the header shows the write scope.
 */
async function openWithToken(page, token = TOKEN, path = "/") {
  await page.goto(`${path}#token=${token}`);
  await fragmentGone(page);
  const url = page.url();
  assert(!url.includes(token) && !url.includes("#"), "the token is still in the address bar");
  if (token === TOKEN) await tokenState(page, "write");
}

/**
 * Waits (briefly) for the page to drop the fragment: on a full load that
 * happens before the first render, but a goto that changes only the
 * fragment of the open page is a same-document navigation, handled on
 * its hashchange event just after goto returns.
 */
async function fragmentGone(page) {
  await page.waitForFunction(() => location.hash === "", null, { timeout: 2000 }).catch(() => {});
}

/** Waits until the header's Token item shows `state` (none, read, write, rejected). */
async function tokenState(page, state) {
  const nav = page.getByRole("navigation", { name: "Main" }).locator(`a.token-nav[data-token-state="${state}"]`);
  await nav.waitFor();
  eq((await nav.locator(".token-badge").innerText()).trim(), state, "token badge");
}

/** Goes to the Token page through the header. */
async function openTokenPage(page) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Token/ }).click();
  await page.waitForURL("**/token");
  await page.getByRole("heading", { name: "Token", exact: true }).waitFor();
}

/** Pastes `token` on the Token page and saves it. */
async function saveToken(page, token) {
  await page.getByLabel("Paste a token", { exact: true }).fill(token);
  await page.getByRole("button", { name: "Save", exact: true }).click();
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

/** Submits a search that is expected to fail; waits for the form's error note. */
async function searchViaFormExpectingError(page, query) {
  await page.getByLabel("Query", { exact: true }).fill(query);
  await page.getByLabel("Max distance", { exact: true }).fill("0");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.locator(".search-form .note-error").waitFor();
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
  const res = await apiFetch("/api/sequences/abc");
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

/* ---------- tokens and delete ---------- */

test("token link: stored, address bar cleaned (path and query kept), nav shows write", async ({ page }) => {
  // openPage already opened /#token=...; now a link with a query string, in a fresh tab state.
  await page.evaluate(() => localStorage.clear());
  await page.goto(`/?q=&k=#token=${TOKEN}`);
  const url = new URL(page.url());
  eq(url.pathname + url.search, "/?q=&k=", "path and query kept");
  eq(url.hash, "", "fragment removed");
  assert(!page.url().includes(TOKEN), "token still in the address bar");
  await tokenState(page, "write");
  eq(await page.evaluate(() => localStorage.getItem("dnadb.token")), TOKEN, "stored token");
  // Nor is it left in the session history: the entry before (openPage's hand-off) was cleaned too.
  await page.goBack();
  eq(new URL(page.url()).hash, "", "fragment of the previous history entry");
  assert(!page.url().includes(TOKEN), "token in the previous history entry");
});

test("a malformed token in the link is dropped with a notice", async ({ page }) => {
  await page.goto("/#token=dnadb_not-a-token");
  await fragmentGone(page);
  eq(new URL(page.url()).hash, "", "fragment removed");
  const note = page.locator(".flash");
  await note.waitFor();
  assert((await note.innerText()).includes("not well-formed"), "notice names the problem");
  await note.getByRole("link", { name: "Paste a token" }).waitFor();
  // The good token stored before stays.
  eq(await page.evaluate(() => localStorage.getItem("dnadb.token")), TOKEN, "stored token kept");
  await tokenState(page, "write");
});

test("token page shows the token's name and scope, and whether anonymous search is allowed", async ({ page }) => {
  const auth = await apiAuth(TOKEN);
  await openTokenPage(page);
  const now = page.locator(".token-now");
  await now.filter({ hasText: "Signed in with token" }).waitFor();
  eq((await now.innerText()).trim(), `Signed in with token ${auth.token.name} (write scope).`, "current token line");
  const pr = page.locator(".token-public");
  await pr.waitFor();
  eq(await pr.getAttribute("data-public-read"), String(auth.public_read), "public_read shown");
  assert((await pr.innerText()).startsWith(auth.public_read ? "Anonymous search: allowed" : "Anonymous search: not allowed"), "public_read in words");
  // A malformed paste is refused next to the field, before any request.
  let sent = 0;
  page.on("request", (r) => {
    if (r.url().includes("/api/auth")) sent++;
  });
  await saveToken(page, "dnadb_123");
  const err = page.locator("#token-error");
  await err.waitFor();
  assert((await err.innerText()).includes("16 hex digits"), "format message");
  eq(await page.getByLabel("Paste a token", { exact: true }).getAttribute("aria-invalid"), "true", "aria-invalid");
  eq(sent, 0, "requests sent for a malformed token");
  // Saving the same write token again verifies it and says so.
  await saveToken(page, TOKEN);
  const ok = page.locator(".note-ok");
  await ok.waitFor();
  eq((await ok.innerText()).trim(), `Signed in with token ${auth.token.name} (write scope).`, "saved message");
});

test("with a read token, Add shows the insufficient-scope message", { allowStatus: [403] }, async ({ page }) => {
  assert(TOKEN_RE.test(READ_TOKEN), "set DNADB_READ_TOKEN to a read token of the stack");
  const auth = await apiAuth(READ_TOKEN);
  eq(auth.token?.scope, "read", "scope of DNADB_READ_TOKEN");
  await openTokenPage(page);
  await saveToken(page, READ_TOKEN);
  const ok = page.locator(".note-ok");
  await ok.waitFor();
  eq((await ok.innerText()).trim(), `Signed in with token ${auth.token.name} (read scope).`, "saved message");
  await tokenState(page, "read");
  await addViaForm(page, randomSeq(40));
  const err = page.locator("#sequence-server-error");
  await err.waitFor();
  const text = await err.innerText();
  assert(text.includes("This token can only read"), `expected the insufficient-scope message, got ${JSON.stringify(text)}`);
  eq(await err.getAttribute("data-code"), "insufficient_scope", "error code");
  await err.getByRole("link", { name: "Change the token" }).click();
  await page.waitForURL("**/token");
});

test("with an unknown token, search shows the not-accepted message", { allowStatus: [401] }, async ({ page }) => {
  const seq = randomSeq(36);
  await apiAdd(seq);
  // A stale link: well-formed, so it is stored; the server does not know it.
  const bogus = bogusToken();
  await openWithToken(page, bogus, "/");
  await tokenState(page, "rejected");
  await searchViaFormExpectingError(page, seq);
  const err = page.locator(".search-form .note-error");
  const text = await err.innerText();
  assert(
    text.includes("Your token was not accepted: it is unknown or revoked"),
    `expected the not-accepted message, got ${JSON.stringify(scrub(text))}`,
  );
  await err.getByRole("link", { name: "Replace or clear the token" }).waitFor();
  assert(!text.includes(bogus), "the token is not in the message");
});

test("clear the token, then search: needs a token, or works where anonymous search is allowed", { allowStatus: [401] }, async ({ page }) => {
  const seq = randomSeq(34);
  const id = await apiAdd(seq);
  const { public_read: publicRead } = await apiAuth(null);
  await openTokenPage(page);
  await page.getByRole("button", { name: "Clear token", exact: true }).click();
  await page.locator(".note-info").filter({ hasText: "Token cleared" }).waitFor();
  await tokenState(page, "none");
  eq(await page.evaluate(() => localStorage.getItem("dnadb.token")), null, "stored token");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Search", exact: true }).click();
  if (publicRead) {
    await searchViaForm(page, seq, 0);
    await page.getByRole("link", { name: `#${id}`, exact: true }).waitFor();
  } else {
    await searchViaFormExpectingError(page, seq);
    const err = page.locator(".search-form .note-error");
    const text = await err.innerText();
    assert(text.includes("Searching needs a token"), `expected the auth-required message, got ${JSON.stringify(text)}`);
    eq(await err.getAttribute("data-code"), "auth_required", "error code");
    await err.getByRole("link", { name: "Set a token" }).waitFor();
  }
});

test("delete a sequence from its details page; its page then says not found", { allowStatus: [404] }, async ({ page }) => {
  const seq = randomSeq(42);
  const id = await apiAdd(seq);
  await page.goto(`/?q=${seq}&k=0`);
  await page.getByRole("link", { name: `#${id}`, exact: true }).click();
  await page.waitForURL(`**/sequences/${id}`);
  await page.getByRole("button", { name: "Delete…", exact: true }).click();
  // The confirm step: Cancel has the focus; Escape cancels.
  await page.locator("#delete-question").waitFor();
  eq(await page.evaluate(() => document.activeElement?.textContent), "Cancel", "focus on Cancel");
  await page.keyboard.press("Escape");
  await page.locator("#delete-question").waitFor({ state: "detached" });
  await page.getByRole("button", { name: "Delete…", exact: true }).click();
  await page.getByRole("button", { name: `Delete #${id}`, exact: true }).click();
  // Back on the search it came from, with a notice; the search no longer finds it.
  await page.waitForURL((u) => u.pathname === "/");
  const flash = page.locator(".flash");
  await flash.waitFor();
  eq((await flash.locator(".note-msg").innerText()).trim(), `Sequence #${id} deleted.`, "notice");
  await page.locator(".results, .empty").first().waitFor();
  eq(await page.getByRole("link", { name: `#${id}`, exact: true }).count(), 0, "deleted row shown");
  await page.goto(`/sequences/${id}`);
  const note = page.locator(".note-error");
  await note.waitFor();
  eq(await note.getAttribute("data-code"), "not_found", "error code on the details page");
  eq((await apiFetch(`/api/sequences/${id}`)).status, 404, "GET after delete");
});

test('delete of a sequence removed meanwhile says "already gone"', { allowStatus: [404] }, async ({ page }) => {
  const id = await apiAdd(randomSeq(44));
  await page.goto(`/sequences/${id}`);
  await page.locator(".seqblock").waitFor();
  eq((await apiFetch(`/api/sequences/${id}`, { method: "DELETE" })).status, 204, "DELETE from the test");
  await page.getByRole("button", { name: "Delete…", exact: true }).click();
  await page.getByRole("button", { name: `Delete #${id}`, exact: true }).click();
  const flash = page.locator(".flash");
  await flash.waitFor();
  eq((await flash.locator(".note-msg").innerText()).trim(), `Sequence #${id} was already gone.`, "notice");
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
    let overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `import page is ${overflow}px wider than the viewport`);
    await openTokenPage(page);
    await page.locator(".token-now").filter({ hasText: "Signed in with token" }).waitFor();
    await page.locator(".token-public").waitFor();
    await page.getByLabel("Paste a token", { exact: true }).fill("dnadb_0123");
    await page.locator("#token-error").waitFor();
    await page.screenshot({ path: join(SHOTS, `token-${label}.png`), fullPage: true });
    overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `token page is ${overflow}px wider than the viewport`);
  });
}

test("no console errors and no CSP violations during the run", async (ctx) => {
  const { page } = ctx;
  // Visit every route once more with an in-document listener, then check
  // what every test collected.
  const id = await apiAdd(randomSeq(24));
  for (const path of ["/", "/add", "/import", "/token", `/sequences/${id}`, "/nowhere"]) {
    await page.goto(path);
    await ctx.armCspListener();
    await page.locator("main h1").first().waitFor();
    const seen = await ctx.cspSeen();
    assert(seen.length === 0, `CSP violations on ${path}: ${seen.join("; ")}`);
  }
  // Client-side navigation keeps the document; the listener stays armed.
  await page.goto("/");
  await ctx.armCspListener();
  for (const name of ["Add", "Import", /^Token/, "Search"]) {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: typeof name === "string" }).click();
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
    if (ctx.problems.length) throw new Error(scrub(ctx.problems.join(" | ")));
    console.log(`ok ${t.name}`);
    passed++;
  } catch (e) {
    const reason = scrub(String(e?.message ?? e).split("\n")[0]);
    console.log(`FAIL ${t.name}: ${reason}`);
    if (ctx?.page) {
      await ctx.page
        .screenshot({ path: join(SHOTS, `failed-${t.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.png`), fullPage: true })
        .catch(() => {});
    }
    failed++;
  } finally {
    if (ctx) {
      runProblems.push(...ctx.problems.map((p) => `${t.name}: ${scrub(p)}`));
      await ctx.close().catch(() => {});
    }
  }
}
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
