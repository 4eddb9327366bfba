// Kanban: drag a card (SortableJS) or pick a column in its "move to" select; the server
// saves through the form's validation or takes the workflow transition. A refused move
// puts the card back where it was and shows the server's message.
(function () {
  "use strict";
  const board = document.getElementById("kanban");
  if (!board) return;
  const lang = document.body.dataset.lang === "en" ? "en" : "zh";
  const T = {
    zh: { failed: "移动失败", moved: "已移动到「{column}」" },
    en: { failed: "The move failed", moved: "Moved to {column}" },
  }[lang];
  const field = board.dataset.field;

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function toast(message, colour) {
    if (window.deskToast) window.deskToast(message, colour);
  }
  function columnLabel(value) {
    const column = board.querySelector('.kanban-column[data-value="' + CSS.escape(value) + '"] h2');
    return column ? column.textContent.trim() : value;
  }
  function bump(list, delta) {
    const badge = list.closest(".kanban-column").querySelector(".kanban-count");
    const count = Math.max(0, parseInt(badge.dataset.count || "0", 10) + delta);
    badge.dataset.count = String(count);
    badge.textContent = count + (badge.dataset.exact === "1" ? "" : "+");
  }

  function post(card, value, reason) {
    const body = new URLSearchParams({ name: card.dataset.name, field: field, value: value, reason: reason || "" });
    return fetch(board.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Frappe-CSRF-Token": csrf(), Accept: "application/json" },
    })
      .then((r) => r.json().catch(() => ({})).then((data) => ({ ok: r.ok, data: data })))
      .catch(() => ({ ok: false, data: {} }));
  }

  // from/oldIndex: where the card was, to put it back if the server refuses.
  function move(card, from, oldIndex, to, reason) {
    const value = to.dataset.value;
    const select = card.querySelector(".kanban-move-select");
    card.classList.add("is-saving");
    bump(from, -1);
    bump(to, +1);
    post(card, value, reason).then(({ ok, data }) => {
      card.classList.remove("is-saving");
      // A move refused only for want of a reason (a workflow step such as marking a lead
      // invalid, or the board's reason field such as an opportunity going back): ask, retry.
      // Other missing fields (an opportunity's lost reason) are shown, not asked for.
      const errors = data.errors || [];
      const isReason = (e) => e.field === "reason" || (board.dataset.reasonField && e.field === board.dataset.reasonField);
      const needsReason = !ok && !reason && errors.length > 0 && errors.every(isReason);
      if (needsReason) {
        const given = window.prompt(data.message);
        if (given) {
          bump(to, -1);
          bump(from, +1);
          return move(card, from, oldIndex, to, given);
        }
      }
      if (ok) {
        card.dataset.value = value;
        if (data.body) card.querySelector(".kanban-body").innerHTML = data.body;
        if (select) syncSelect(select, value);
        toast(T.moved.replace("{column}", columnLabel(value)), "green");
        return;
      }
      bump(to, -1);
      bump(from, +1);
      from.insertBefore(card, from.children[oldIndex] || null);
      card.scrollIntoView({ block: "nearest", inline: "nearest" });
      if (select) syncSelect(select, from.dataset.value);
      toast(data.message || T.failed, "red");
    });
  }

  // The select's current column reads "move to…", the others "→ column".
  function syncSelect(select, value) {
    Array.from(select.options).forEach((o) => {
      o.textContent = o.value === value ? select.dataset.prompt : "→ " + o.dataset.label;
    });
    select.value = value;
  }

  board.addEventListener("change", (event) => {
    const select = event.target.closest(".kanban-move-select");
    if (!select) return;
    const card = select.closest(".kanban-card");
    const from = card.parentElement;
    const to = board.querySelector('.kanban-cards[data-value="' + CSS.escape(select.value) + '"]');
    if (!to || to === from) return;
    const oldIndex = Array.from(from.children).indexOf(card);
    to.insertBefore(card, to.firstChild);
    card.scrollIntoView({ block: "nearest", inline: "nearest" });
    move(card, from, oldIndex, to);
  });

  if (board.dataset.canWrite === "1" && window.Sortable) {
    board.querySelectorAll(".kanban-cards").forEach((list) => {
      window.Sortable.create(list, {
        group: "kanban",
        sort: false,
        draggable: ".kanban-card",
        filter: ".kanban-move, .kanban-move *",
        preventOnFilter: false,
        delay: 180, // on touch screens a short press starts a drag; a swipe scrolls the board
        delayOnTouchOnly: true,
        animation: 120,
        onStart: () => board.querySelectorAll(".kanban-cards").forEach((l) => l.classList.add("drop-target")),
        onEnd: (event) => {
          board.querySelectorAll(".kanban-cards").forEach((l) => l.classList.remove("drop-target"));
          if (event.from === event.to) return;
          move(event.item, event.from, event.oldIndex, event.to);
        },
      });
    });
  }

  // The board's field picker and filters apply on change.
  document.querySelectorAll(".board-controls .auto-submit").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
})();
