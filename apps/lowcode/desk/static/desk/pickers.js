// Pickers and the condition builder. A picker keeps the key in its input and shows the label on
// a button that opens a searchable list (a bottom sheet on a phone) served by
// /api/method/lowcode.desk.pick. Without this file the key is typed and the rows post as they are.
(function () {
  "use strict";

  const PICK = "/api/method/lowcode.desk.pick";
  let sheet = null;
  let current = null; // the .picker being chosen for
  let chosen = new Map(); // a multiple picker's keys → labels while the sheet is open
  let timer = null;

  // The desk's language, not the browser's Accept-Language (which the API would follow).
  function headers() {
    return { Accept: "application/json", "X-Language": document.body.dataset.lang || "zh" };
  }

  function text(key) {
    const source = document.getElementById("picker-texts");
    return (source && source.dataset[key]) || key;
  }

  function valueOf(input) {
    return input ? input.value.trim() : "";
  }

  // The source field (a DocType) of a picker: in the same row first, then in the form.
  function sourceInput(picker) {
    const src = picker.dataset.source;
    const input = picker.querySelector(".picker-value");
    if (!src || !input) return null;
    const scope = input.form || document;
    const match = input.name.match(/^(.+\.)[^.]+$/);
    if (match) {
      const near = scope.querySelector('[name="' + match[1] + src + '"]');
      if (near) return near;
    }
    const cond = picker.closest(".cond");
    if (cond && cond.dataset.source && !match) {
      const base = baseName(cond).match(/^(.+\.)[^.]+$/);
      if (base) {
        const near = scope.querySelector('[name="' + base[1] + src + '"]');
        if (near) return near;
      }
    }
    return scope.querySelector('[name="' + src + '"]');
  }

  function params(picker, q) {
    const kind = picker.dataset.kind;
    const query = new URLSearchParams({ kind: kind, q: q || "" });
    const fixed = picker.closest(".cond[data-doctype]"); // a condition over one known DocType
    if (kind === "field" || kind === "workflow_state" || kind === "workflow_action") {
      query.set("doctype", fixed ? fixed.dataset.doctype : valueOf(sourceInput(picker)));
    }
    if (kind === "option") {
      const fieldInput = sourceInput(picker);
      const fieldPicker = fieldInput && fieldInput.closest(".picker");
      query.set("fieldname", valueOf(fieldInput));
      query.set("doctype", fieldPicker ? valueOf(sourceInput(fieldPicker)) : "");
    }
    return query;
  }

  function buildSheet() {
    const dialog = document.createElement("dialog");
    dialog.className = "picker-sheet";
    dialog.setAttribute("aria-labelledby", "picker-sheet-title");
    dialog.innerHTML =
      '<div class="picker-sheet-head"><h2 id="picker-sheet-title"></h2>' +
      '<button type="button" class="btn btn-small picker-clear"></button>' +
      '<button type="button" class="icon-btn picker-close">✕</button></div>' +
      '<input type="search" class="picker-search" autocomplete="off">' +
      '<ul class="picker-list" role="listbox"></ul>' +
      '<p class="picker-note hint" hidden></p>' +
      '<div class="picker-sheet-foot" hidden><button type="button" class="btn btn-primary picker-done"></button></div>';
    dialog.querySelector(".picker-clear").textContent = text("clear");
    dialog.querySelector(".picker-close").setAttribute("aria-label", text("close"));
    dialog.querySelector(".picker-search").setAttribute("placeholder", text("search"));
    dialog.querySelector(".picker-search").setAttribute("aria-label", text("search"));
    dialog.querySelector(".picker-done").textContent = text("done");
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close(); // a tap outside the sheet
    });
    dialog.querySelector(".picker-close").addEventListener("click", () => dialog.close());
    dialog.querySelector(".picker-clear").addEventListener("click", () => {
      chosen = new Map();
      commit([]);
    });
    dialog.querySelector(".picker-done").addEventListener("click", () => commit(Array.from(chosen, ([value, label]) => ({ value, label }))));
    dialog.querySelector(".picker-search").addEventListener("input", (event) => {
      clearTimeout(timer);
      timer = setTimeout(() => load(event.target.value), 200);
    });
    dialog.addEventListener("close", () => {
      if (current) {
        const ready = current.classList.contains("is-ready");
        current.querySelector(ready ? ".picker-open" : ".picker-value").focus();
      }
      current = null;
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  function row(choice, multiple) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "picker-choice";
    button.setAttribute("role", "option");
    button.dataset.value = choice.value;
    button.dataset.label = choice.label;
    const label = document.createElement("span");
    label.className = "picker-choice-label";
    label.textContent = choice.label;
    button.appendChild(label);
    if (choice.label !== choice.value) {
      const key = document.createElement("code");
      key.className = "picker-key";
      key.textContent = choice.value;
      button.appendChild(key);
    }
    if (multiple) button.setAttribute("aria-selected", chosen.has(choice.value) ? "true" : "false");
    button.addEventListener("click", () => {
      if (!multiple) return commit([choice]);
      if (chosen.has(choice.value)) chosen.delete(choice.value);
      else chosen.set(choice.value, choice.label);
      button.setAttribute("aria-selected", chosen.has(choice.value) ? "true" : "false");
    });
    item.appendChild(button);
    return item;
  }

  function load(q) {
    const picker = current;
    if (!picker) return;
    const list = sheet.querySelector(".picker-list");
    const note = sheet.querySelector(".picker-note");
    note.hidden = true;
    if (picker.dataset.local) return showLocal(picker, q, list, note);
    const query = params(picker, q);
    if (query.has("doctype") && !query.get("doctype")) {
      list.innerHTML = "";
      note.textContent = text("needsource");
      note.hidden = false;
      return;
    }
    fetch(PICK + "?" + query.toString(), { credentials: "same-origin", headers: headers() })
      .then((response) => (response.ok ? response.json() : { message: [] }))
      .then((body) => {
        if (picker !== current) return;
        const multiple = picker.hasAttribute("data-multiple");
        const items = body.message || [];
        list.innerHTML = "";
        items.forEach((choice) => list.appendChild(row(choice, multiple)));
        const typed = (q || "").trim();
        if (picker.hasAttribute("data-free") && !items.length && !typed) {
          // Nothing to pick (a criterion on a number or text field): the value is typed.
          picker.classList.remove("is-ready");
          sheet.close();
          return;
        }
        if (picker.hasAttribute("data-free") && typed && !items.some((c) => c.value === typed)) {
          list.appendChild(row({ value: typed, label: typed }, multiple));
        }
        if (!list.children.length) {
          note.textContent = text("nothing");
          note.hidden = false;
        }
      });
  }

  // Choices typed on this page (a workflow's states): their current values, labelled as
  // the server translated them while unchanged.
  function showLocal(picker, q, list, note) {
    const scope = picker.closest("form") || document;
    const seen = new Set();
    const typed = (q || "").trim().toLowerCase();
    list.innerHTML = "";
    scope.querySelectorAll(picker.dataset.local).forEach((input) => {
      const value = input.value.trim();
      if (!value || seen.has(value) || input.closest("template")) return;
      seen.add(value);
      const label = input.value === input.defaultValue && input.dataset.label ? input.dataset.label : value;
      if (typed && value.toLowerCase().indexOf(typed) < 0 && label.toLowerCase().indexOf(typed) < 0) return;
      list.appendChild(row({ value: value, label: label }, picker.hasAttribute("data-multiple")));
    });
    if (!list.children.length) {
      note.textContent = text("nothing");
      note.hidden = false;
    }
  }

  function commit(choices) {
    const picker = current;
    if (!picker) return;
    const input = picker.querySelector(".picker-value");
    const shown = picker.querySelector(".picker-text");
    const before = input.value;
    input.value = choices.map((c) => c.value).join(", ");
    shown.textContent = choices.length ? choices.map((c) => c.label).join("、") : text("choose");
    shown.classList.toggle("picker-empty", !choices.length);
    const key = picker.querySelector(".picker-open .picker-key");
    if (key) key.remove();
    const open = picker.querySelector(".picker-open");
    open.setAttribute("aria-label", (picker.dataset.title || "") + "：" + shown.textContent);
    if (input.value !== before) {
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    sheet.close();
  }

  function openSheet(picker) {
    sheet = sheet || buildSheet();
    current = picker;
    const multiple = picker.hasAttribute("data-multiple");
    chosen = new Map();
    if (multiple) {
      valueOf(picker.querySelector(".picker-value")).split(",").map((v) => v.trim()).filter(Boolean).forEach((v) => chosen.set(v, v));
    }
    sheet.querySelector("#picker-sheet-title").textContent = picker.dataset.title || "";
    sheet.querySelector(".picker-sheet-foot").hidden = !multiple;
    const search = sheet.querySelector(".picker-search");
    search.value = "";
    sheet.querySelector(".picker-list").innerHTML = "";
    sheet.showModal();
    search.focus();
    load("");
  }

  // ---------------------------------------------------------------- condition builder
  function baseName(cond) {
    const area = cond.querySelector(".cond-advanced textarea");
    return area ? area.name : cond.dataset.name;
  }

  function setMode(cond, mode) {
    cond.querySelector(".cond-builder").hidden = mode !== "rows";
    cond.querySelector(".cond-advanced").hidden = mode === "rows";
  }

  function rowsOf(cond) {
    return Array.from(cond.querySelectorAll(".cond-rows .cond-row")).map((r) => ({
      field: valueOf(r.querySelector(".picker-value")),
      op: r.querySelector(".cond-op").value,
      value: r.querySelector(".cond-value").value,
    }));
  }

  function addRow(cond, data) {
    const template = cond.querySelector("template.cond-row-template");
    const fresh = template.content.firstElementChild.cloneNode(true);
    const base = baseName(cond);
    fresh.querySelectorAll("[name]").forEach((input) => {
      input.name = base + input.name.slice(input.name.lastIndexOf("__"));
    });
    if (data) {
      fresh.querySelector(".picker-value").value = data.field;
      fresh.querySelector(".picker-text").textContent = data.label || data.field;
      fresh.querySelector(".picker-text").classList.remove("picker-empty");
      fresh.querySelector(".cond-op").value = data.op;
      fresh.querySelector(".cond-value").value = data.value;
      fresh.querySelector(".cond-value").hidden = data.op === "is set" || data.op === "is not set";
    }
    cond.querySelector(".cond-rows").appendChild(fresh);
    const empty = cond.querySelector(".cond-empty");
    if (empty) empty.hidden = true;
    init(fresh);
    return fresh;
  }

  function doctypeOf(cond) {
    if (cond.dataset.doctype) return cond.dataset.doctype;
    const probe = cond.querySelector(".cond-rows .picker") || cond.querySelector("template.cond-row-template").content.querySelector(".picker");
    if (!probe) return "";
    const scope = cond.closest("form") || document;
    const src = cond.dataset.source;
    const base = baseName(cond).match(/^(.+\.)[^.]+$/);
    const near = base && scope.querySelector('[name="' + base[1] + src + '"]');
    return valueOf(near || scope.querySelector('[name="' + src + '"]'));
  }

  // A condition builder writes an expression (lowcode.desk.condition), a filters builder
  // (data-format="filters") Frappe's filters JSON (lowcode.desk.filter_rows), which has no join.
  function switchMode(cond, mode) {
    const area = cond.querySelector(".cond-advanced textarea");
    const join = cond.querySelector(".cond-join select");
    const filters = cond.dataset.format === "filters";
    const query = new URLSearchParams({ doctype: doctypeOf(cond) });
    if (mode === "advanced") {
      query.set("rows", JSON.stringify(rowsOf(cond)));
      if (join) query.set("join", join.value);
    } else {
      query.set(filters ? "filters" : "expression", area.value);
    }
    const method = filters ? "lowcode.desk.filter_rows" : "lowcode.desk.condition";
    fetch("/api/method/" + method + "?" + query.toString(), { credentials: "same-origin", headers: headers() })
      .then((response) => (response.ok ? response.json() : { message: null }))
      .then((body) => {
        const result = body.message;
        if (mode === "advanced") {
          if (result) area.value = filters ? result.filters : result.expression;
          return setMode(cond, mode);
        }
        if (!result) {
          cond.querySelector('input[value="advanced"]').checked = true;
          if (window.deskToast) window.deskToast(text(filters ? "notfilterrows" : "notrows"), "orange");
          return;
        }
        cond.querySelectorAll(".cond-rows .cond-row").forEach((r) => r.remove());
        if (join) join.value = result.join;
        result.rows.forEach((data) => addRow(cond, data));
        setMode(cond, mode);
      });
  }

  // A field list (a webhook's request structure): the picked fields are {"data": [...]}; the
  // server writes that on save, this only shows it in the advanced box and reads it back.
  function switchFieldList(box, mode) {
    const area = box.querySelector(".cond-advanced textarea");
    const picker = box.querySelector(".fieldlist-picked .picker");
    const input = picker.querySelector(".picker-value");
    const keys = input.value.split(",").map((v) => v.trim()).filter(Boolean);
    if (mode === "advanced") {
      area.value = keys.length ? JSON.stringify({ data: keys }, null, 1) : "";
    } else {
      let parsed = null;
      try {
        parsed = area.value.trim() ? JSON.parse(area.value) : { data: [] };
      } catch (error) {
        parsed = null;
      }
      const fields = parsed && Object.keys(parsed).length === 1 && Array.isArray(parsed.data) ? parsed.data : null;
      if (!fields || !fields.every((f) => typeof f === "string")) {
        box.querySelector('input[value="advanced"]').checked = true;
        if (window.deskToast) window.deskToast(text("notfieldlist"), "orange");
        return;
      }
      if (fields.join(", ") !== keys.join(", ")) {
        input.value = fields.join(", ");
        const shown = picker.querySelector(".picker-text");
        shown.textContent = fields.length ? fields.join("、") : text("choose");
        shown.classList.toggle("picker-empty", !fields.length);
      }
    }
    box.querySelector(".fieldlist-picked").hidden = mode !== "rows";
    box.querySelector(".cond-advanced").hidden = mode === "rows";
  }

  document.addEventListener("click", (event) => {
    const open = event.target.closest(".picker-open");
    if (open) {
      event.preventDefault();
      return openSheet(open.closest(".picker"));
    }
    const add = event.target.closest(".cond-add");
    if (add) {
      const fresh = addRow(add.closest(".cond"));
      fresh.querySelector(".picker-open").focus();
      return;
    }
    const remove = event.target.closest(".cond-remove");
    if (remove) remove.closest(".cond-row").remove();
  });

  // A new DocType makes the fields picked from the old one meaningless: they are cleared.
  // A picker marked data-keep keeps its key (a workflow's state field: the engine adds it).
  function clearDependents(input) {
    const scope = input.form || document;
    const name = input.name.split(".").pop();
    scope.querySelectorAll('.picker[data-source="' + name + '"]').forEach((picker) => {
      if (picker.closest(".cond") || picker.closest("template") || picker.hasAttribute("data-keep")) return;
      const own = picker.querySelector(".picker-value");
      if (!own || own === input || !own.value || sourceInput(picker) !== input) return;
      own.value = "";
      const shown = picker.querySelector(".picker-text");
      shown.textContent = text("choose");
      shown.classList.add("picker-empty");
      const key = picker.querySelector(".picker-open .picker-key");
      if (key) key.remove();
      clearDependents(own);
    });
  }

  // A row's value over a Select field is suggested from its options (stored value, shown with
  // its label) through a <datalist>; anything else stays typed.
  let datalists = 0;
  const optionsOf = new Map();
  function offerValues(row) {
    const cond = row.closest(".cond");
    const input = row.querySelector(".cond-value");
    const field = valueOf(row.querySelector(".picker-value"));
    const doctype = cond ? doctypeOf(cond) : "";
    const list = row.querySelector("datalist.cond-values");
    if (!input || !field || !doctype) {
      if (list) list.remove();
      if (input) input.removeAttribute("list");
      return;
    }
    const key = doctype + "\n" + field;
    if (!optionsOf.has(key)) {
      // one request per field and page, however many rows name it
      const query = new URLSearchParams({ kind: "option", doctype: doctype, fieldname: field, q: "" });
      optionsOf.set(key, fetch(PICK + "?" + query.toString(), { credentials: "same-origin", headers: headers() })
        .then((response) => (response.ok ? response.json() : { message: [] }))
        .then((body) => body.message || []));
    }
    optionsOf.get(key).then((items) => {
      let box = row.querySelector("datalist.cond-values");
      if (!items.length) {
        if (box) box.remove();
        input.removeAttribute("list");
        return;
      }
      if (!box) {
        box = document.createElement("datalist");
        box.className = "cond-values";
        box.id = "cond-values-" + ++datalists;
        row.appendChild(box);
      }
      box.innerHTML = "";
      items.forEach((choice) => {
        const option = document.createElement("option");
        option.value = choice.value;
        if (choice.label && choice.label !== choice.value) option.label = choice.label;
        box.appendChild(option);
      });
      input.setAttribute("list", box.id);
    });
  }

  document.addEventListener("change", (event) => {
    if (event.target.classList && event.target.classList.contains("picker-value")) clearDependents(event.target);
    const fieldRow = event.target.closest && event.target.closest(".cond-row");
    if (fieldRow && event.target.classList.contains("picker-value")) offerValues(fieldRow);
    const radio = event.target.closest('.cond-modes input[type="radio"]');
    if (radio && radio.closest(".fieldlist")) return switchFieldList(radio.closest(".fieldlist"), radio.value);
    if (radio) return switchMode(radio.closest(".cond"), radio.value);
    const op = event.target.closest(".cond-op");
    if (op) op.closest(".cond-row").querySelector(".cond-value").hidden = op.value === "is set" || op.value === "is not set";
  });

  // A picker whose kind follows a select (a workflow step's approver type): role and user
  // lists take several keys, a field one, anything else is typed.
  const FOLLOWED = { Role: "role", User: "user", Field: "field" };
  function follow(picker) {
    const input = picker.querySelector(".picker-value");
    const scope = (input && input.form) || document;
    const prefix = (input.name.match(/^(.+\.)[^.]+$/) || ["", ""])[1];
    const select = scope.querySelector('[name="' + prefix + picker.dataset.kindFrom + '"]');
    const kind = select && FOLLOWED[select.value];
    picker.classList.toggle("picker-off", !kind);
    picker.classList.toggle("is-ready", Boolean(kind));
    if (!kind) return;
    if (picker.dataset.kind !== kind && picker.dataset.kind) {
      input.value = "";
      picker.querySelector(".picker-text").textContent = text("choose");
      picker.querySelector(".picker-text").classList.add("picker-empty");
    }
    picker.dataset.kind = kind;
    picker.toggleAttribute("data-multiple", kind !== "field");
  }
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[name]");
    if (!select) return;
    const field = select.name.split(".").pop();
    const scope = select.closest("[data-row]") || select.form || document;
    scope.querySelectorAll('.picker[data-kind-from="' + field + '"]').forEach(follow);
  });

  function init(root) {
    root.querySelectorAll(".picker").forEach((picker) => {
      if (picker.closest("template")) return;
      if (picker.dataset.kindFrom) return follow(picker);
      picker.classList.add("is-ready");
    });
    if (root.classList && root.classList.contains("picker")) root.classList.add("is-ready");
    root.querySelectorAll(".cond").forEach((cond) => cond.classList.add("is-ready"));
    root.querySelectorAll(".cond-row").forEach((row) => {
      if (row.closest("template") || row.dataset.offered) return;
      row.dataset.offered = "1";
      offerValues(row);
    });
  }
  // Rows added by the editors (a cloned <template>) get ready pickers too.
  new MutationObserver((records) => {
    records.forEach((record) => record.addedNodes.forEach((node) => node.nodeType === 1 && init(node)));
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSettle", () => init(document));
})();
