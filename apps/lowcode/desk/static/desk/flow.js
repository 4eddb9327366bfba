// After a call (issue 17): tapping a tel: link remembers which record was called (in
// sessionStorage, so it survives the page going to the background or being reloaded); when the
// page is shown again, a sheet offers the follow-up form for that record, prefilled by the
// server (/app/_call_follow_up, lib/calls.py). Saving it is the ordinary insert, which then
// returns to the record that was called.
(function () {
  "use strict";
  const KEY = "desk-call";
  const FLASH = "desk-flash";
  const FRESH_MS = 4 * 60 * 60 * 1000; // a call older than this is not offered any more

  function pad(n) {
    return String(n).padStart(2, "0");
  }
  function localTime(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  // The record a tel: link belongs to: the nearest element naming one (data-name with
  // data-doctype or data-slug), else the open form's.
  function recordOf(link) {
    const holder = link.closest("[data-name][data-doctype], [data-name][data-slug]");
    if (holder && holder.dataset.doctype) return { doctype: holder.dataset.doctype, name: holder.dataset.name };
    if (holder) return { slug: holder.dataset.slug, name: holder.dataset.name };
    const form = document.getElementById("doc-form");
    const match = form && (form.getAttribute("hx-post") || "").match(/^\/app\/([^/]+)\/(.+)$/);
    if (match && match[2] !== "new") return { slug: match[1], name: decodeURIComponent(match[2]) };
    return null;
  }

  function remembered() {
    try {
      const call = JSON.parse(sessionStorage.getItem(KEY) || "null");
      return call && Date.now() - call.t < FRESH_MS ? call : null;
    } catch (e) {
      return null;
    }
  }
  function forget() {
    try {
      sessionStorage.removeItem(KEY);
    } catch (e) {
      /* nothing stored */
    }
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest('a[href^="tel:"]');
    if (!link) return;
    const record = recordOf(link);
    if (!record) return;
    const now = new Date();
    const call = Object.assign(record, { t: now.getTime(), at: localTime(now), away: false });
    try {
      sessionStorage.setItem(KEY, JSON.stringify(call));
    } catch (e) {
      /* private mode: no offer afterwards */
    }
  });

  function sheet() {
    let dialog = document.getElementById("flow-sheet");
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "flow-sheet";
      dialog.className = "flow-sheet";
      dialog.setAttribute("aria-labelledby", "flow-sheet-title");
      dialog.addEventListener("close", forget);
      document.body.appendChild(dialog);
    }
    return dialog;
  }

  // The form in the sheet posts into the sheet and comes back to the called record.
  function fitForm(dialog) {
    const area = dialog.querySelector("#flow-sheet-area");
    const form = area && area.querySelector("form");
    if (!form) return;
    form.setAttribute("hx-target", "#flow-sheet-area");
    if (!form.querySelector('input[name="__return"]')) {
      const back = document.createElement("input");
      back.type = "hidden";
      back.name = "__return";
      back.value = area.dataset.return || "";
      form.appendChild(back);
    }
    // A call is about the record it came from: empty links (another customer, contact …)
    // stay in the form, out of the way, so what was said and the outcome fit the screen.
    area.querySelectorAll(".field-link:not(.has-error)").forEach((box) => {
      const input = box.querySelector("input[name]");
      if (input && !input.value) box.classList.add("flow-spare");
    });
    if (window.htmx) window.htmx.process(area);
  }

  function offer() {
    const call = remembered();
    if (!call || !call.away || document.getElementById("flow-sheet")?.open) return;
    const query = new URLSearchParams({ name: call.name, at: call.at });
    query.set(call.doctype ? "doctype" : "slug", call.doctype || call.slug);
    fetch("/app/_call_follow_up?" + query, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then((response) => (response.status === 200 ? response.text() : ""))
      .then((html) => {
        if (!html) {
          forget();
          return;
        }
        const dialog = sheet();
        dialog.innerHTML = html;
        fitForm(dialog);
        dialog.showModal();
        // What was said comes first: the rest is prefilled.
        const first = dialog.querySelector("textarea") || dialog.querySelector("input:not([type=hidden])");
        if (first) first.focus({ preventScroll: true });
      })
      .catch(() => {});
  }

  // Leaving for the dialler hides the page; coming back shows it (or reloads it: pageshow).
  document.addEventListener("visibilitychange", () => {
    const call = remembered();
    if (!call) return;
    if (document.visibilityState === "hidden") {
      call.away = true;
      try {
        sessionStorage.setItem(KEY, JSON.stringify(call));
      } catch (e) {
        /* keep going */
      }
    } else {
      offer();
    }
  });
  window.addEventListener("pageshow", offer);

  document.addEventListener("click", (event) => {
    if (event.target.closest(".flow-sheet-close")) document.getElementById("flow-sheet")?.close();
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const dialog = document.getElementById("flow-sheet");
    if (dialog && dialog.contains(event.target)) fitForm(dialog);
  });

  // A save with a warning (a rule's step refused): keep the message across the redirect when
  // form_actions.js, which does the same on forms, is not on this page.
  document.body.addEventListener("desk:flash", (event) => {
    if (document.querySelector('script[src*="form_actions"]')) return;
    try {
      if (!event.detail.stay) sessionStorage.setItem(FLASH, JSON.stringify({ message: event.detail.message, colour: event.detail.colour }));
    } catch (e) {
      /* shown below only */
    }
    if (window.deskToast) window.deskToast(event.detail.message, event.detail.colour);
  });
  // Saved: the sheet's work is done (HX-Redirect follows).
  document.addEventListener("htmx:afterRequest", (event) => {
    const dialog = document.getElementById("flow-sheet");
    const redirect = event.detail.xhr && event.detail.xhr.getResponseHeader("HX-Redirect");
    if (dialog && dialog.contains(event.target) && redirect) forget();
  });
})();
