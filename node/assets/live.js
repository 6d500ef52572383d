// Live updates for the plan page: the server reports changes to the plan's document by
// server-sent events; this re-fetches the plan's view and puts it in place. Nothing someone is
// typing is ever lost: while an edit form inside the view is open or focused, the refresh
// waits until it closes; and when a change arrives while any form on the page has been
// touched, the page says so (saving still writes only what that person changed).
"use strict";

// After a save or a refusal, the message at the top gets the focus (and is read out).
const flash = document.getElementById("flash");
if (flash) flash.focus();

const touched = new WeakSet();
document.addEventListener("input", (e) => {
  if (e.target.form) touched.add(e.target.form);
});

for (const section of document.querySelectorAll("[data-live-events]")) {
  const events = new EventSource(section.dataset.liveEvents);
  const stale = document.getElementById("stale");
  let busy = false;
  let pending = false;
  const editing = () =>
    section.querySelector("details[open]") !== null || section.contains(document.activeElement);
  const anyTouched = () => [...document.forms].some((f) => touched.has(f));
  const refresh = async () => {
    if (busy) return;
    if (editing()) {
      pending = true;
      return;
    }
    busy = true;
    pending = false;
    try {
      const res = await fetch(section.dataset.liveFragment, { credentials: "same-origin" });
      if (res.ok) {
        section.innerHTML = await res.text();
        section.dataset.updated = String(Date.now());
      }
    } finally {
      busy = false;
    }
  };
  events.addEventListener("changed", () => {
    if (stale && (anyTouched() || editing())) stale.hidden = false;
    refresh();
  });
  section.addEventListener("toggle", () => { if (pending) refresh(); }, true);
  section.addEventListener("focusout", () => { setTimeout(() => { if (pending) refresh(); }, 0); });
}

// Copy buttons (the invite code): copy the named field's text and say so beside the button.
for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    const field = document.getElementById(button.dataset.copy);
    const status = button.nextElementSibling;
    field.select();
    let ok;
    try {
      await navigator.clipboard.writeText(field.value);
      ok = true;
    } catch {
      // No clipboard API outside a secure context (the page opened by a LAN address).
      ok = document.execCommand("copy");
    }
    if (status) status.textContent = ok ? button.dataset.copied : button.dataset.copyFailed;
  });
}
