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
