// The sidebar's Collections and Tags filters, in Debian's Chromium, over the synced Zotero fixture.
// Driven by tests/browser/test_zotero_filters.py (which starts `papers serve`); environment:
//   APP_URL, SHOT_DIR, PROFILE_DIR, CHROMIUM
// Prints one JSON line of what each view showed; exits non-zero with a message on the first failure.
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const APP_URL = process.env.APP_URL;
const SHOT_DIR = process.env.SHOT_DIR;
fs.mkdirSync(SHOT_DIR, { recursive: true });
const check = (cond, message) => {
  if (!cond) throw new Error(`assertion failed: ${message}`);
};

const context = await chromium.launchPersistentContext(process.env.PROFILE_DIR, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  viewport: { width: 1440, height: 1000 },
});
const page = context.pages()[0] || (await context.newPage());
const pageErrors = [];
page.on("pageerror", (err) => pageErrors.push(String(err)));
const tab = (name) => page.getByRole("tab", { name }).click();

// The values picked in a multiselect dropdown of the sidebar (its tokens).
const picked = (id) => page.locator(`#${id} .token > span`).allInnerTexts();
// Pick `value` (offered from what the index holds); `clear` empties the dropdown again.
const choose = async (id, value) => {
  const box = page.locator(`#${id} input`);
  await box.click();
  await box.pressSequentially(value, { delay: 20 });
  await page.locator('ul[role="listbox"] li', { hasText: value }).first().click();
  await page.keyboard.press("Escape");
  await page.waitForTimeout(300);
  check(JSON.stringify(await picked(id)) === JSON.stringify([value]), `${id} holds ${value}: ${await picked(id)}`);
};
const clear = async (id) => {
  await page.locator(`#${id} .remove-all`).click();
  await page.keyboard.press("Escape");
  await page.waitForTimeout(300);
  check((await picked(id)).length === 0, `${id} cleared: ${await picked(id)}`);
};
const optionsOf = async (id) => {
  await page.locator(`#${id} input`).click();
  const options = await page.locator('ul[role="listbox"] li').allInnerTexts();
  await page.keyboard.press("Escape");
  return options.map((o) => o.trim()).filter(Boolean);
};

// Search, then the distinct paper titles of the result table (column 2), once the status line says
// the search ran with this scope (it names the collection and tag filters in force).
const search = async (query, scope) => {
  await page.locator("#query textarea").fill(query);
  const before = await page.locator("#search-status").innerText().catch(() => "");
  await page.locator("#search-btn").click();
  await page.waitForFunction(
    ([prev, want]) => {
      const now = document.querySelector("#search-status")?.innerText || "";
      return /passages/.test(now) && now !== prev && (want ? now.includes(want) : !now.includes("("));
    },
    [before, scope],
    { timeout: 60000 },
  );
  await page.waitForTimeout(500);
  const rows = await page.locator("#results .virtual-row").count();
  const titles = new Set();
  for (let i = 0; i < rows; i++) titles.add((await page.locator(`#results [data-testid="cell-${i}-2"]`).innerText()).trim());
  return [...titles];
};

const results = {};
await page.goto(APP_URL, { waitUntil: "domcontentloaded" });
await page.locator("#question textarea").waitFor({ timeout: 60000 });
await page.waitForTimeout(1500);

results.collection_options = await optionsOf("scope-collections");
results.tag_options = await optionsOf("scope-tags");
check(results.collection_options.includes("NLP") && results.collection_options.includes("Document Understanding"),
  `collections offered: ${results.collection_options}`);
check(results.tag_options.includes("tables") && results.tag_options.includes("to-read"),
  `tags offered: ${results.tag_options}`);

// -- Search --------------------------------------------------------------------------------------------
await tab("Search");
const query = "tables in scientific documents";
results.search_all = await search(query, "");
check(results.search_all.length >= 3, `unfiltered search reaches several papers: ${results.search_all}`);
await choose("scope-tags", "tables");
results.search_tag = await search(query, "tag: tables");
check(results.search_tag.length === 1 && results.search_tag[0].includes("Optimized Table Tokenization"),
  `tag 'tables' keeps only the tagged paper: ${results.search_tag}`);
await clear("scope-tags");
const broad = "scientific documents";
results.search_broad = await search(broad, "");
check(results.search_broad.some((t) => t.includes("Multi-LexSum")), `unfiltered: Multi-LexSum (NLP): ${results.search_broad}`);
await choose("scope-collections", "Document Understanding");
results.search_collection = await search(broad, "collection: Document Understanding");
check(results.search_collection.length >= 1, "the collection's papers are found");
check(!results.search_collection.some((t) => /Quantum Criticality|NOVER|Multi-LexSum/.test(t)),
  `nothing outside 'Document Understanding': ${results.search_collection}`);
await page.screenshot({ path: path.join(SHOT_DIR, "zotero-search-collection.png"), fullPage: true });
await clear("scope-collections");

// -- Ask -----------------------------------------------------------------------------------------------
await tab("Ask");
const ask = async (question) => { // → the titles of the sources panel once it shows this question's answer
  const before = await page.locator('#chat [data-testid="bot"]').count();
  await page.locator("#question textarea").fill(question);
  await page.locator("#ask-btn").click();
  await page.waitForFunction(
    ([n, q]) => document.querySelectorAll('#chat [data-testid="bot"]').length > n &&
      (document.querySelector("#sources .panel-q")?.innerText || "").includes(q),
    [before, question], { timeout: 120000 },
  );
  await page.waitForTimeout(1500); // the answer streams in sentence by sentence
  return (await page.locator("#sources .src-title").allInnerTexts()).map((t) => t.trim());
};
// Two wordings of one question: the sources panel names the question it answers, so each wait is for its own.
const question = "How is the verifier avoided in reinforcement learning training?";
results.ask_all = await ask(question);
check(results.ask_all.some((t) => t.includes("NOVER")), `unfiltered answer cites NOVER: ${results.ask_all}`);
await choose("scope-collections", "Document Understanding");
results.ask_collection = await ask(question.replace("the verifier", "a verifier"));
check(!results.ask_collection.some((t) => t.includes("NOVER")),
  `with 'Document Understanding' NOVER (in NLP only) is not cited: ${results.ask_collection}`);
await page.screenshot({ path: path.join(SHOT_DIR, "zotero-ask-collection.png"), fullPage: true });
await clear("scope-collections");

// -- Related -------------------------------------------------------------------------------------------
await tab("Related");
const picker = page.locator("#related-pick input");
await picker.click();
await picker.pressSequentially("PaperMage", { delay: 20 });
await page.locator('ul[role="listbox"] li', { hasText: "PaperMage" }).first().click();
await page.locator("#related-out .rel").first().waitFor({ timeout: 30000 });
const relatedTitles = async () =>
  (await page.locator("#related-out .rel .src-title").allInnerTexts()).map((t) => t.trim());
results.related_all = await relatedTitles();
check(results.related_all.length >= 3, `related papers listed: ${results.related_all}`);
const beforeTag = await page.locator("#related-out").innerHTML();
await choose("scope-tags", "to-read");
await page.waitForFunction((old) => document.querySelector("#related-out")?.innerHTML !== old, beforeTag,
  { timeout: 30000 });
await page.waitForTimeout(500);
results.related_tag = await relatedTitles();
check(results.related_tag.length === 1 && results.related_tag[0].includes("NOVER"),
  `tag 'to-read' leaves only NOVER: ${results.related_tag}`);
await page.screenshot({ path: path.join(SHOT_DIR, "zotero-related-tag.png"), fullPage: true });

results.page_errors = pageErrors;
await context.close();
console.log(JSON.stringify(results));
