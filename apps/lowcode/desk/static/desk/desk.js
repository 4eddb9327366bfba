// KuaiCRM desk: the little JavaScript the server-rendered pages need.
// Everything is progressive: pages work as plain forms and links, this adds comfort.
(function () {
  "use strict";
  const lang = document.body.dataset.lang || "zh";
  const T = {
    zh: { selected: "已选 {n} 行", failed: "操作失败", location: "无法获取位置：" },
    en: { selected: "{n} selected", failed: "Failed", location: "Cannot get the location: " },
  }[lang === "en" ? "en" : "zh"];

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // ---------------------------------------------------------------- toast
  function toast(message, colour) {
    const box = document.getElementById("toast");
    if (!box) return;
    const item = document.createElement("div");
    item.className = "toast toast-" + (colour || "green");
    item.textContent = message;
    box.appendChild(item);
    setTimeout(() => item.remove(), 6000);
  }
  window.deskToast = toast;
  document.body.addEventListener("desk:toast", (event) => toast(event.detail.message, event.detail.colour));

  // ---------------------------------------------------------------- sidebar (phone drawer)
  document.addEventListener("click", (event) => {
    const toggle = event.target.closest("[data-toggle=sidebar]");
    if (!toggle) return;
    const open = document.body.classList.toggle("sidebar-open");
    document.querySelectorAll("[data-toggle=sidebar]").forEach((b) => b.setAttribute("aria-expanded", String(open)));
  });

  // ---------------------------------------------------------------- list: filter builder
  function filterRow(container, filter) {
    const template = document.getElementById("filter-row-template");
    const row = template.content.firstElementChild.cloneNode(true);
    if (filter) {
      row.querySelector(".fb-field").value = filter[0];
      row.querySelector(".fb-op").value = filter[1];
      const value = Array.isArray(filter[2]) ? filter[2].join(",") : filter[2];
      row.querySelector(".fb-value").value = value == null ? "" : value;
    }
    container.appendChild(row);
  }
  function initFilterBuilder(root) {
    const rows = root.querySelector("#filter-rows");
    if (!rows || rows.dataset.ready) return;
    rows.dataset.ready = "1";
    JSON.parse(rows.dataset.filters || "[]").forEach((f) => filterRow(rows, f));
    root.querySelector("#fb-add").addEventListener("click", () => filterRow(rows));
    rows.addEventListener("click", (event) => {
      if (event.target.closest(".fb-remove")) event.target.closest(".filter-row").remove();
    });
  }
  function serialiseList(form) {
    const rows = form.querySelectorAll("#filter-rows .filter-row");
    const filters = [];
    rows.forEach((row) => {
      const field = row.querySelector(".fb-field").value;
      const op = row.querySelector(".fb-op").value;
      let value = row.querySelector(".fb-value").value;
      if (!field) return;
      if (op === "in") value = value.split(/[,，]/).map((v) => v.trim()).filter(Boolean);
      if (op === "like" && value && value.indexOf("%") < 0) value = "%" + value + "%";
      filters.push([field, op, value]);
    });
    form.querySelector("#filters-json").value = filters.length ? JSON.stringify(filters) : "";
    const chosen = Array.from(form.querySelectorAll(".col-choice:checked")).map((c) => c.value);
    const picker = form.querySelector("#column-picker");
    if (picker && picker.dataset.touched) form.querySelector("#columns-csv").value = chosen.join(",");
  }
  document.addEventListener("change", (event) => {
    if (event.target.classList.contains("col-choice")) event.target.closest("#column-picker").dataset.touched = "1";
  });
  document.addEventListener("submit", (event) => {
    if (event.target.id === "list-form") serialiseList(event.target);
  }, true);
  document.addEventListener("htmx:configRequest", (event) => {
    const form = event.detail.elt.closest && event.detail.elt.closest("#list-form");
    if (form && event.detail.elt === form) {
      serialiseList(form);
      event.detail.parameters["filters"] = form.querySelector("#filters-json").value;
      event.detail.parameters["columns"] = form.querySelector("#columns-csv").value;
    }
  });

  // ---------------------------------------------------------------- list: selection and bulk actions
  function updateBulk(root) {
    const form = root.querySelector("#bulk-form");
    if (!form) return;
    const ticked = form.querySelectorAll("input[name=names]:checked").length;
    const bar = form.querySelector(".bulk-bar");
    bar.hidden = ticked === 0;
    bar.querySelector(".bulk-count").textContent = T.selected.replace("{n}", ticked);
    const verb = form.querySelector("#bulk-action");
    const value = verb ? verb.value : "";
    form.querySelectorAll(".bulk-assign").forEach((e) => (e.hidden = value !== "assign"));
    form.querySelectorAll(".bulk-set").forEach((e) => (e.hidden = value !== "set_value"));
  }
  document.addEventListener("change", (event) => {
    const form = event.target.closest("#bulk-form");
    if (!form) return;
    if (event.target.classList.contains("select-all")) {
      form.querySelectorAll("input[name=names]").forEach((c) => (c.checked = event.target.checked));
    }
    updateBulk(document);
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest("#bulk-export");
    if (!button) return;
    const names = Array.from(document.querySelectorAll("#bulk-form input[name=names]:checked")).map((c) => "names=" + encodeURIComponent(c.value));
    window.location.href = button.dataset.href + "&" + names.join("&");
  });

  // ---------------------------------------------------------------- form: a Link's title
  // The input holds (and posts) the record's name; the title next to it follows the choice,
  // read from the search options (value = name, text = title), and hides when unknown.
  function syncLinkTitle(input) {
    const title = document.getElementById(input.dataset.titleId || "lt-" + input.name);
    if (!title) return;
    const options = input.list ? Array.from(input.list.options) : [];
    const chosen = options.find((o) => o.value === input.value);
    if (chosen) title.textContent = chosen.textContent === input.value ? "" : chosen.textContent;
    else title.textContent = input.value === title.dataset.value ? title.dataset.title : "";
    title.hidden = !title.textContent;
  }
  document.addEventListener("input", (event) => {
    const input = event.target.closest(".link-input");
    if (input) syncLinkTitle(input);
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const list = event.target;
    if (list.tagName !== "DATALIST") return;
    const input = document.querySelector(`.link-input[list="${list.id}"]`);
    if (input) syncLinkTitle(input);
  });

  // ---------------------------------------------------------------- form: tabs
  document.addEventListener("click", (event) => {
    const tab = event.target.closest("[data-tab]");
    if (!tab) return;
    const form = tab.closest("form");
    form.querySelectorAll("[data-tab]").forEach((t) => t.setAttribute("aria-selected", String(t === tab)));
    form.querySelectorAll(".tab-pane").forEach((p) => (p.hidden = p.id !== tab.dataset.tab));
  });

  // ---------------------------------------------------------------- form: depends_on, evaluated by the server
  let stateTimer = null;
  function refreshStates(form) {
    const url = form.dataset.stateUrl;
    if (!url) return;
    const body = new FormData(form);
    fetch(url, { method: "POST", body: body, headers: { "X-Frappe-CSRF-Token": csrf() }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((states) => {
        if (!states) return;
        Object.keys(states).forEach((name) => {
          const box = form.querySelector('[data-field="' + name + '"]');
          if (!box) return;
          box.hidden = states[name].hidden;
          const input = box.querySelector("input:not([type=hidden]), select, textarea");
          if (input) {
            input.required = states[name].reqd && !states[name].hidden;
            if (states[name].read_only) input.setAttribute("readonly", "");
            else if (!input.disabled) input.removeAttribute("readonly");
          }
          const label = box.querySelector("label");
          if (label) {
            let star = label.querySelector(".req");
            if (states[name].reqd && !star) {
              star = document.createElement("span");
              star.className = "req";
              star.textContent = " *";
              label.appendChild(star);
            } else if (!states[name].reqd && star) star.remove();
          }
        });
      })
      // Offline (docs/offline.md): the form stays as it is; the next change asks again.
      .catch(() => {});
  }
  document.addEventListener("change", (event) => {
    const form = event.target.closest("#doc-form");
    if (!form) return;
    clearTimeout(stateTimer);
    stateTimer = setTimeout(() => refreshStates(form), 150);
  });

  // ---------------------------------------------------------------- form: child tables
  // The row editor's ids carry the row's number (row-<table>-<n>-<field>): kept unique.
  const ROW_ID_ATTRS = ["id", "for", "list", "hx-target", "aria-describedby", "aria-labelledby", "data-title-id", "data-longitude"];
  function renumber(table) {
    table.querySelectorAll("tbody .grid-row").forEach((row, index) => {
      row.querySelectorAll("[name]").forEach((input) => {
        input.name = input.name.replace(/^([^.]+)\.(\d+|__i__)\./, "$1." + index + ".");
      });
      row.querySelectorAll(".row-editor, .row-editor *").forEach((node) => {
        ROW_ID_ATTRS.forEach((attr) => {
          const value = node.getAttribute(attr);
          if (value && value.indexOf("row-") >= 0) node.setAttribute(attr, value.replace(/row-([A-Za-z0-9_]+)-(\d+|__i__)-/g, "row-$1-" + index + "-"));
        });
      });
      const number = row.querySelector(".row-editor-no");
      if (number) number.textContent = String(index + 1);
      const first = row.querySelector("td");
      if (first && first.firstChild && first.firstChild.nodeType === 3) first.firstChild.textContent = String(index + 1);
    });
  }
  document.addEventListener("click", (event) => {
    const add = event.target.closest(".grid-add");
    if (add) {
      const box = add.closest(".child-table");
      const row = box.querySelector("template.grid-template").content.firstElementChild.cloneNode(true);
      box.querySelector("tbody").appendChild(row);
      renumber(box);
      if (window.htmx) window.htmx.process(row); // the row editor's Link inputs search as they do in the form
      const first = row.querySelector("input:not([type=hidden]), select");
      if (first) first.focus();
      return;
    }
    const remove = event.target.closest(".grid-remove");
    if (remove) {
      const box = remove.closest(".child-table");
      const row = remove.closest("tr");
      // the row's error message goes with it
      if (row.nextElementSibling && row.nextElementSibling.classList.contains("grid-row-error")) row.nextElementSibling.remove();
      row.remove();
      renumber(box);
    }
  });

  // ---------------------------------------------------------------- form: a grid row's editor
  // Every field of the row in a dialog (a sheet at the bottom of a phone). The grid's own cells
  // are moved into their slots while it is open and back when it closes, so a value has one
  // input wherever it is edited; the other fields are posted from the dialog with the form.
  function moveCells(row, dialog, intoDialog) {
    dialog.querySelectorAll(".row-slot").forEach((slot) => {
      const cell = row.querySelector(':scope > td[data-col="' + slot.dataset.slot + '"]');
      if (!cell) return;
      const body = slot.querySelector(".row-slot-body");
      const [from, to] = intoDialog ? [cell, body] : [body, cell];
      while (from.firstChild) to.appendChild(from.firstChild);
    });
  }
  function openRowEditor(row) {
    const dialog = row.querySelector("dialog.row-editor");
    if (!dialog || dialog.open) return;
    moveCells(row, dialog, true);
    dialog.addEventListener("close", () => moveCells(row, dialog, false), { once: true });
    dialog.showModal();
    const first = dialog.querySelector(".has-error input:not([type=hidden]), .has-error select, .has-error textarea") ||
      dialog.querySelector(".row-editor-body input:not([type=hidden]):not([readonly]), .row-editor-body select, .row-editor-body textarea");
    if (first) first.focus();
  }
  document.addEventListener("click", (event) => {
    const edit = event.target.closest(".grid-edit");
    if (edit) {
      openRowEditor(edit.closest("tr"));
      return;
    }
    const done = event.target.closest(".row-editor-done");
    if (done) done.closest("dialog").close();
  });
  // A row whose error names a field only its editor shows opens that editor.
  function openFailedRow(root) {
    const failed = root.querySelector("#doc-form dialog.row-editor .field.has-error:not(.row-slot)");
    const dialog = failed && failed.closest("dialog");
    if (!dialog || dialog.dataset.seen) return; // once per page drawn, not on every swap
    dialog.dataset.seen = "1";
    openRowEditor(failed.closest("tr"));
  }

  // ---------------------------------------------------------------- form: uploads, signature, location
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!input.classList.contains("upload-input") || !input.files.length) return;
    const box = input.closest(".upload");
    const body = new FormData();
    body.append("file", input.files[0]);
    fetch("/app/_upload", { method: "POST", body: body, headers: { "X-Frappe-CSRF-Token": csrf() }, credentials: "same-origin" })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data: data })))
      .then(({ ok, data }) => {
        if (!ok) return toast(data.error || T.failed, "red");
        box.querySelector(".upload-value").value = data.file_url;
        const preview = box.querySelector(".preview");
        if (preview) { preview.src = data.file_url; preview.hidden = false; }
        const link = box.querySelector(".upload-link");
        if (link) { link.href = data.file_url; link.textContent = data.file_name; link.hidden = false; }
        box.querySelector(".upload-clear").hidden = false;
      });
  });
  document.addEventListener("click", (event) => {
    const clear = event.target.closest(".upload-clear");
    if (!clear) return;
    const box = clear.closest(".upload");
    box.querySelector(".upload-value").value = "";
    box.querySelectorAll(".preview, .upload-link").forEach((e) => (e.hidden = true));
    clear.hidden = true;
  });

  function initSignature(pad) {
    if (pad.dataset.ready) return;
    pad.dataset.ready = "1";
    const box = pad.closest(".signature");
    const ctx = pad.getContext("2d");
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    let drawing = false;
    function point(event) {
      const rect = pad.getBoundingClientRect();
      return [(event.clientX - rect.left) * (pad.width / rect.width), (event.clientY - rect.top) * (pad.height / rect.height)];
    }
    pad.addEventListener("pointerdown", (event) => {
      drawing = true;
      pad.setPointerCapture(event.pointerId);
      const [x, y] = point(event);
      ctx.beginPath();
      ctx.moveTo(x, y);
    });
    pad.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      const [x, y] = point(event);
      ctx.lineTo(x, y);
      ctx.stroke();
    });
    pad.addEventListener("pointerup", () => {
      drawing = false;
      box.querySelector(".signature-value").value = pad.toDataURL("image/png");
    });
    box.querySelector(".signature-clear").addEventListener("click", () => {
      ctx.clearRect(0, 0, pad.width, pad.height);
      box.querySelector(".signature-value").value = "";
      const old = box.querySelector(".signature-img");
      if (old) old.remove();
    });
  }
  document.addEventListener("click", (event) => {
    const locate = event.target.closest(".geo-locate");
    if (!locate) return;
    const box = locate.closest(".geo");
    if (!navigator.geolocation) return toast(T.location + "n/a", "red");
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const lon = Number(pos.coords.longitude.toFixed(6));
        const lat = Number(pos.coords.latitude.toFixed(6));
        const geo = { type: "FeatureCollection", features: [{ type: "Feature", properties: { accuracy: pos.coords.accuracy }, geometry: { type: "Point", coordinates: [lon, lat] } }] };
        box.querySelector(".geo-value").value = JSON.stringify(geo);
        box.querySelector(".geo-text").textContent = lat + ", " + lon;
      },
      (err) => toast(T.location + err.message, "red"),
      { enableHighAccuracy: true, timeout: 15000 }
    );
  });

  // A latitude/longitude pair of number fields (hooks desk_location_fields): one tap fills both.
  document.addEventListener("click", (event) => {
    const fill = event.target.closest(".geo-fill");
    if (!fill) return;
    if (!navigator.geolocation) return toast(T.location + "n/a", "red");
    fill.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        fill.disabled = false;
        [[fill.dataset.latitude, pos.coords.latitude], [fill.dataset.longitude, pos.coords.longitude]].forEach(([id, value]) => {
          const input = document.getElementById(id);
          if (!input) return;
          input.value = value.toFixed(6);
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
      },
      (err) => {
        fill.disabled = false;
        toast(T.location + err.message, "red");
      },
      { enableHighAccuracy: true, timeout: 15000 }
    );
  });

  // ---------------------------------------------------------------- form: workflow actions
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".wf-action");
    if (!button) return;
    // A reason or a risk note is asked in the decision sheet (approvals.js), never a prompt.
    if ((button.dataset.reason || button.dataset.risk) && window.deskDecide) return window.deskDecide(button);
    const values = { action: button.dataset.action };
    const comment = button.closest(".workflow-bar")?.querySelector("textarea[name=comment]");
    if (comment && comment.value.trim()) values.comment = comment.value;
    button.disabled = true;
    htmx.ajax("POST", button.dataset.url, { values: values, target: "#workflow-errors", swap: "innerHTML" }).then(() => (button.disabled = false));
  });

  // ---------------------------------------------------------------- init (page load and every htmx swap)
  function init(root) {
    initFilterBuilder(root);
    updateBulk(root);
    root.querySelectorAll(".signature-pad").forEach(initSignature);
    openFailedRow(root);
  }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSettle", () => init(document));

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", () => navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {}));
  }
})();
