// System Manager editors (workflows, rules, scripts): rows added and removed on the page,
// state names offered to transitions, line numbers beside the script. Forms work without it.
(function () {
  "use strict";

  // ---------------------------------------------------------------- repeatable rows
  function renumber(list) {
    const table = list.dataset.table;
    list.querySelectorAll(":scope > [data-row]").forEach((row, index) => {
      row.querySelectorAll("[name]").forEach((input) => {
        input.name = input.name.replace(/^([^.]+)\.(\d+|__i__)\./, "$1." + index + ".");
      });
      if (row.id) row.id = row.id.replace(/-(\d+|__i__)$/, "-" + index);
      const number = row.querySelector(".row-no");
      if (number) number.textContent = String(index + 1);
    });
    const section = list.closest("section");
    const count = section && section.querySelector("h2 .count");
    if (count) count.textContent = String(list.querySelectorAll(":scope > [data-row]").length);
    if (table === "states") refreshStateNames(list.closest("form"));
  }

  document.addEventListener("click", (event) => {
    const add = event.target.closest(".row-add");
    if (add) {
      const section = add.closest("section");
      const list = section.querySelector(".editor-rows");
      const row = section.querySelector("template.row-template").content.firstElementChild.cloneNode(true);
      list.appendChild(row);
      renumber(list);
      const details = row.querySelector("details");
      if (details) details.open = true;
      const first = row.querySelector("input:not([type=hidden]), select");
      if (first) first.focus();
      return;
    }
    const remove = event.target.closest(".row-remove");
    if (remove) {
      const list = remove.closest(".editor-rows");
      remove.closest("[data-row]").remove();
      renumber(list);
    }
  });

  // ---------------------------------------------------------------- workflow: state names for transitions
  function refreshStateNames(form) {
    if (!form) return;
    const list = form.querySelector("#wf-state-names");
    if (!list) return;
    list.innerHTML = "";
    form.querySelectorAll(".wf-state-name").forEach((input) => {
      if (!input.value.trim() || input.closest("template")) return;
      const option = document.createElement("option");
      option.value = input.value.trim();
      list.appendChild(option);
    });
  }
  document.addEventListener("input", (event) => {
    if (event.target.classList.contains("wf-state-name")) refreshStateNames(event.target.closest("form"));
  });

  // ---------------------------------------------------------------- script: line numbers
  function renderGutter(editor) {
    const area = editor.querySelector("textarea");
    const gutter = editor.querySelector(".code-gutter");
    if (!area || !gutter) return;
    const bad = new Set((editor.dataset.errorLines || "").split(",").filter(Boolean).map(Number));
    const lines = area.value.split("\n").length;
    if (gutter.childElementCount !== lines || gutter.dataset.marked !== (editor.dataset.errorLines || "")) {
      gutter.dataset.marked = editor.dataset.errorLines || "";
      gutter.innerHTML = "";
      for (let i = 1; i <= lines; i += 1) {
        const line = document.createElement("span");
        line.textContent = String(i);
        if (bad.has(i)) line.className = "bad";
        gutter.appendChild(line);
      }
    }
    gutter.scrollTop = area.scrollTop;
  }
  function initCode(root) {
    const check = root.querySelector("#script-check");
    root.querySelectorAll(".code-editor").forEach((editor) => {
      if (check) {
        editor.dataset.errorLines = check.dataset.errorLines || "";
        editor.classList.toggle("has-error", Boolean(check.dataset.errorLines));
      }
      renderGutter(editor);
      if (editor.dataset.ready) return;
      editor.dataset.ready = "1";
      const area = editor.querySelector("textarea");
      area.addEventListener("input", () => renderGutter(editor));
      area.addEventListener("scroll", () => (editor.querySelector(".code-gutter").scrollTop = area.scrollTop));
      area.addEventListener("keydown", (event) => {
        // Tab indents (four spaces) instead of leaving the field; Escape then Tab leaves it.
        if (event.key !== "Tab" || event.shiftKey || editor.dataset.escaped) return;
        event.preventDefault();
        const start = area.selectionStart;
        area.setRangeText("    ", start, area.selectionEnd, "end");
        renderGutter(editor);
      });
      area.addEventListener("keyup", (event) => {
        if (event.key === "Escape") editor.dataset.escaped = "1";
      });
      area.addEventListener("blur", () => delete editor.dataset.escaped);
    });
  }
  document.addEventListener("click", (event) => {
    const jump = event.target.closest("[data-goto-line]");
    if (!jump) return;
    const editor = document.querySelector(".code-editor");
    const area = editor && editor.querySelector("textarea");
    if (!area) return;
    event.preventDefault();
    const wanted = Number(jump.dataset.gotoLine);
    const lines = area.value.split("\n");
    let offset = 0;
    for (let i = 0; i < wanted - 1 && i < lines.length; i += 1) offset += lines[i].length + 1;
    area.focus();
    area.setSelectionRange(offset, offset + (lines[wanted - 1] || "").length);
    const height = parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (wanted - 3) * height);
  });

  // ---------------------------------------------------------------- workflow diagram: start at the first state
  function centreDiagram(root) {
    const box = root.querySelector("#wf-diagram");
    const first = box && box.querySelector(".wf-node rect");
    if (!first || box.scrollWidth <= box.clientWidth) return;
    const centre = Number(first.getAttribute("x")) + Number(first.getAttribute("width")) / 2;
    box.scrollLeft = Math.max(0, centre - box.clientWidth / 2);
  }

  function init(root) {
    initCode(root);
    centreDiagram(root);
  }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSettle", () => init(document));
})();
