// A record read first on a phone: 编辑 opens the form under its summary card (no page load).
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const edit = event.target.closest(".record-edit");
    if (!edit) return;
    const form = edit.closest("form");
    form.classList.remove("reading");
    edit.closest(".record-summary").hidden = true;
    const first = form.querySelector(".tab-pane:not([hidden]) input:not([type=hidden]):not([readonly]), .tab-pane:not([hidden]) select, .tab-pane:not([hidden]) textarea");
    if (first) first.focus({ preventScroll: true });
    form.scrollIntoView({ block: "start" });
  });
})();

// A Link cell of a child row searches as a Link field does (/app/_link: names and titles the
// reader may see, e.g. a product found by 车床) and shows the chosen record's title.
(function () {
  "use strict";
  let seq = 0;
  const timers = new WeakMap();
  function listOf(input) {
    if (!input.list) {
      const list = document.createElement("datalist");
      list.id = "dl-cell-" + ++seq;
      input.after(list);
      input.setAttribute("list", list.id);
    }
    return input.list;
  }
  function showTitle(input) {
    const title = input.parentElement.querySelector(".cell-title");
    if (!title) return;
    const chosen = input.list && Array.from(input.list.options).find((o) => o.value === input.value);
    if (chosen) title.textContent = chosen.textContent === input.value ? "" : chosen.textContent;
    else if (input.value !== input.defaultValue) title.textContent = "";
    title.hidden = !title.textContent;
  }
  function search(input) {
    const list = listOf(input);
    const url = "/app/_link?doctype=" + encodeURIComponent(input.dataset.doctype) + "&q=" + encodeURIComponent(input.value);
    fetch(url, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .then((html) => {
        list.innerHTML = html;
        showTitle(input);
      });
  }
  document.addEventListener("focusin", (event) => {
    const input = event.target.closest && event.target.closest(".link-cell");
    if (input && !input.readOnly && !input.list) search(input);
  });
  document.addEventListener("input", (event) => {
    const input = event.target.closest && event.target.closest(".link-cell");
    if (!input || input.readOnly) return;
    showTitle(input);
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(() => search(input), 250));
  });
})();
