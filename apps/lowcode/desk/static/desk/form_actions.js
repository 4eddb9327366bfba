// Form actions (hooks desk_form_actions): open an action's dialog, close it, and keep the
// server's success message across the redirect that follows (HTMX fires HX-Trigger first).
(function () {
  "use strict";
  const FLASH = "desk-flash";

  document.addEventListener("click", (event) => {
    const open = event.target.closest(".fa-open");
    if (open) {
      const dialog = document.getElementById(open.dataset.dialog);
      if (!dialog) return;
      dialog.showModal();
      const first = dialog.querySelector("input:not([type=hidden]), select, textarea, .fa-submit");
      if (first) first.focus();
      return;
    }
    const close = event.target.closest(".fa-close");
    if (close) close.closest("dialog").close();
    // "下一阶段": pick the record after the current one and confirm at once.
    const next = event.target.closest(".fa-next");
    if (next) {
      const select = document.getElementById(next.dataset.select);
      if (!select) return;
      select.value = next.dataset.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      next.closest("form").requestSubmit();
    }
  });

  // An input with show_when (lost-deal fields) shows, and is posted, only while its
  // controlling picker holds one of its values.
  function applyShow(form) {
    form.querySelectorAll("[data-show-field]").forEach((box) => {
      const control = form.querySelector('[name="' + box.dataset.showField + '"]');
      const shown = !!control && box.dataset.showValues.split("|").includes(control.value);
      box.hidden = !shown;
      box.querySelectorAll("input, select, textarea").forEach((input) => {
        input.disabled = !shown;
      });
    });
  }
  document.addEventListener("change", (event) => {
    const form = event.target.closest && event.target.closest(".fa-form");
    if (form) applyShow(form);
  });
  document.addEventListener("htmx:afterSettle", () => document.querySelectorAll(".fa-form").forEach(applyShow));
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => document.querySelectorAll(".fa-form").forEach(applyShow));
  } else {
    document.querySelectorAll(".fa-form").forEach(applyShow);
  }

  // After a refused post the open dialog holds the server's form again: focus the first error.
  document.addEventListener("htmx:afterSettle", () => {
    const dialog = document.querySelector(".fa-dialog[open]");
    const invalid = dialog && dialog.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
  });

  document.body.addEventListener("desk:flash", (event) => {
    // Only the message: HTMX's detail also holds the element (circular for JSON).
    const flash = { message: event.detail.message, colour: event.detail.colour };
    try {
      // "stay": the page is re-read in place (desk:refresh), no redirect to survive.
      if (!event.detail.stay) sessionStorage.setItem(FLASH, JSON.stringify(flash));
    } catch (e) {
      /* private mode: the message is shown below, the page then changes */
    }
    if (window.deskToast) window.deskToast(flash.message, flash.colour);
  });

  // The action changed the record on this page (a stage change): re-read the form in place.
  document.body.addEventListener("desk:refresh", () => {
    const open = document.querySelector(".fa-dialog[open]");
    if (open) open.close();
    if (window.htmx && document.getElementById("form-area")) {
      window.htmx.ajax("GET", window.location.pathname + window.location.search, {
        target: "#form-area",
        select: "#form-area",
        swap: "outerHTML",
      });
    } else {
      window.location.reload();
    }
  });

  function showFlash() {
    let flash = null;
    try {
      flash = JSON.parse(sessionStorage.getItem(FLASH) || "null");
      sessionStorage.removeItem(FLASH);
    } catch (e) {
      return;
    }
    if (flash && window.deskToast) window.deskToast(flash.message, flash.colour);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showFlash);
  else showFlash();
})();
