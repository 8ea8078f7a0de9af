// papers web app: a citation [n] in an answer scrolls the Sources panel to its passage and flashes it,
// and, like a click on a source card, opens the cited page in the page view (scrolled to the highlight).
const showPage = (id) => {
  const match = /^src-(\d+)-(\d+)$/.exec(id || "");
  const box = document.querySelector("#page-request textarea, #page-request input");
  const go = document.querySelector("#page-go");
  if (!match || !box || !go) return;
  box.value = `${match[1]}:${match[2]}`;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  setTimeout(() => go.click(), 0);
};

// When a new page arrives, scroll its frame to the first highlight (or to the top of the page).
let pageObserver = null;
const watchPageView = () => {
  const view = document.querySelector("#page-view");
  if (!view || pageObserver) return;
  let last = "";
  pageObserver = new MutationObserver(() => {
    const page = view.querySelector(".pv-page");
    const key = page ? page.dataset.key : "";
    if (!page || key === last) return;
    last = key;
    const frame = view.querySelector(".pv-scroll");
    const img = page.querySelector("img");
    const scroll = () => {
      const mark = page.querySelector(".pv-hl");
      if (frame) frame.scrollTop = mark ? Math.max(0, mark.offsetTop - frame.clientHeight / 3) : 0;
    };
    if (img && !img.complete) img.addEventListener("load", scroll, { once: true });
    else scroll();
    view.scrollIntoView({ behavior: "smooth", block: "nearest" });
  });
  pageObserver.observe(view, { subtree: true, childList: true });
};

document.addEventListener("click", (event) => {
  const a = event.target.closest && event.target.closest('a.cite, a[href^="#src-"]');
  if (!a) {
    const card = event.target.closest && event.target.closest("#sources article.src[id]");
    if (card && !event.target.closest("a")) {
      watchPageView();
      showPage(card.id);
    }
    return;
  }
  const id = (a.getAttribute("href") || "").slice(1);
  const target = id && document.getElementById(id);
  event.preventDefault();
  event.stopPropagation();
  watchPageView();
  showPage(id);
  if (!target) return;
  target.scrollIntoView({ behavior: "smooth", block: "nearest" });
  target.classList.add("flash");
  setTimeout(() => target.classList.remove("flash"), 1600);
}, true);

// Gradio's i18n sets <html lang> when the language changes (Settings): text the server builds (the tables'
// column names) is asked for again in the new language.
let shownLang = document.documentElement.lang;
new MutationObserver(() => {
  const lang = document.documentElement.lang;
  const relabel = document.querySelector("#page-lang-changed");
  if (lang !== shownLang && relabel) relabel.click();
  shownLang = lang;
}).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
