// The blueprint editor's live preview: as the admin edits the blueprint or picks an event,
// the preview panel is fetched again for the unsaved text. Without this script the
// "Preview" button does the same with a full page.
(function () {
  "use strict";

  function start() {
    const form = document.querySelector("form.blueprint-editor");
    if (!form) return;
    const panel = document.getElementById("blueprint-preview");
    const url = form.dataset.previewUrl;
    let timer = null;
    let latest = 0;

    async function refresh() {
      const asked = ++latest;
      const body = new FormData(form);
      body.delete("action");
      panel.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(url, { method: "POST", body, credentials: "same-origin" });
        if (asked !== latest) return; // a newer edit is on its way
        if (response.ok) panel.innerHTML = await response.text();
      } finally {
        if (asked === latest) panel.removeAttribute("aria-busy");
      }
    }

    function soon() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 350);
    }

    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    const errors = document.querySelector("[data-testid=blueprint-errors]");
    if (errors) errors.focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
