// Report Builder: remember which steps are open across the preview's re-render (the form's
// hidden "open" field travels with every change), and keep focus on the control just used.
(function () {
  "use strict";
  function sync() {
    const input = document.getElementById("rb-open");
    if (!input) return;
    const open = Array.from(document.querySelectorAll(".rb-step[open]")).map((d) => d.dataset.step);
    input.value = open.join(",");
  }
  let focused = null;
  document.addEventListener("toggle", (event) => {
    if (event.target.classList && event.target.classList.contains("rb-step")) sync();
  }, true);
  document.addEventListener("htmx:beforeRequest", () => {
    sync();
    const active = document.activeElement;
    focused = active && active.id ? active.id : active && active.name ? "name:" + active.name + ":" + active.value : null;
  });
  document.addEventListener("htmx:afterSettle", () => {
    sync();
    if (!focused) return;
    let target = null;
    if (focused.startsWith("name:")) {
      const [, name, value] = focused.split(":");
      target = Array.from(document.getElementsByName(name)).find((el) => el.value === value) || null;
    } else {
      target = document.getElementById(focused);
    }
    if (target) target.focus({ preventScroll: true });
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", sync);
  else sync();
})();
