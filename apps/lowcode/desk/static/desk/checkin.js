// One-tap check-in (lowcode.desk.lib.checkin): the camera's photo, then the browser's position,
// posted together; the server records its own time, stamps the photo and answers the result.
(function () {
  "use strict";

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function errorText(data) {
    if (data && Array.isArray(data.errors) && data.errors.length) {
      return data.errors.map((e) => e.message).join("；");
    }
    return (data && (data.message || data.exception)) || "";
  }

  function show(card, text, kind) {
    const box = card.querySelector(".checkin-progress");
    box.className = "checkin-progress" + (kind ? " " + kind : "");
    box.textContent = text;
  }

  function refreshForm() {
    // The form re-read in place (a check-in moves the workflow): no full page load.
    if (window.htmx && document.getElementById("form-area")) {
      window.htmx.ajax("GET", window.location.pathname, { target: "#form-area", select: "#form-area", swap: "outerHTML" });
    } else {
      window.location.reload();
    }
  }

  function send(card, photo, pos) {
    const d = card.dataset;
    const body = new FormData();
    body.append("name", d.name);
    body.append("latitude", String(pos.coords.latitude));
    body.append("longitude", String(pos.coords.longitude));
    if (pos.coords.accuracy != null) body.append("accuracy", String(pos.coords.accuracy));
    body.append("photo", photo, photo.name || "photo.jpg");
    show(card, d.sending + " " + d.accuracy.replace("{m}", Math.round(pos.coords.accuracy || 0)));
    fetch(d.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      // The API follows Accept-Language (often en-US); the desk's language is the page's.
      headers: { "X-Frappe-CSRF-Token": csrf(), Accept: "application/json", "X-Language": document.documentElement.lang || "zh-CN" },
    })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data: data })))
      .then(({ ok, data }) => {
        card.classList.remove("busy");
        if (!ok) return show(card, d.failed.replace("{reason}", errorText(data)), "error");
        const m = data.message || {};
        const time = String(m.checkin_time || "").replace("T", " ").slice(0, 16);
        let text = d.done.replace("{time}", time) + (m.checkin_address ? " · " + m.checkin_address : "");
        if (m.checkin_flagged) text += "\n" + d.flagged.replace("{reason}", m.checkin_note || "");
        else if (m.checkin_note) text += "\n" + m.checkin_note;
        show(card, text, m.checkin_flagged ? "flag" : "ok");
        const preview = card.querySelector(".checkin-preview");
        if (preview && Array.isArray(m.photos) && m.photos.length) {
          preview.src = m.photos[m.photos.length - 1]; // the server's stamped copy
          preview.alt = d.stamped;
        }
        card.classList.add("done");
        card.querySelector(".checkin-button").hidden = true;
        card.querySelector(".checkin-hint").hidden = true;
        refreshForm();
      })
      .catch((err) => {
        card.classList.remove("busy");
        show(card, d.failed.replace("{reason}", err.message), "error");
      });
  }

  document.addEventListener("change", (event) => {
    const input = event.target.closest(".checkin-photo");
    if (!input || !input.files || !input.files.length) return;
    const card = input.closest(".checkin");
    const d = card.dataset;
    const photo = input.files[0];
    input.value = "";
    const preview = card.querySelector(".checkin-preview");
    if (preview && window.URL) {
      preview.src = URL.createObjectURL(photo);
      preview.hidden = false;
    }
    if (!navigator.geolocation) return show(card, d.nogeo, "error");
    card.classList.add("busy");
    show(card, d.locating);
    navigator.geolocation.getCurrentPosition(
      (pos) => send(card, photo, pos),
      (err) => {
        card.classList.remove("busy");
        // The browser's own message is English; say what to do in the page's language.
        show(card, d.geofail.replace("{reason}", d["geo" + err.code] || err.message), "error");
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 }
    );
  });
})();
