// The DocType form (desk/lib/doctype_editor.py): a field's options follow its type, field
// names and the DocType's name are filled from labels, the title / naming field pickers follow
// the fields entered, a new child table is made in a dialog, removing a stored field warns that
// its data goes, and deleting asks for the DocType's name.
(function () {
  "use strict";
  if (window.__doctypeEditor) return; // the form area is swapped by HTMX; listeners stay
  window.__doctypeEditor = true;

  const TABLE_TYPES = ["Table", "Table MultiSelect"];
  const LAYOUT_TYPES = ["Section Break", "Column Break", "Tab Break"];
  const LINES_TYPES = ["Select"];

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function strings() {
    const node = document.getElementById("dt-strings");
    return node ? node.dataset : {};
  }
  function fieldsTable() {
    return document.querySelector('#doc-form .child-table[data-table="fields"]');
  }
  function cell(row, column) {
    return row.querySelector('[name$=".' + column + '"]:not([disabled])');
  }

  // ---------------------------------------------------------------- options follow the type
  function syncOptions(row) {
    const type = (cell(row, "fieldtype") || {}).value || "Data";
    const box = row.querySelector(".dt-options");
    if (!box) return;
    const show = (node, on) => {
      if (!node) return;
      node.hidden = !on;
      if (node.matches("select, textarea, input")) node.disabled = !on;
    };
    show(box.querySelector(".dt-opt-link"), type === "Link");
    show(box.querySelector(".dt-opt-table"), TABLE_TYPES.includes(type));
    show(box.querySelector(".dt-new-child"), TABLE_TYPES.includes(type));
    show(box.querySelector(".dt-opt-lines"), LINES_TYPES.includes(type));
    show(box.querySelector(".dt-opt-json"), LINES_TYPES.includes(type));
    optionRows(row, LINES_TYPES.includes(type));
    show(box.querySelector(".dt-opt-dynamic"), type === "Dynamic Link");
    show(
      box.querySelector(".dt-opt-none"),
      !["Link", "Dynamic Link", ...TABLE_TYPES, ...LINES_TYPES].includes(type)
    );
  }

  // ---------------------------------------------------------------- a Select's option rows
  // The options textarea (one value a line) becomes rows of value + Chinese label, dragged
  // into order by desk/sortable.js; the rows are posted as JSON (<table>.<n>.option_rows) and
  // the engine writes the values as options and the labels as Translation records.
  function jsonOf(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }
  function composeOptions(box) {
    const rows = Array.from(box.querySelectorAll(".opt-row")).map((item) => ({
      value: item.querySelector(".opt-value").value.trim(),
      label: item.querySelector(".opt-label").value.trim(),
    }));
    const cellBox = box.closest(".dt-options");
    const hidden = cellBox.querySelector(".dt-opt-json");
    if (hidden) hidden.value = JSON.stringify(rows.filter((r) => r.value || r.label));
    const area = cellBox.querySelector(".dt-opt-lines");
    if (area) area.value = rows.map((r) => r.value).filter(Boolean).join("\n");
  }
  function optionItem(texts, value, label) {
    const item = document.createElement("li");
    item.className = "sort-item opt-row";
    item.dataset.sortItem = "";
    const handle = document.createElement("button");
    handle.type = "button";
    handle.className = "drag-handle";
    handle.setAttribute("aria-label", texts.drag || "⇅");
    handle.innerHTML = '<span aria-hidden="true">⠿</span>';
    const number = document.createElement("span");
    number.className = "row-no";
    number.setAttribute("aria-hidden", "true");
    const valueInput = document.createElement("input");
    valueInput.className = "opt-value mono";
    valueInput.value = value;
    valueInput.placeholder = texts.placeholder || "";
    valueInput.setAttribute("aria-label", texts.value || "");
    valueInput.autocomplete = "off";
    valueInput.spellcheck = false;
    const labelInput = document.createElement("input");
    labelInput.className = "opt-label";
    labelInput.value = label;
    labelInput.placeholder = texts.label || "";
    labelInput.setAttribute("aria-label", texts.label || "");
    labelInput.autocomplete = "off";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "icon-btn opt-remove";
    remove.setAttribute("aria-label", texts.remove || "×");
    remove.textContent = "×";
    item.append(handle, number, valueInput, labelInput, remove);
    return item;
  }
  // desk/sortable.js (and SortableJS) once per page: the form is swapped by HTMX, this is not.
  function loadScript(src, data) {
    return new Promise((resolve) => {
      const script = document.createElement("script");
      script.src = src;
      Object.assign(script.dataset, data || {});
      script.onload = resolve;
      document.head.append(script);
    });
  }
  let sortableLoading = null;
  function withSortable(then) {
    if (window.deskSortable && window.Sortable) return then();
    if (!sortableLoading) {
      const texts = strings();
      sortableLoading = (window.Sortable ? Promise.resolve() : loadScript(texts.sortableLib))
        .then(() => (window.deskSortable ? null : loadScript(texts.sortableSrc, { handleLabel: texts.drag || "" })));
    }
    sortableLoading.then(then);
  }
  function numberRows(list) {
    list.querySelectorAll(":scope > .opt-row .row-no").forEach((node, index) => {
      node.textContent = String(index + 1);
    });
  }
  function optionRows(row, on) {
    const cellBox = row.querySelector(".dt-options");
    const area = cellBox && cellBox.querySelector(".dt-opt-lines");
    if (!area || !cellBox.querySelector(".dt-opt-json")) return; // a locked form keeps the text
    let box = cellBox.querySelector(".dt-opt-rows");
    if (!box && on) {
      const texts = jsonOf("dt-option-strings");
      texts.drag = strings().drag || "";
      const fieldname = (cell(row, "fieldname") || {}).value || "";
      const labels = jsonOf("dt-option-labels")[fieldname] || {};
      box = document.createElement("div");
      box.className = "dt-opt-rows opt-rows";
      const list = document.createElement("ol");
      list.className = "sort-list opt-list";
      list.dataset.sortable = "";
      const values = area.value.split("\n").map((line) => line.trim()).filter(Boolean);
      values.forEach((value) => list.append(optionItem(texts, value, labels[value] || "")));
      if (!values.length) list.append(optionItem(texts, "", ""));
      const add = document.createElement("button");
      add.type = "button";
      add.className = "btn btn-small opt-add";
      add.textContent = "+ " + (texts.add || "");
      box.append(list, add);
      area.after(box);
      numberRows(list);
      withSortable(() => window.deskSortable.init(box));
      composeOptions(box);
    }
    if (box) box.hidden = !on;
    area.classList.toggle("dt-opt-replaced", Boolean(box) && on);
  }

  // ---------------------------------------------------------------- names from labels
  function suggest(params) {
    const url = "/app/doctype/_suggest?" + new URLSearchParams(params).toString();
    return fetch(url, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : { value: "" }));
  }
  function takenNames(except) {
    const table = fieldsTable();
    if (!table) return [];
    return Array.from(table.querySelectorAll('tbody [name$=".fieldname"]'))
      .filter((input) => input !== except && input.value)
      .map((input) => input.value);
  }
  function fillFieldname(row) {
    const label = cell(row, "label");
    const fieldname = cell(row, "fieldname");
    if (!label || !fieldname || !label.value.trim()) return;
    if (fieldname.value && fieldname.dataset.auto !== "1") return; // typed by the admin
    suggest({ label: label.value, taken: takenNames(fieldname).join(",") }).then((data) => {
      if (!data.value) return;
      const previous = fieldname.value;
      fieldname.value = data.value;
      fieldname.dataset.auto = "1";
      fieldname.dataset.prev = data.value;
      refreshFieldPicks(previous ? [previous, data.value] : null);
    });
  }
  function fillDoctypeName(label, target) {
    if (!label || !target || !label.value.trim()) return;
    if (target.value && target.dataset.auto !== "1") return;
    suggest({ label: label.value, kind: "doctype" }).then((data) => {
      if (!data.value) return;
      target.value = data.value;
      target.dataset.auto = "1";
    });
  }

  // ---------------------------------------------------------------- pickers of the fields entered
  function enteredFields() {
    const table = fieldsTable();
    if (!table) return [];
    const found = [];
    table.querySelectorAll("tbody .grid-row").forEach((row) => {
      const fieldname = (cell(row, "fieldname") || {}).value;
      const type = (cell(row, "fieldtype") || {}).value;
      if (!fieldname || TABLE_TYPES.includes(type) || LAYOUT_TYPES.includes(type)) return;
      found.push([fieldname, (cell(row, "label") || {}).value || fieldname]);
    });
    return found;
  }
  function refreshFieldPicks(renamed) {
    const fields = enteredFields();
    document.querySelectorAll("#doc-form select.dt-fieldpick").forEach((select) => {
      let current = select.value || select.dataset.current || "";
      // a renamed field stays the title / naming field under its new name
      if (renamed && current === renamed[0]) current = renamed[1];
      select.dataset.current = current;
      // a picker with fixed choices first (sort by "modified") has no empty one
      const extra = (select.dataset.extra || "").split(";").filter(Boolean).map((pair) => pair.split("="));
      select.replaceChildren(...(extra.length ? [] : [new Option("—", "")]));
      extra.forEach(([value, label]) => select.add(new Option(label, value, false, value === current)));
      if (extra.some(([value]) => value === current)) current = "";
      fields.forEach(([value, label]) => select.add(new Option(label, value, false, value === current)));
      if (current && !fields.some(([value]) => value === current)) {
        select.add(new Option(current, current, false, true)); // kept until the admin picks another
      }
    });
    document.querySelectorAll("#doc-form .dt-multi").forEach((group) => {
      const hidden = group.parentElement.querySelector("input.dt-multi-value");
      const chosen = (hidden.value || "").split(",").map((v) => v.trim()).filter(Boolean);
      group.replaceChildren();
      fields.forEach(([value, label]) => {
        const box = document.createElement("label");
        box.className = "check";
        const input = document.createElement("input");
        input.type = "checkbox";
        input.value = value;
        input.checked = chosen.includes(value);
        box.append(input, " " + label);
        group.append(box);
      });
      composeMulti(group);
    });
    composeAutoname();
  }
  function composeMulti(group) {
    const hidden = group.parentElement.querySelector("input.dt-multi-value");
    hidden.value = Array.from(group.querySelectorAll("input[type=checkbox]:checked")).map((i) => i.value).join(",");
  }

  // ---------------------------------------------------------------- naming rule → autoname
  function composeAutoname() {
    const hidden = document.querySelector("#doc-form input.dt-autoname");
    if (!hidden) return;
    const checked = document.querySelector('#doc-form input[name="__naming_rule"]:checked');
    const rule = checked ? checked.value : "autoincrement";
    const fieldBox = document.querySelector("#doc-form .dt-naming-field");
    const seriesBox = document.querySelector("#doc-form .dt-naming-series");
    if (fieldBox) fieldBox.hidden = rule !== "field";
    if (seriesBox) seriesBox.hidden = rule !== "series";
    if (rule === "field") {
      const pick = fieldBox.querySelector("select");
      hidden.value = pick && pick.value ? "field:" + pick.value : "";
    } else if (rule === "series") {
      const series = seriesBox.querySelector("input").value.trim();
      hidden.value = series ? series : "";
    } else {
      hidden.value = rule;
    }
  }

  // ---------------------------------------------------------------- removing a stored field
  function warnRemoved(row) {
    const stored = row.querySelector('input[type=hidden][name$=".name"]');
    if (!stored || !stored.value) return; // a row not saved yet has no data
    const table = fieldsTable();
    let notice = document.getElementById("dt-removed");
    if (!notice) {
      notice = document.createElement("div");
      notice.id = "dt-removed";
      notice.className = "alert alert-orange";
      notice.setAttribute("role", "alert");
      const text = document.createElement("p");
      const strong = document.createElement("b");
      strong.textContent = strings().removed || "";
      text.append(strong, " ");
      const list = document.createElement("span");
      list.className = "dt-removed-list";
      text.append(list);
      notice.append(text);
      table.after(notice);
    }
    const label = (cell(row, "label") || {}).value || "";
    const fieldname = (cell(row, "fieldname") || {}).value || "";
    const list = notice.querySelector(".dt-removed-list");
    const countsNode = document.getElementById("dt-value-counts");
    const counts = countsNode ? JSON.parse(countsNode.textContent) : {};
    const filled = fieldname in counts ? "，" + (strings().filled || "").replace("{count}", counts[fieldname]) : "";
    const item = (label || fieldname) + (label && fieldname ? " (" + fieldname + filled + ")" : "");
    list.textContent = (list.textContent ? list.textContent + "；" : "") + item;
  }

  // ---------------------------------------------------------------- new child table
  let childFor = null;
  function openChildDialog(button) {
    childFor = button.closest("tr");
    const dialog = document.getElementById("dt-child-dialog");
    const form = dialog.querySelector("form");
    form.reset();
    dialog.querySelector("#dt-child-errors").hidden = true;
    dialog.querySelector("#dt-child-name").dataset.auto = "";
    const module = document.querySelector("#doc-form [name=module]");
    dialog.querySelector("#dt-child-module").value = module ? module.value : "";
    const label = childFor ? cell(childFor, "label") : null;
    if (label && label.value) {
      dialog.querySelector("#dt-child-label").value = label.value;
      fillDoctypeName(dialog.querySelector("#dt-child-label"), dialog.querySelector("#dt-child-name"));
    }
    dialog.showModal();
    dialog.querySelector("#dt-child-label").focus();
  }
  function addChildRow(dialog) {
    const rows = dialog.querySelectorAll(".dt-child-row");
    const last = rows[rows.length - 1];
    const copy = last.cloneNode(true);
    const index = rows.length;
    copy.querySelectorAll("[name]").forEach((input) => {
      input.name = input.name.replace(/^child\.\d+\./, "child." + index + ".");
      if (input.tagName === "INPUT") input.value = "";
    });
    last.after(copy);
    copy.querySelector("input").focus();
  }
  function createChild(form) {
    const dialog = form.closest("dialog");
    const errors = dialog.querySelector("#dt-child-errors");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Frappe-CSRF-Token": csrf() },
      credentials: "same-origin",
    })
      .then((response) => response.json().then((data) => ({ ok: response.ok, data })))
      .then(({ ok, data }) => {
        if (!ok) {
          errors.textContent = (data.errors || [data.message]).join(" ");
          errors.hidden = false;
          return;
        }
        document.querySelectorAll("#doc-form select.dt-opt-table").forEach((select) => {
          if (!Array.from(select.options).some((o) => o.value === data.name)) select.add(new Option(data.label, data.name));
        });
        const template = document.querySelector('.child-table[data-table="fields"] template.grid-template');
        if (template) {
          const select = template.content.querySelector("select.dt-opt-table");
          if (select) select.add(new Option(data.label, data.name));
        }
        if (childFor) {
          const select = childFor.querySelector("select.dt-opt-table");
          if (select) select.value = data.name;
        }
        dialog.close();
        if (window.deskToast) window.deskToast((strings().created || "").replace("{name}", data.label), "green");
      });
  }

  // ---------------------------------------------------------------- events
  document.addEventListener(
    "click",
    (event) => {
      // Capture: seen before desk.js removes the row.
      const remove = event.target.closest('.child-table[data-table="fields"] .grid-remove');
      if (remove && document.getElementById("dt-strings")) warnRemoved(remove.closest("tr"));
    },
    true
  );
  document.addEventListener("click", (event) => {
    if (!document.getElementById("dt-strings")) return;
    const target = event.target;
    const optionBox = target.closest(".dt-opt-rows");
    if (optionBox && target.closest(".opt-add, .opt-remove")) {
      const list = optionBox.querySelector(".opt-list");
      if (target.closest(".opt-add")) {
        const item = optionItem(jsonOf("dt-option-strings"), "", "");
        list.append(item);
        item.querySelector(".opt-label").focus();
      } else {
        target.closest(".opt-row").remove();
      }
      numberRows(list);
      composeOptions(optionBox);
      return;
    }
    if (target.closest('.child-table[data-table="fields"] .grid-add, .child-table[data-table="fields"] .grid-remove')) {
      const table = fieldsTable();
      if (table) table.querySelectorAll("tbody .grid-row").forEach(syncOptions);
      refreshFieldPicks();
      return;
    }
    const newChild = target.closest(".dt-new-child");
    if (newChild) {
      openChildDialog(newChild);
      return;
    }
    if (target.closest("#dt-child-add")) {
      addChildRow(target.closest("dialog"));
      return;
    }
    if (target.closest("#dt-delete-open")) {
      const dialog = document.getElementById("dt-delete-dialog");
      dialog.showModal();
      dialog.querySelector("#dt-delete-confirm").focus();
    }
  });
  document.addEventListener("sortable:end", (event) => {
    const box = event.target.closest && event.target.closest(".dt-opt-rows");
    if (box) composeOptions(box);
  });
  document.addEventListener("input", (event) => {
    const input = event.target;
    if (input.closest && input.closest(".dt-opt-rows")) {
      composeOptions(input.closest(".dt-opt-rows"));
      return;
    }
    if (input.id === "dt-delete-confirm") {
      document.getElementById("dt-delete-submit").disabled = input.value.trim() !== input.dataset.expected;
    } else if (input.matches('[name$=".fieldname"]')) {
      input.dataset.auto = ""; // the admin's own name is kept
    } else if (input.id === "in-__newname" || input.id === "dt-child-name") {
      input.dataset.auto = "";
    } else if (input.classList.contains("dt-series")) {
      composeAutoname();
    }
  });
  document.addEventListener("change", (event) => {
    const input = event.target;
    const row = input.closest('.child-table[data-table="fields"] .grid-row');
    if (row && input.matches('[name$=".fieldtype"]')) {
      syncOptions(row);
      refreshFieldPicks();
    } else if (row && input.matches('[name$=".label"]')) {
      fillFieldname(row);
      refreshFieldPicks();
    } else if (row && input.matches('[name$=".fieldname"]')) {
      refreshFieldPicks([input.dataset.prev || "", input.value]);
      input.dataset.prev = input.value;
    } else if (input.id === "in-label" && document.getElementById("in-__newname")) {
      fillDoctypeName(input, document.getElementById("in-__newname"));
    } else if (input.id === "dt-child-label") {
      fillDoctypeName(input, document.getElementById("dt-child-name"));
    } else if (input.closest(".dt-multi")) {
      composeMulti(input.closest(".dt-multi"));
    } else if (input.name === "__naming_rule" || input.closest(".dt-naming-field")) {
      composeAutoname();
    }
  });
  document.addEventListener("focusin", (event) => {
    const input = event.target;
    if (input.matches && input.matches('.child-table[data-table="fields"] [name$=".fieldname"]')) input.dataset.prev = input.value;
  });
  document.addEventListener("submit", (event) => {
    if (event.target.id === "dt-child-form") {
      event.preventDefault();
      createChild(event.target);
    }
  });

  function init() {
    if (!document.getElementById("dt-strings")) return;
    // The name the admin types sits right under the label (the form draws it first).
    const name = document.getElementById("field-__newname");
    const label = document.getElementById("field-label");
    if (name && label && name.closest("section") !== label.closest("section")) {
      const section = name.closest("section");
      label.after(name);
      if (section && !section.querySelector(".field")) section.remove();
    }
    // The saved DocType's screens sit under the title, where the admin looks next.
    const views = document.getElementById("dt-views");
    const head = document.querySelector("#doc-form .form-head");
    if (views && head && views.parentElement !== head.parentElement) head.after(views);
    const table = fieldsTable();
    if (table) table.querySelectorAll("tbody .grid-row").forEach(syncOptions);
    refreshFieldPicks();
  }
  document.addEventListener("htmx:afterSettle", init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
