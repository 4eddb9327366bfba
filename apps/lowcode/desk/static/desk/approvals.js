// Approver decisions from a list, a notification or a form: one sheet (a bottom sheet on a
// phone) with a comment box, and the reason (with its ready-made templates) where the action
// needs one. It posts to /app/approvals/decide, which applies the workflow's own action.
(function () {
  "use strict";
  const sheet = document.getElementById("ap-sheet");
  if (!sheet) return;
  const form = sheet.querySelector("form");
  const lang = document.body.dataset.lang || "zh";
  const T = {
    zh: { failed: "操作失败" },
    en: { failed: "Failed" },
  }[lang === "en" ? "en" : "zh"];
  let opener = null;
  // The sheet's own wording (the template's, translated): "Confirm" and "Cancel".
  const confirmText = sheet.querySelector(".ap-sheet-ok").textContent;
  const dismissText = sheet.querySelector(".ap-sheet-cancel").textContent.trim();

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function show(part, on) {
    sheet.querySelector(part).hidden = !on;
  }

  function clearErrors() {
    const alert = sheet.querySelector("#ap-sheet-alert");
    alert.hidden = true;
    alert.textContent = "";
    sheet.querySelectorAll(".field-error").forEach((p) => (p.textContent = ""));
    sheet.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  }

  function chips(button) {
    const box = sheet.querySelector(".ap-chips");
    box.textContent = "";
    const source = button.nextElementSibling;
    if (!source || !source.matches("template.ap-reasons")) return;
    source.content.querySelectorAll("span").forEach((span) => {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "ap-chip";
      chip.textContent = span.textContent;
      chip.setAttribute("aria-pressed", "false");
      box.appendChild(chip);
    });
  }

  // Open the sheet for one decision button (the list's .ap-decide or the form's .wf-action).
  function open(button) {
    opener = button;
    form.reset();
    clearErrors();
    form.elements.doctype.value = button.dataset.doctype || "";
    form.elements.name.value = button.dataset.name || "";
    form.elements.action.value = button.dataset.action || "";
    form.elements.notification.value = button.dataset.notification || "";
    const label = button.dataset.label || button.textContent.trim();
    sheet.querySelector("#ap-sheet-title").textContent = label;
    sheet.querySelector("#ap-sheet-doc").textContent = button.dataset.title || "";
    const ok = sheet.querySelector(".ap-sheet-ok");
    // The decision's name, unless it reads as the button that closes the sheet (a workflow's
    // "Cancel" is 取消 too): two 取消 side by side, one of them cancelling the document.
    ok.textContent = label === dismissText ? confirmText : label;
    ok.className = "btn ap-sheet-ok " + (button.classList.contains("btn-danger") ? "btn-danger-solid" : "btn-primary");
    show(".ap-sheet-reason", !!button.dataset.reason);
    show(".ap-sheet-risk", !!button.dataset.risk);
    chips(button);
    sheet.showModal();
    // The box the approver writes in first: the reason when one is needed, else the comment.
    sheet.querySelector(button.dataset.reason ? "#ap-reason" : "#ap-comment").focus();
  }
  window.deskDecide = open;

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".ap-decide");
    if (button) open(button);
  });

  sheet.addEventListener("click", (event) => {
    const chip = event.target.closest(".ap-chip");
    if (chip) {
      form.elements.reason.value = chip.textContent;
      sheet.querySelectorAll(".ap-chip").forEach((c) => c.setAttribute("aria-pressed", String(c === chip)));
      return;
    }
    if (event.target.closest(".ap-sheet-cancel")) sheet.close();
  });

  function failed(data) {
    const alert = sheet.querySelector("#ap-sheet-alert");
    const errors = data.errors || {};
    let placed = false;
    Object.keys(errors).forEach((field) => {
      const slot = sheet.querySelector("#ap-" + field + "-err");
      if (slot) {
        slot.textContent = errors[field];
        const input = form.elements[field];
        if (input) input.setAttribute("aria-invalid", "true");
        placed = true;
      }
    });
    if (!placed) {
      alert.textContent = data.message || T.failed;
      alert.hidden = false;
    }
  }

  // After a decision from a list: every row of that document shows the outcome instead of buttons.
  function settle(doctype, name, result) {
    document.querySelectorAll(".ap-actions").forEach((group) => {
      const first = group.querySelector(".ap-decide");
      if (!first || first.dataset.doctype !== doctype || first.dataset.name !== name) return;
      const done = document.createElement("p");
      done.className = "ap-result";
      done.setAttribute("role", "status");
      done.textContent = result;
      group.closest("li.unread")?.classList.remove("unread"); // acted on: read
      group.replaceWith(done);
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors();
    const ok = sheet.querySelector(".ap-sheet-ok");
    ok.disabled = true;
    const body = new FormData(form);
    // getAttribute: the form has an input named "action", which form.action would return.
    fetch(form.getAttribute("action"), { method: "POST", body: body, headers: { "X-Frappe-CSRF-Token": csrf() }, credentials: "same-origin" })
      .then((response) => response.json().catch(() => ({ ok: false })))
      .then((data) => {
        ok.disabled = false;
        if (!data.ok) return failed(data);
        sheet.close();
        if (window.deskToast) window.deskToast(data.message, "green");
        if (opener && opener.classList.contains("wf-action")) {
          window.location.reload(); // the form shows the new state, its fields and buttons
          return;
        }
        settle(body.get("doctype"), body.get("name"), data.result);
      })
      .catch(() => {
        ok.disabled = false;
        failed({});
      });
  });
})();
