// A report's filters as a bottom sheet on a phone (report.css): 筛选 opens it, ✕, the backdrop
// or Escape close it. It opens by itself when a required filter is missing.
(function () {
  "use strict";
  const sheet = document.getElementById("report-filters");
  const opener = document.getElementById("report-filters-open");
  if (!sheet || !opener) return;
  let backdrop = null;

  function set(open) {
    sheet.classList.toggle("open", open);
    opener.setAttribute("aria-expanded", String(open));
    if (open && !backdrop) {
      backdrop = document.createElement("div");
      backdrop.className = "report-sheet-backdrop";
      backdrop.addEventListener("click", () => set(false));
      sheet.before(backdrop);
    } else if (!open && backdrop) {
      backdrop.remove();
      backdrop = null;
      opener.focus();
    }
  }

  opener.addEventListener("click", () => set(!sheet.classList.contains("open")));
  sheet.querySelectorAll("[data-close-sheet]").forEach((button) => button.addEventListener("click", () => set(false)));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && sheet.classList.contains("open")) set(false);
  });
  if (sheet.classList.contains("open") && opener.offsetParent !== null) set(true);
})();
