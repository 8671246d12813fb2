// Keeps a page's [data-refresh-region] current: every few seconds, while the tab is visible
// and "Update automatically" is on, the page is fetched again and the region's content is
// swapped in. The admin's choice is remembered. Without this script the page simply shows
// what it showed when it loaded (reload to update).
(function () {
  "use strict";

  const KEY = "signal.refresh";

  function start() {
    const regions = [...document.querySelectorAll("[data-refresh-region]")];
    const toggle = document.querySelector("[data-refresh-toggle]");
    const status = document.querySelector("[data-refresh-status]");
    if (!regions.length || !toggle) return;
    const seconds = Number(regions[0].dataset.refreshSeconds || 10);
    toggle.hidden = false;
    const box = toggle.querySelector("input");
    box.checked = localStorage.getItem(KEY) !== "off";
    box.addEventListener("change", () => {
      localStorage.setItem(KEY, box.checked ? "on" : "off");
      say(box.checked ? "" : "Paused");
      if (box.checked) refresh();
    });

    function say(text) {
      if (status) status.textContent = text;
    }

    function busy() {
      // never pull content from under the admin: an open detail or a focused field waits
      return regions.some(
        (region) => region.querySelector("details[open]") || region.contains(document.activeElement)
      );
    }

    async function refresh() {
      if (!box.checked || document.visibilityState !== "visible") return;
      if (busy()) {
        say("Paused while you read");
        return;
      }
      try {
        const response = await fetch(location.href, { credentials: "same-origin" });
        if (!response.ok) throw new Error(String(response.status));
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        for (const region of regions) {
          const fresh = page.querySelector(
            `[data-refresh-region="${region.dataset.refreshRegion}"]`
          );
          if (fresh) region.innerHTML = fresh.innerHTML;
        }
        say(`Updated ${new Date().toLocaleTimeString()}`);
      } catch (error) {
        say("Could not update: reload the page");
      }
    }

    setInterval(refresh, seconds * 1000);
    document.addEventListener("visibilitychange", refresh);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
