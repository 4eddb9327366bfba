// Lists for thumbs and the global search (issue 17): the search drop-down closes when the
// box loses focus or Escape is pressed (it is filled by HTMX, debounced in the box's trigger).
(function () {
  "use strict";

  function closeSuggest() {
    var box = document.getElementById("search-suggest");
    if (box) box.innerHTML = "";
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target && event.target.id === "global-search") closeSuggest();
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".topbar .search")) closeSuggest();
  });
})();
