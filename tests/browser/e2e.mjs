// End-to-end check of the papers web app in Debian's Chromium (never a downloaded browser).
// Driven by tests/browser/test_e2e.py, which starts `papers serve` and passes, in the environment:
//   APP_URL, SHOT_DIR, UPLOAD_PDF, UPLOAD_PDF_ZH, UPLOAD_QUESTION, UPLOAD_TITLE, HOSTILE_QUESTION, PROFILE_DIR
// Prints one JSON line of measurements on success; exits non-zero with a message on the first failure.
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`missing env ${name}`);
  return value;
};
const APP_URL = env("APP_URL");
const SHOT_DIR = env("SHOT_DIR");
const PROFILE_DIR = env("PROFILE_DIR");
fs.mkdirSync(SHOT_DIR, { recursive: true });

const check = (cond, message) => {
  if (!cond) throw new Error(`assertion failed: ${message}`);
};

const context = await chromium.launchPersistentContext(PROFILE_DIR, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
  ],
  viewport: { width: 1440, height: 1000 },
});
const page = context.pages()[0] || (await context.newPage());
const external = [];
const appHost = new URL(APP_URL).host;
page.on("request", (req) => {
  const url = new URL(req.url());
  if (!["data:", "blob:"].includes(url.protocol) && url.host !== appHost) external.push(req.url());
});
const consoleErrors = [];
page.on("pageerror", (err) => consoleErrors.push(String(err)));
const shots = [];
const shot = async (name) => {
  const file = path.join(SHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(file);
};
const tab = async (name) => {
  await page.getByRole("tab", { name }).click();
};

const SEARCHING = /Searching the papers|正在检索论文/; // the placeholder before an answer, in either language

// Ask one question and wait until the streamed answer is complete: the sources panel names this
// question, the chat's progress tracker is hidden and the bot text has not changed for 800 ms.
// Timing is taken in the page: a MutationObserver stamps every change of the answer's text, from the
// click on Ask (first: the first answer text on screen; full: its last change).
const ask = async (question) => {
  const before = await page.locator('#chat [data-testid="bot"]').count();
  await page.locator("#question textarea").fill(question);
  await page.evaluate((before) => {
    const chat = document.querySelector("#chat");
    window.__ticks = [];
    window.__obs?.disconnect();
    window.__obs = new MutationObserver(() => {
      const bots = chat.querySelectorAll('[data-testid="bot"]');
      const text = bots.length > before ? bots[bots.length - 1].innerText : "";
      const last = window.__ticks[window.__ticks.length - 1];
      if (text && (!last || last.text !== text)) window.__ticks.push({ t: performance.now(), text });
    });
    window.__obs.observe(chat, { subtree: true, childList: true, characterData: true });
    document.querySelector("#ask-btn").addEventListener("click", () => { window.__t0 = performance.now(); },
      { capture: true, once: true });
  }, before);
  await page.locator("#ask-btn").click();
  const bot = page.locator('#chat [data-testid="bot"]').nth(before);
  await bot.waitFor({ timeout: 60000 });
  let lastText = "";
  let stableSince = Date.now();
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    const text = (await bot.innerText().catch(() => "")) || "";
    if (text !== lastText) {
      lastText = text;
      stableSince = Date.now();
    }
    const panelQ = (await page.locator("#sources .panel-q").innerText().catch(() => "")) || "";
    const busy = await page.locator('#chat [data-testid="status-tracker"]:not(.hide)').count();
    const started = text && !SEARCHING.test(text);
    if (started && busy === 0 && panelQ.includes(question.slice(0, 30)) && Date.now() - stableSince > 800) break;
    await page.waitForTimeout(25);
  }
  const ticks = await page.evaluate(() => {
    window.__obs.disconnect();
    return window.__ticks.map((k) => ({ t: k.t - window.__t0, text: k.text }));
  });
  const answered = ticks.filter((k) => !SEARCHING.test(k.text));
  check(answered.length > 0, `no answer streamed for ${question}`);
  return {
    first: Math.round(answered[0].t),
    full: Math.round(answered[answered.length - 1].t),
    updates: answered.length,
    text: lastText,
    bot,
  };
};

const results = {};

// -- first launch ----------------------------------------------------------------------------------
await page.goto(APP_URL, { waitUntil: "domcontentloaded" });
await page.locator("#question textarea").waitFor({ timeout: 60000 });
await page.waitForTimeout(1500);
results.first_view = await page.locator("body").innerText();
check(/Papers · passages indexed: \d+ · \d+/.test(results.first_view.replace(/\s+/g, " ")),
  "stats line shown on first launch");
check(await page.locator("#examples").isVisible(), "English example questions shown");
check(!(await page.locator("#examples-zh").isVisible()), "Chinese example questions hidden in English");
await shot("0-first-launch");

// -- Ask ---------------------------------------------------------------------------------------------
const nover = await ask("How does NOVER avoid an external verifier?");
results.ask_first_ms = nover.first;
results.ask_full_ms = nover.full;
results.ask_stream_updates = nover.updates;
check(nover.text.includes("[1]"), `answer has [1]: ${nover.text}`);
const cite = nover.bot.locator('a.cite, a[href^="#src-"]').first();
check((await cite.count()) === 1, "citation is a link");
const href = await cite.getAttribute("href");
check(/^#src-\d+-1$/.test(href), `citation links into the sources panel (${href})`);
const source = page.locator(`#sources ${href.replace("#", "#")}`);
await source.waitFor({ timeout: 10000 });
check((await source.locator(".src-title").innerText()).length > 10, "source shows a title");
check((await source.locator("mark").count()) >= 1, "source highlights the quoted sentence");
const quote = await source.locator("mark").first().innerText();
check(nover.text.includes(quote.slice(0, 40)), "highlighted quote is the answer's sentence");
await cite.click();
await page.waitForTimeout(400);
check(await source.evaluate((el) => el.classList.contains("flash")), "clicking [1] flashes its source");
// NOVER is an abstract-only record: the page view shows its text with the quote marked.
await page.locator("#page-view .pv mark").first().waitFor({ timeout: 20000 });
check((await page.locator("#page-view").innerText()).includes("No PDF for this paper"), "abstract-only page view");
// A follow-up uses the conversation.
const follow = await ask("What data does it need?");
check(follow.text.length > 20, "follow-up answered");
results.followup_first_ms = follow.first;
results.followup_full_ms = follow.full;
await shot("1-ask");

// -- Search ------------------------------------------------------------------------------------------
await tab("Search");
await page.locator("#query textarea").fill("reward shaping for shorter reasoning");
await page.locator("#search-btn").click();
await page.waitForFunction(() => document.querySelectorAll("#results .virtual-row").length >= 3, null,
  { timeout: 30000 });
const secondTitle = await page.locator('#results [data-testid="cell-1-2"]').innerText();
await page.locator('#results [data-testid="cell-1-2"]').click();
await page.waitForFunction(
  (t) => document.querySelector("#context .src-title")?.innerText.includes(t.slice(0, 30)) &&
    document.querySelector("#context .ctx.focus"),
  secondTitle, { timeout: 20000 },
);
check((await page.locator("#context .ctx").count()) >= 1, "passage shown in context");
results.search_rows = await page.locator("#results .virtual-row").count();
await shot("2-search");

// -- Related -----------------------------------------------------------------------------------------
await tab("Related");
const picker = page.locator("#related-pick input");
await picker.click();
await picker.pressSequentially("NOVER", { delay: 20 });
await page.locator('ul[role="listbox"] li', { hasText: "NOVER" }).first().click();
await page.locator("#related-out .rel").first().waitFor({ timeout: 30000 });
results.related = await page.locator("#related-out .rel").count();
check(results.related >= 3, "related papers listed");
check((await page.locator("#related-out .pair blockquote").count()) >= 2, "matched passage pair shown");
await shot("3-related");

// -- Library: upload a PDF, see it listed, ask about it --------------------------------------------------
await tab("Library");
check((await page.locator("#papers-table").innerText()).includes("Title"), "Library table columns in English");
await page.locator("#upload input[type=file]").setInputFiles(env("UPLOAD_PDF"));
await page.waitForTimeout(1000);
const t0 = Date.now();
await page.locator("#add-btn").click();
await page.locator("#outcomes .out-added").waitFor({ timeout: 120000 });
results.upload_ms = Date.now() - t0;
const title = env("UPLOAD_TITLE");
// Listed: the stats line counts it and the paper pickers offer it.
await page.waitForFunction(() => /indexed:\s*21\s*·/.test(document.querySelector("#stats")?.innerText || ""), null,
  { timeout: 30000 });
const tableSearch = page.locator("#papers-table input");
if (await tableSearch.count()) await tableSearch.first().fill("Lunar");
await page.waitForTimeout(500);
const removePick = page.locator("#remove-pick input");
await removePick.click();
await removePick.pressSequentially("Lunar", { delay: 20 });
await page.locator('ul[role="listbox"] li', { hasText: title }).first().waitFor({ timeout: 10000 });
await page.keyboard.press("Escape");
await shot("4-library");
await tab("Ask");
const uploaded = await ask(env("UPLOAD_QUESTION"));
check(uploaded.text.includes("[1]"), "answer about the uploaded PDF is cited");
const srcTitles = await page.locator("#sources .src-title").allInnerTexts();
check(srcTitles.some((t) => t.includes(title)), `uploaded paper is a source: ${srcTitles}`);
// Click the citation of the uploaded PDF: its page is rendered with the quote's rectangles over it.
const pdfCard = page.locator("#sources article.src", { hasText: title }).first();
const pdfAnchor = await pdfCard.getAttribute("id");
const t1 = Date.now();
await uploaded.bot.locator(`a.cite[href="#${pdfAnchor}"]`).first().click();
const pageImage = page.locator('#page-view .pv-page img[src^="data:image/png"]');
await pageImage.waitFor({ timeout: 30000 });
results.page_view_ms = Date.now() - t1;
check(await pageImage.evaluate((img) => img.complete && img.naturalWidth > 1000), "page image rendered at 150 dpi");
const marks = page.locator("#page-view .pv-hl");
check((await marks.count()) >= 1, "the quote is highlighted on the page");
await page.waitForTimeout(800); // the smooth scroll to the view settles
const boxes = await marks.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON()));
const widest = Math.max(...boxes.map((b) => b.width));
check(widest > 100 && boxes.every((b) => b.height > 5), `highlight has a size on screen: ${JSON.stringify(boxes)}`);
const frame = await page.locator("#page-view .pv-scroll").evaluate((el) => el.getBoundingClientRect().toJSON());
const first = boxes[0];
check(first.top >= frame.top - 1 && first.bottom <= frame.bottom + 1,
  `page scrolled to the highlight: ${JSON.stringify(first)} in ${JSON.stringify(frame)}`);
const pageLabel = await page.locator("#page-view .src-meta").innerText();
results.page_view_label = pageLabel;
check(/page \d+ of \d+/.test(pageLabel), `page number shown: ${pageLabel}`);
await shot("4b-page-view");
const [, shownPage, pageCount] = /page (\d+) of (\d+)/.exec(pageLabel).map(Number);
const forward = shownPage < pageCount;
await page.locator(forward ? "#page-next" : "#page-prev").click();
await page.waitForFunction((n) => document.querySelector("#page-view .src-meta")?.innerText.includes(`page ${n} of`),
  forward ? shownPage + 1 : shownPage - 1, { timeout: 20000 });
// Export the answer as Markdown: a file is offered for download.
await page.locator("#export-md").click();
await page.locator('#export-file a[href*="answer.md"], #export-file a[download]').first().waitFor({ timeout: 20000 });
const pdfLink = page.locator("#sources .src a.pdf").first();
check((await pdfLink.count()) === 1, "uploaded PDF passage links to its page");
results.uploaded_pdf_link = await pdfLink.getAttribute("href");
const linked = await page.request.get(new URL(results.uploaded_pdf_link, APP_URL).href);
check(linked.ok() && (await linked.body()).subarray(0, 5).toString() === "%PDF-", "PDF link serves the PDF");

// -- Hostile paper text stays text ------------------------------------------------------------------------
const hostile = await ask(env("HOSTILE_QUESTION"));
await page.waitForTimeout(500);
const pwned = await page.evaluate(() => window.__pwned);
check(pwned === undefined, `hostile paper text executed (window.__pwned=${pwned})`);
const panel = await page.locator("#sources").innerText();
check(panel.includes("<script>"), "hostile <script> shown as literal text in sources");
check(hostile.text.includes("[x](javascript:") || panel.includes("[x](javascript:"), "markdown link kept literal");
check((await page.locator('#sources script, #chat script, #sources img, #chat img[src="x"]').count()) === 0,
  "no element injected");
check((await page.locator('a[href^="javascript:"]').count()) === 0, "no javascript: link");
await shot("5-hostile");

// Search results show the hostile title as text too.
await tab("Search");
await page.locator("#query textarea").fill("quantum banana ripening");
await page.locator("#search-btn").click();
await page.waitForFunction(() => document.querySelector('#results [data-testid="cell-0-2"]')?.innerText
  .includes("<script>"), null, { timeout: 30000 });
check((await page.evaluate(() => window.__pwned)) === undefined, "search table did not execute paper text");

// -- The app in Chinese: the language toggle (Settings, in the footer) turns every label Chinese, and a
// Chinese question's answer is framed in Chinese (the quoted sentences stay in the paper's words).
await tab("Ask");
await page.getByRole("button", { name: "Settings" }).click();
await page.locator('input[aria-label="Language"]').click();
await page.locator('ul[role="listbox"] li[aria-label="简体中文"]').click();
await page.locator('button:has(svg[viewBox="0 0 5 5"])').first().click(); // closes the settings panel
const zhLabels = { tabs: ["提问", "搜索", "相关论文", "论文库"], buttons: ["提问", "清空"] };
await page.getByRole("tab", { name: "论文库" }).waitFor({ timeout: 10000 });
for (const name of zhLabels.tabs) check(await page.getByRole("tab", { name }).count() === 1, `tab ${name} shown`);
check((await page.locator("#ask-btn").innerText()).includes("提问"), "the Ask button reads 提问");
check((await page.locator("#question textarea").getAttribute("placeholder")) === "就你的论文提问…", "placeholder");
check(/论文 · 已索引段落：\s*21/.test(await page.locator("#stats").innerText()), "stats line in Chinese");
check(!(await page.locator("body").innerText()).includes("Passages to read"), "no English sidebar label left");
const zh = await ask("NOVER 如何避免使用外部验证器？");
check(!/[Ss]ources|Closest passages/.test(await page.locator("#sources h3").innerText()), "panel heading not English");
check(/来源|最接近的段落/.test(await page.locator("#sources h3").innerText()), "sources panel framed in Chinese");
check((await page.locator("#sources .panel-q").innerText()).startsWith("问题："), "panel names the question in Chinese");
results.zh_answer = zh.text.slice(0, 200);
await shot("6-chinese");

// Text the server builds follows the page's language too. Example questions:
check(await page.locator("#examples-zh").isVisible(), "Chinese example questions shown");
check(!(await page.locator("#examples").isVisible()), "English example questions hidden");
check(/是如何工作的|解决了什么问题|报告了哪些结果|提出了什么/.test(await page.locator("#examples-zh").innerText()),
  "example questions in Chinese");
// The page view of the uploaded PDF (an answer of before the switch): "第 n 页，共 m 页".
await uploaded.bot.locator(`a.cite[href="#${pdfAnchor}"]`).first().click();
await page.waitForFunction(() => /第 \d+ 页，共 \d+ 页/.test(document.querySelector("#page-view .src-meta")?.innerText || ""),
  null, { timeout: 20000 });
const zhPageLabel = await page.locator("#page-view .src-meta").innerText();
check(!/page \d+ of/.test(zhPageLabel) && zhPageLabel.includes("文件"), `page view in Chinese: ${zhPageLabel}`);
const [, zhShown] = /第 (\d+) 页，共 (\d+) 页/.exec(zhPageLabel).map(Number);
await page.locator(zhShown > 1 ? "#page-prev" : "#page-next").click();
await page.waitForFunction((n) => (document.querySelector("#page-view .src-meta")?.innerText || "").includes(`第 ${n} 页`),
  zhShown > 1 ? zhShown - 1 : zhShown + 1, { timeout: 20000 });
results.zh_page_view_label = zhPageLabel;
// Export before any answer: the warning pops up in Chinese.
await page.locator("button", { hasText: "清空" }).first().click();
await page.locator("#export-md").click();
await page.getByText("请先提问：导出的是最近一次的回答。").first().waitFor({ timeout: 10000 });
check((await page.getByText("Ask a question first").count()) === 0, "no English export warning");
// Search: the status line and the table's columns.
await tab("搜索");
await page.locator("#query textarea").fill("reward shaping for shorter reasoning");
await page.locator("#search-btn").click();
await page.waitForFunction(() => /\d+ 个段落/.test(document.querySelector("#search-status")?.innerText || ""), null,
  { timeout: 30000 });
const zhResults = await page.locator("#results").innerText();
check(zhResults.includes("论文") && zhResults.includes("得分") && !zhResults.includes("Passage"),
  "search table columns in Chinese");
// Library: its table's columns, and the outcome badges of an upload (one new PDF, one already indexed).
await tab("论文库");
await page.waitForFunction(() => (document.querySelector("#papers-table")?.innerText || "").includes("标题"), null,
  { timeout: 20000 });
await page.locator("#upload input[type=file]").setInputFiles([env("UPLOAD_PDF_ZH"), env("UPLOAD_PDF")]);
await page.waitForTimeout(1000);
await page.locator("#add-btn").click();
await page.locator("#outcomes .out-added").waitFor({ timeout: 120000 });
await page.locator("#outcomes .out-unchanged").waitFor({ timeout: 120000 });
const badges = await page.locator("#outcomes .badge").allInnerTexts();
results.zh_upload_badges = badges;
check(badges.length === 2 && badges.includes("已添加") && badges.includes("已在论文库中"), `badges: ${badges}`);
check((await page.locator("#outcomes .out-added .detail").innerText()).includes("个段落"), "added detail in Chinese");
check(!/added|already in library|passages/.test(await page.locator("#outcomes").innerText()), "no English outcome");
await shot("7-chinese-library");

// ... and a browser whose language is Chinese gets the Chinese labels without touching the toggle.
const zhBrowser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const zhPage = await (await zhBrowser.newContext({ locale: "zh-CN" })).newPage();
await zhPage.goto(APP_URL, { waitUntil: "domcontentloaded" });
await zhPage.getByRole("tab", { name: "论文库" }).waitFor({ timeout: 60000 });
check((await zhPage.locator("#ask-btn").innerText()).includes("提问"), "zh-CN browser: the Ask button reads 提问");
check(await zhPage.locator("#examples-zh").isVisible(), "zh-CN browser: Chinese example questions");
await zhPage.getByRole("tab", { name: "论文库" }).click();
await zhPage.waitForFunction(() => (document.querySelector("#papers-table")?.innerText || "").includes("标题"), null,
  { timeout: 20000 });
await zhBrowser.close();

results.external_requests = external;
check(external.length === 0, `page fetched from outside the app: ${external.slice(0, 5)}`);
results.page_errors = consoleErrors;
results.screenshots = shots;
delete results.first_view;
await context.close();
console.log(JSON.stringify(results));
