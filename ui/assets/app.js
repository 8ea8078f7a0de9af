// papers web app: a citation [n] in an answer scrolls the Sources panel to its passage and flashes it.
document.addEventListener("click", (event) => {
  const a = event.target.closest && event.target.closest('a.cite, a[href^="#src-"]');
  if (!a) return;
  const id = (a.getAttribute("href") || "").slice(1);
  const target = id && document.getElementById(id);
  event.preventDefault();
  event.stopPropagation();
  if (!target) return;
  target.scrollIntoView({ behavior: "smooth", block: "nearest" });
  target.classList.add("flash");
  setTimeout(() => target.classList.remove("flash"), 1600);
}, true);
