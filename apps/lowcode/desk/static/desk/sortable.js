// Drag to reorder, on phones and computers (SortableJS, mouse and touch): any [data-sortable]
// list whose items are [data-sort-item] with a .drag-handle.
// The handle also moves its item with ↑/↓, so the order never depends on dragging.
// After a move the page renumbers: inputs named <table>.<n>.<field> get their new n, .row-no
// shows 1..N, a textarea the list mirrors ([data-sortable-lines]) gets its lines in the new
// order, and "sortable:end" bubbles from the list for page scripts. Saving is the form's job.
(function () {
  "use strict";
  const script = document.currentScript;
  const handleLabel = (script && script.dataset.handleLabel) || "⇅";

  function items(list) {
    return Array.from(list.querySelectorAll(":scope > [data-sort-item]"));
  }

  function renumber(list) {
    items(list).forEach((item, index) => {
      item.querySelectorAll("[name]").forEach((input) => {
        input.name = input.name.replace(/^([^.]+)\.(\d+)\./, "$1." + index + ".");
      });
      if (item.id) item.id = item.id.replace(/-(\d+)$/, "-" + index);
      const number = item.querySelector(".row-no");
      if (number) number.textContent = String(index + 1);
    });
    const area = list.dataset.sortableLines ? document.getElementById(list.dataset.sortableLines) : null;
    if (area) {
      area.value = items(list).map((item) => item.dataset.line).join("\n");
      list.dataset.source = area.value;
      area.dispatchEvent(new Event("change", { bubbles: true }));
    }
    list.dispatchEvent(new CustomEvent("sortable:end", { bubbles: true }));
  }

  function attach(list) {
    if (list.dataset.sortableReady || typeof Sortable === "undefined") return;
    list.dataset.sortableReady = "1";
    Sortable.create(list, {
      handle: ".drag-handle",
      draggable: "[data-sort-item]",
      animation: 150,
      // Only the handle starts a drag (touch-action: none), so a finger elsewhere still scrolls
      // the page and no press-and-hold delay is needed.
      touchStartThreshold: 4,
      // The same pointer-driven drag for mouse and finger (not the browser's HTML5 drag and
      // drop, which a button handle inside a form does not start reliably).
      forceFallback: true,
      ghostClass: "sort-ghost",
      chosenClass: "sort-chosen",
      onEnd: (event) => {
        if (event.oldIndex !== event.newIndex) renumber(list);
      },
    });
  }

  function handle() {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "drag-handle";
    button.setAttribute("aria-label", handleLabel);
    button.title = handleLabel;
    button.innerHTML = '<span aria-hidden="true">⠿</span>';
    return button;
  }

  // A textarea of one value per line (a Select's options) shown as a list to drag; the textarea
  // stays the form's input and is rewritten after each move.
  function mirrorLines(area) {
    if (!area.id) return;
    let list = document.querySelector('[data-sortable-lines="' + area.id + '"]');
    if (!list) {
      list = document.createElement("ol");
      list.className = "sort-list sort-lines";
      list.dataset.sortable = "";
      list.dataset.sortableLines = area.id;
      area.insertAdjacentElement("afterend", list);
    }
    // Rebuilt only when the text changed: htmx settles (a preview refresh) must not pull the
    // items from under a finger mid-drag.
    if (list.dataset.source === area.value) return;
    list.dataset.source = area.value;
    const lines = area.value.split("\n").map((line) => line.trim()).filter(Boolean);
    list.innerHTML = "";
    lines.forEach((line, index) => {
      const item = document.createElement("li");
      item.className = "sort-item";
      item.dataset.sortItem = "";
      item.dataset.line = line;
      const number = document.createElement("span");
      number.className = "row-no";
      number.setAttribute("aria-hidden", "true");
      number.textContent = String(index + 1);
      const text = document.createElement("span");
      text.className = "sort-title";
      text.textContent = line;
      item.append(handle(), number, text);
      list.appendChild(item);
    });
    list.hidden = lines.length < 2;
    attach(list);
  }

  document.addEventListener("keydown", (event) => {
    const button = event.target.closest && event.target.closest(".drag-handle");
    if (!button || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    const item = button.closest("[data-sort-item]");
    const list = item && item.parentElement;
    if (!list) return;
    const up = event.key === "ArrowUp";
    const other = up ? item.previousElementSibling : item.nextElementSibling;
    event.preventDefault();
    if (!other || !other.matches("[data-sort-item]")) return;
    list.insertBefore(up ? item : other, up ? other : item);
    button.focus();
    renumber(list);
  });

  document.addEventListener("input", (event) => {
    if (event.target.matches && event.target.matches("textarea[data-sortable-lines]")) mirrorLines(event.target);
  });

  function init(root) {
    root.querySelectorAll("textarea[data-sortable-lines]").forEach(mirrorLines);
    root.querySelectorAll("[data-sortable]").forEach(attach);
  }
  window.deskSortable = { init: init, mirrorLines: mirrorLines, renumber: renumber };
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSettle", () => init(document));
})();
