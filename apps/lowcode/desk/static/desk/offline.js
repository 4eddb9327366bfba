// Offline basics for every desk page (docs/offline.md), with the service worker (views/pwa.py):
// - a record opened offline comes from the worker's RECORDS cache: a banner says so;
// - a form edited offline is kept as a draft in localStorage, per user and form
//   ("kuaicrm-draft:<user>:<form's post URL>"), restored into the form when it is opened again,
//   and sent, when the user taps 提交草稿 back online, by the form's own save: the draft carries
//   the version stamp (`modified`) the user started from, so a save someone made meanwhile is a
//   conflict the form shows, never overwritten;
// - logging out forgets the user's drafts and the kept records; the login page forgets the kept
//   records too (a session that ended), so a shared phone does not show them to the next user;
// - the offline page (/offline) lists the kept records and the drafts waiting.
(function () {
  "use strict";
  const RECORDS = "desk-records";
  const USER_KEY = "kuaicrm-offline-user";
  const DRAFTS = "kuaicrm-draft:";
  const body = document.body;

  function forgetRecords() {
    return "caches" in window ? caches.delete(RECORDS).catch(() => false) : Promise.resolve(false);
  }
  function draftKeys(user) {
    const prefix = DRAFTS + user + ":";
    const keys = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key && key.startsWith(prefix)) keys.push(key);
    }
    return keys;
  }
  function readDraft(key) {
    try {
      return JSON.parse(localStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }
  function writeDraft(key, draft) {
    localStorage.setItem(key, JSON.stringify(draft));
  }
  function when(iso) {
    const d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleString(document.documentElement.lang || "zh-CN", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  // ------------------------------------------------------------ the login page: a session ended
  if (body.classList.contains("login-page")) {
    forgetRecords();
    localStorage.removeItem(USER_KEY);
    return;
  }

  // ------------------------------------------------------------ the offline page
  if (body.hasAttribute("data-offline-page")) {
    const user = localStorage.getItem(USER_KEY) || "";
    const recent = document.getElementById("offline-recent");
    const waiting = document.getElementById("offline-drafts");
    function item(list, href, text, note) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      li.appendChild(a);
      if (note) {
        const small = document.createElement("span");
        small.className = "muted";
        small.textContent = " " + note;
        li.appendChild(small);
      }
      list.appendChild(li);
      list.hidden = false;
      const empty = document.getElementById(list.id + "-empty");
      if (empty) empty.hidden = true;
    }
    document.getElementById("offline-retry").addEventListener("click", () => location.reload());
    if (user) {
      draftKeys(user).map(readDraft).filter(Boolean).forEach((d) => item(waiting, d.url, d.title || d.url, when(d.savedAt)));
    }
    if (user && "caches" in window) {
      caches.has(RECORDS).then((has) => has && caches.open(RECORDS)).then(async (cache) => {
        if (!cache) return;
        const kept = (await cache.keys()).reverse();
        for (const request of kept) {
          const response = await cache.match(request);
          const page = new DOMParser().parseFromString(await response.text(), "text/html");
          const title = (page.title || "").split(" · ")[0] || new URL(request.url).pathname;
          item(recent, new URL(request.url).pathname, title);
        }
      });
    }
    return;
  }

  const user = body.dataset.offlineUser || "";
  if (!user) return;
  localStorage.setItem(USER_KEY, user);

  // ------------------------------------------------------------ logging out
  document.querySelectorAll('form[action="/logout"]').forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      draftKeys(user).forEach((key) => localStorage.removeItem(key));
      localStorage.removeItem(USER_KEY);
      forgetRecords().finally(() => form.submit());
    });
  });

  // ------------------------------------------------------------ the banner
  const banner = document.getElementById("offline-banner");
  // At the top of the page's content, where it is seen (base.html renders it after the shell).
  const main = document.getElementById("main");
  if (banner && main) main.prepend(banner);
  const text = banner && banner.querySelector(".offline-banner-text");
  const sendButton = document.getElementById("offline-send");
  const discardButton = document.getElementById("offline-discard");
  function show(message, draft) {
    if (!banner) return;
    text.textContent = message + (draft && draft.savedAt ? "（" + when(draft.savedAt) + "）" : "");
    sendButton.hidden = discardButton.hidden = !draft;
    sendButton.disabled = !navigator.onLine;
    banner.hidden = false;
  }
  function hide() {
    if (banner) banner.hidden = true;
  }

  // ------------------------------------------------------------ drafts of the record form
  function form() {
    return document.getElementById("doc-form");
  }
  function keyOf(f) {
    return DRAFTS + user + ":" + f.getAttribute("hx-post");
  }
  function kept(el) {
    return el.name && el.name !== "csrfmiddlewaretoken" && !el.name.startsWith("__") && !["file", "submit", "button", "reset"].includes(el.type);
  }
  function snapshot(f) {
    return Array.from(f.elements).filter(kept).map((el) => (el.type === "checkbox" || el.type === "radio" ? { n: el.name, v: el.value, c: el.checked } : { n: el.name, v: el.value }));
  }
  function restore(f, fields) {
    // A record read first (record.js): open its form, the draft's values are to be seen.
    const edit = f.classList.contains("reading") && f.querySelector(".record-edit");
    if (edit) edit.click();
    // Fields of the same name (child-table rows) are matched in order.
    const seen = {};
    const all = Array.from(f.elements).filter(kept);
    fields.forEach((item) => {
      seen[item.n] = (seen[item.n] === undefined ? -1 : seen[item.n]) + 1;
      const el = all.filter((e) => e.name === item.n)[seen[item.n]];
      if (!el) return;
      if (item.c !== undefined) el.checked = item.c;
      else el.value = item.v;
    });
  }
  function save(f, sending) {
    const key = keyOf(f);
    const before = readDraft(key);
    const draft = {
      path: f.getAttribute("hx-post"),
      url: location.pathname + location.search,
      title: (before && before.title) || document.title.split(" · ")[0],
      savedAt: new Date().toISOString(),
      fields: snapshot(f),
      sending: !!sending,
    };
    writeDraft(key, draft);
    return draft;
  }
  function textOf(name) {
    return banner ? banner.dataset[name] : "";
  }

  // A draft marked as sending when this page loads was answered by a redirect: it was saved.
  const f0 = form();
  const modified0 = f0 && f0.querySelector("input[name=modified]");
  draftKeys(user).forEach((key) => {
    const d = readDraft(key);
    if (!d || !d.sending) return;
    const same = f0 && keyOf(f0) === key;
    const stamp = (d.fields.find((x) => x.n === "modified") || {}).v;
    if (!same || (modified0 && modified0.value !== stamp)) {
      localStorage.removeItem(key);
      show(textOf("sent"), null);
    }
  });
  if (f0) {
    const d = readDraft(keyOf(f0));
    if (d) {
      if (d.sending) writeDraft(keyOf(f0), Object.assign(d, { sending: false }));
      restore(f0, d.fields);
      show(textOf("draft"), d);
    } else if (!navigator.onLine) {
      show(textOf("offline"), null);
    }
  } else if (!navigator.onLine) {
    show(textOf("offline"), null);
  }

  function editing(event) {
    const f = form();
    if (f && f.contains(event.target) && !navigator.onLine) show(textOf("draft"), save(f));
  }
  document.addEventListener("input", editing);
  document.addEventListener("change", editing);
  // Save tapped offline: keep the draft instead of a request that cannot be answered.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const f = form();
    if (!f || event.detail.elt !== f) return;
    if (!navigator.onLine) {
      event.preventDefault();
      show(textOf("draft"), save(f));
    } else if (readDraft(keyOf(f))) {
      // Saved online with the ordinary button: the draft goes with this save.
      writeDraft(keyOf(f), Object.assign(readDraft(keyOf(f)), { sending: true }));
    }
  });
  document.addEventListener("htmx:sendError", (event) => {
    const f = form();
    if (f && event.detail.elt === f) show(textOf("draft"), save(f));
  });
  // The form re-rendered with a conflict or errors: the draft stays until it is saved. Only
  // the form's own answer counts: another request settling meanwhile (a badge, a refresh)
  // must not mark a draft still being sent as unsent, or the page its redirect loads would
  // offer the saved draft again.
  document.addEventListener("htmx:afterSettle", (event) => {
    const source = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!source || source.id !== "doc-form") return;
    const f = form();
    const d = f && readDraft(keyOf(f));
    if (d && d.sending) {
      writeDraft(keyOf(f), Object.assign(d, { sending: false }));
      show(textOf(f.querySelector("#conflict") ? "conflict" : "draft"), d);
    }
  });
  if (sendButton) {
    sendButton.addEventListener("click", () => {
      const f = form();
      const d = f && readDraft(keyOf(f));
      if (!d) return;
      restore(f, d.fields);
      writeDraft(keyOf(f), Object.assign(d, { sending: true }));
      const saveButton = document.getElementById("save-btn");
      if (saveButton && saveButton.form === f) f.requestSubmit(saveButton);
      else f.requestSubmit();
    });
    discardButton.addEventListener("click", () => {
      const f = form();
      if (f) localStorage.removeItem(keyOf(f));
      location.reload();
    });
  }
  window.addEventListener("online", () => {
    if (sendButton) sendButton.disabled = false;
    const f = form();
    if (!(f && readDraft(keyOf(f)))) hide();
  });
  window.addEventListener("offline", () => {
    const f = form();
    const d = f && readDraft(keyOf(f));
    show(textOf(d ? "draft" : "offline"), d);
  });
})();
