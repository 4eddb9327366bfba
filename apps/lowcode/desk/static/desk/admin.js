// System Manager screens: drag to reorder fields (SortableJS, on computers), a Select's option
// rows (value + Chinese label; dragged by desk/sortable.js, phones too), filter pick lists,
// copy a secret, bring the field editor into view. Every action also works without this file.
(function () {
  "use strict";

  function initSortable(root) {
    const table = root.querySelector("#cf-fields");
    if (!table || typeof Sortable === "undefined") return;
    if (!window.matchMedia("(min-width: 900px) and (pointer: fine)").matches) return;
    const body = table.querySelector("tbody");
    if (body.dataset.sortable) return;
    body.dataset.sortable = "1";
    Sortable.create(body, {
      handle: ".cf-handle",
      draggable: ".cf-row",
      animation: 150,
      onEnd: (event) => {
        if (event.oldIndex === event.newIndex) return;
        const order = Array.from(body.querySelectorAll(".cf-row")).map((row) => row.dataset.field);
        htmx.ajax("POST", table.dataset.orderUrl, {
          values: { order_json: JSON.stringify(order) },
          target: "#cf-workspace",
          swap: "innerHTML",
        });
      },
    });
  }

  // A pick list filtered as you type (DocType pickers).
  document.addEventListener("input", (event) => {
    const input = event.target.closest("[data-filter-list]");
    if (!input) return;
    const text = input.value.trim().toLowerCase();
    document.querySelectorAll(input.dataset.filterList + " li").forEach((item) => {
      item.hidden = text !== "" && (item.dataset.text || item.textContent).toLowerCase().indexOf(text) < 0;
    });
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".copy-btn");
    if (!button) return;
    const source = document.querySelector(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(() => {
      if (window.deskToast) window.deskToast(button.dataset.done || "✓", "green");
    });
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target && target.id === "cf-editor" && target.firstElementChild) {
      target.scrollIntoView({ behavior: "smooth", block: "start" });
      const first = target.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus({ preventScroll: true });
    }
  });

  // A Select's options are rows (value + Chinese label) dragged into order by desk/sortable.js,
  // on phones too; here rows are added and removed. The add form shows the rows for a Select
  // and the options textarea for other types (a Link's DocType); the hidden one posts nothing.
  function optionTypeChanged(form) {
    const type = form.querySelector('[name="fieldtype"]');
    const rows = form.querySelector("[data-option-rows]");
    const area = form.querySelector('textarea[name="options"]');
    if (!type || !rows || !area) return;
    const select = type.value === "Select";
    rows.hidden = !select;
    rows.querySelectorAll("input").forEach((input) => { input.disabled = !select; });
    const box = area.closest(".field");
    box.hidden = select;
    area.disabled = select;
  }

  function initOptionRows(root) {
    root.querySelectorAll("#cf-add-form").forEach(optionTypeChanged);
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches('#cf-add-form [name="fieldtype"]')) optionTypeChanged(event.target.form);
  });

  document.addEventListener("click", (event) => {
    const add = event.target.closest("[data-option-rows] .opt-add");
    const remove = event.target.closest("[data-option-rows] .opt-remove");
    if (!add && !remove) return;
    const box = (add || remove).closest("[data-option-rows]");
    const list = box.querySelector(".opt-list");
    if (add) {
      const row = box.querySelector("template.opt-template").content.firstElementChild.cloneNode(true);
      list.appendChild(row);
      if (window.deskSortable) window.deskSortable.renumber(list);
      row.querySelector(".opt-label").focus();
    } else {
      const row = remove.closest("[data-sort-item]");
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      if (window.deskSortable) window.deskSortable.renumber(list);
      if (next) next.querySelector(".opt-label").focus();
      else box.querySelector(".opt-add").focus();
    }
  });

  // Customize Form on a phone: each section folds to one line (a DocType's 60-100 fields were
  // 8,000-11,000 px of cards), "add a field here" fills Insert After and goes to the form.
  const PHONE = "(max-width: 899px)";
  const openSections = new Set();

  function setSection(table, section, open) {
    table.querySelectorAll(`.cf-row[data-section="${section}"]`).forEach((row) => {
      row.classList.toggle("cf-open", open);
    });
    const button = table.querySelector(`.cf-sec-toggle[data-section="${section}"]`);
    if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) openSections.add(section); else openSections.delete(section);
  }

  function initSections(root) {
    const table = root.querySelector("#cf-fields");
    if (!table || table.dataset.folding || !window.matchMedia(PHONE).matches) return;
    table.dataset.folding = "1";
    table.classList.add("cf-foldable");
    const editing = table.querySelector(".cf-row.cf-editing");
    if (editing) openSections.add(editing.dataset.section);
    table.querySelectorAll(".cf-section-head").forEach((head) => {
      setSection(table, head.dataset.section, openSections.has(head.dataset.section));
    });
    const preview = root.querySelector("details.cf-preview-fold");
    if (preview && !preview.dataset.folded) {
      preview.dataset.folded = "1";
      preview.open = false;
    }
  }

  document.addEventListener("click", (event) => {
    const toggle = event.target.closest(".cf-sec-toggle");
    if (toggle) {
      const table = toggle.closest("#cf-fields");
      setSection(table, toggle.dataset.section, toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    const here = event.target.closest(".cf-add-here");
    if (!here) return;
    const after = document.getElementById("cf-add-insert_after");
    const label = document.getElementById("cf-add-label");
    if (!after || !label) return;
    event.preventDefault();
    after.value = here.dataset.after;
    // the new field lands in this section: keep it open to show it after the add
    const head = here.closest(".cf-section-head");
    if (head && head.closest("#cf-fields.cf-foldable")) {
      setSection(head.closest("#cf-fields"), head.dataset.section, true);
    }
    document.getElementById("cf-add").scrollIntoView({ behavior: "smooth", block: "start" });
    label.focus({ preventScroll: true });
  });

  function init(root) { initSortable(root); initOptionRows(root); initSections(root); }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSettle", () => init(document));
})();
