// Live updates for the plan page: the server reports changes to the plan's document by
// server-sent events; this re-fetches the plan's view and puts it in place, leaving the forms
// (and whatever someone is typing in them) alone.
"use strict";

for (const section of document.querySelectorAll("[data-live-events]")) {
  const events = new EventSource(section.dataset.liveEvents);
  let busy = false;
  events.addEventListener("changed", async () => {
    if (busy) return;
    busy = true;
    try {
      const res = await fetch(section.dataset.liveFragment, { credentials: "same-origin" });
      if (res.ok) {
        section.innerHTML = await res.text();
        section.dataset.updated = String(Date.now());
      }
    } finally {
      busy = false;
    }
  });
}
