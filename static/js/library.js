// Integration Library: narrow the cards while typing. Without JS the search form submits ?q=.
(function () {
  "use strict";
  var input = document.querySelector("[data-library-search]");
  var cards = document.querySelectorAll("[data-library-cards] [data-name]");
  var empty = document.querySelector("[data-library-empty]");
  if (!input) return;

  function filter() {
    var query = input.value.trim().toLowerCase();
    var shown = 0;
    cards.forEach(function (card) {
      var match = card.getAttribute("data-name").indexOf(query) !== -1;
      card.classList.toggle("is-hidden", !match);
      if (match) shown += 1;
    });
    if (empty) empty.classList.toggle("is-hidden", shown > 0);
  }

  input.addEventListener("input", filter);
})();
