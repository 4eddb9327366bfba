// Lists for thumbs and the global search (issue 17): the filter sheet, a card's actions
// (long-press, swipe left or the ⋯ button open them in a bottom sheet), and the search
// drop-down closing. Infinite scroll and the chips are plain HTMX attributes in the templates.
(function () {
  "use strict";

  var LONG_PRESS_MS = 500;
  var SWIPE_PX = 60;
  document.documentElement.classList.add("js");

  // ---- the global search's drop-down
  function closeSuggest() {
    var box = document.getElementById("search-suggest");
    if (box) box.innerHTML = "";
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closeSuggest();
      closeActions();
      closeFilters();
    }
  });

  // ---- the filter sheet
  function backdrop() { return document.querySelector(".sheet-backdrop"); }
  function openFilters() {
    var sheet = document.getElementById("filter-sheet");
    if (!sheet) return;
    sheet.classList.add("open");
    if (backdrop()) backdrop().hidden = false;
    var button = document.querySelector(".filter-open");
    if (button) button.setAttribute("aria-expanded", "true");
  }
  function closeFilters() {
    var sheet = document.getElementById("filter-sheet");
    if (!sheet || !sheet.classList.contains("open")) return;
    sheet.classList.remove("open");
    if (backdrop()) backdrop().hidden = true;
    var button = document.querySelector(".filter-open");
    if (button) button.setAttribute("aria-expanded", "false");
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    // a filter changed updates the list behind the sheet; 查看结果 (the submit) closes it
    var trigger = event.detail && event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (event.target && event.target.id === "list-form" && trigger && trigger.type === "submit") closeFilters();
  });

  // ---- a card's actions
  function openActions(row) {
    var source = row.querySelector(".row-actions");
    var sheet = document.getElementById("action-sheet");
    if (!source || !sheet) return;
    var body = sheet.querySelector(".action-sheet-body");
    body.innerHTML = source.innerHTML;
    // flow.js reads the called record from the nearest [data-doctype][data-name]
    sheet.dataset.doctype = row.dataset.doctype || "";
    sheet.dataset.name = row.dataset.name || "";
    sheet.querySelector(".action-sheet-title").textContent = source.dataset.title || "";
    sheet.hidden = false;
    if (backdrop()) backdrop().hidden = false;
    if (window.htmx) window.htmx.process(body);
    var first = body.querySelector("a, button");
    if (first) first.focus();
  }
  function closeActions() {
    var sheet = document.getElementById("action-sheet");
    if (!sheet || sheet.hidden) return;
    sheet.hidden = true;
    sheet.querySelector(".action-sheet-body").innerHTML = "";
    if (backdrop()) backdrop().hidden = !document.querySelector(".filter-sheet.open");
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    if (!target.closest(".topbar .search")) closeSuggest();
    if (target.closest(".filter-open")) { openFilters(); return; }
    if (target.closest(".sheet-close")) { closeFilters(); return; }
    if (target.closest(".sheet-backdrop")) { closeFilters(); closeActions(); return; }
    if (target.closest(".action-sheet-cancel")) { closeActions(); return; }
    var more = target.closest(".card-more");
    if (more) { openActions(more.closest(".list-row")); return; }
    if (suppressClick) { event.preventDefault(); suppressClick = false; }
  }, true);
  // A "set" action's form posts from the sheet; once answered (row swapped or refusal
  // toasted) the sheet has done its job. It must stay in the page until then.
  document.addEventListener("htmx:afterRequest", function (event) {
    var sheet = document.getElementById("action-sheet");
    if (sheet && event.detail.successful && sheet.contains(event.detail.elt)) closeActions();
  });

  // Long-press (touch or mouse) and swipe-left on a card open its actions.
  var pressTimer = null;
  var start = null;
  var suppressClick = false;
  function rowWithActions(target) {
    var row = target.closest && target.closest(".list-row");
    return row && row.querySelector(".row-actions") ? row : null;
  }
  function cancelPress() {
    if (pressTimer) clearTimeout(pressTimer);
    pressTimer = null;
    if (start && start.row) start.row.classList.remove("pressed");
  }
  document.addEventListener("pointerdown", function (event) {
    suppressClick = false;
    var row = rowWithActions(event.target);
    if (!row || event.target.closest("input, .card-more")) return;
    start = { x: event.clientX, y: event.clientY, row: row };
    row.classList.add("pressed");
    pressTimer = setTimeout(function () {
      pressTimer = null;
      row.classList.remove("pressed");
      suppressClick = true; // the click that ends a long-press must not open the record
      openActions(row);
    }, LONG_PRESS_MS);
  });
  document.addEventListener("pointermove", function (event) {
    if (!start) return;
    var dx = event.clientX - start.x;
    var dy = event.clientY - start.y;
    if (Math.abs(dx) > 10 || Math.abs(dy) > 10) cancelPress();
    if (dx < -SWIPE_PX && Math.abs(dy) < SWIPE_PX / 2) {
      var row = start.row;
      start = null;
      suppressClick = true;
      openActions(row);
    }
  });
  ["pointerup", "pointercancel"].forEach(function (name) {
    document.addEventListener(name, function () { cancelPress(); start = null; });
  });
  document.addEventListener("contextmenu", function (event) {
    // a long-press on a phone also raises the context menu: the card's sheet replaces it
    if (rowWithActions(event.target) && !event.target.closest("a.tel")) event.preventDefault();
  });
})();
