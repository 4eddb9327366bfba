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
  });

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
      sessionStorage.setItem(FLASH, JSON.stringify(flash));
    } catch (e) {
      /* private mode: the message is shown below, the page then changes */
    }
    if (window.deskToast) window.deskToast(flash.message, flash.colour);
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
