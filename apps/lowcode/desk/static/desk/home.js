// My day (工作台): pull down from the top of the page (or tap ↻) to fetch the day's sections
// again (GET /app?part=day) and swap them in place, without reloading the page.
(function () {
  "use strict";
  const day = document.getElementById("my-day");
  const hint = document.getElementById("pull-hint");
  if (!day || !hint) return;
  const lang = document.body.dataset.lang || "zh";
  const T = {
    zh: { pull: "下拉刷新", release: "松开刷新", loading: "正在刷新…", done: "已刷新", failed: "刷新失败" },
    en: { pull: "Pull to refresh", release: "Release to refresh", loading: "Refreshing…", done: "Refreshed", failed: "Refresh failed" },
  }[lang === "en" ? "en" : "zh"];
  const PULL = 70; // px of downward pull that refreshes
  let startY = null;
  let pulled = 0;
  let busy = false;

  function say(text) {
    hint.textContent = text;
    hint.hidden = !text;
  }

  function refresh() {
    if (busy) return;
    busy = true;
    say(T.loading);
    day.setAttribute("aria-busy", "true");
    fetch("/app?part=day", { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then((html) => {
        day.innerHTML = html;
        if (window.htmx) window.htmx.process(day);
        say(T.done);
        setTimeout(() => say(""), 1500);
      })
      .catch(() => say(T.failed))
      .finally(() => {
        busy = false;
        day.removeAttribute("aria-busy");
        day.style.transform = "";
      });
  }
  window.deskRefreshDay = refresh;

  document.getElementById("day-refresh")?.addEventListener("click", refresh);

  document.addEventListener("touchstart", (event) => {
    startY = window.scrollY <= 0 && event.touches.length === 1 ? event.touches[0].clientY : null;
    pulled = 0;
  }, { passive: true });

  document.addEventListener("touchmove", (event) => {
    if (startY === null || busy) return;
    pulled = event.touches[0].clientY - startY;
    if (pulled <= 0) return;
    day.style.transform = "translateY(" + Math.min(pulled / 2, PULL) + "px)";
    say(pulled >= PULL ? T.release : T.pull);
  }, { passive: true });

  document.addEventListener("touchend", () => {
    if (startY === null) return;
    startY = null;
    day.style.transform = "";
    if (pulled >= PULL) refresh();
    else if (!busy) say("");
  });
})();
