/* The desk's keyboard shortcuts, confirmation dialogs and small niceties. No framework. */
(function () {
  "use strict";

  if (window.htmx) {
    // Refusals (403, 409, 422) carry a message for the live region: swap them too.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "[45]..", swap: true, error: true },
      { code: "...", swap: false },
    ];
    htmx.config.defaultFocusScroll = false;
  }

  // The queue's live counts refresh every 10 s while the tab is visible. A trigger filter
  // (`every 10s [document.visibilityState ...]`) would need eval, which the CSP forbids.
  setInterval(() => {
    if (document.visibilityState === "visible") document.body.dispatchEvent(new Event("counts-tick"));
  }, 10000);

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const typing = (el) =>
    el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const openDialog = () => $("dialog[open]");

  // --- posts chosen for removal: the confirm dialog lists exactly what the ticks say ----------
  function syncChosenPosts() {
    const ticked = new Map($$("input[data-post-choice]").map((box) => [box.value, box.checked]));
    $$("[data-chosen-posts]").forEach((list) => {
      let kept = 0;
      $$("li[data-post]", list).forEach((li) => {
        const removed = ticked.get(li.dataset.post) !== false;
        li.hidden = li.hasAttribute("data-kept") ? removed : !removed;
        if (li.hasAttribute("data-kept") && !removed) { kept += 1; }
      });
      const heading = $("[data-kept-heading]", list);
      if (heading) { heading.hidden = kept === 0; }
    });
  }
  document.addEventListener("change", (e) => {
    if (e.target.matches("input[data-post-choice]")) { syncChosenPosts(); }
  });

  // --- dialogs -----------------------------------------------------------------------------
  document.addEventListener("click", (e) => {
    const opener = e.target.closest("[data-confirm]");
    if (opener && !opener.disabled) {
      const dialog = document.getElementById(opener.dataset.confirm);
      if (dialog) { syncChosenPosts(); dialog.showModal(); }
      return;
    }
    if (e.target.closest("[data-close]")) { e.target.closest("dialog").close(); return; }
    if (e.target.closest("[data-shortcuts-open]")) { toggleShortcuts(); return; }
    const colour = e.target.closest("[data-toggle-colour]");
    if (colour) {
      const media = colour.closest("figure").querySelector("img, video");
      media.classList.toggle("greyscale");
      colour.textContent = media.classList.contains("greyscale") ? "Colour" : "Greyscale";
      return;
    }
    const hide = e.target.closest("[data-hide-media]");
    if (hide) {
      const fig = hide.closest("figure");
      fig.classList.toggle("rehidden");
      hide.textContent = fig.classList.contains("rehidden") ? "Show" : "Hide";
      return;
    }
    const row = e.target.closest("tr[data-href]");
    if (row && !e.target.closest("a, button, input, label, select")) {
      window.location.href = row.dataset.href;
    }
  });

  function toggleShortcuts() {
    const d = $("#shortcuts");
    if (d.open) { d.close(); } else { d.showModal(); }
  }

  // --- the queue: current row, selection ------------------------------------------------------
  let current = -1;
  const rows = () => $$("#queue-results tr[data-href]");

  function setCurrent(i, scroll) {
    const all = rows();
    if (!all.length) { current = -1; return; }
    current = Math.max(0, Math.min(i, all.length - 1));
    all.forEach((r, n) => {
      r.classList.toggle("current", n === current);
      if (n === current) { r.setAttribute("aria-current", "true"); } else { r.removeAttribute("aria-current"); }
    });
    if (scroll) { all[current].scrollIntoView({ block: "nearest" }); }
  }

  function updateSelection() {
    const n = $$("#queue-results input[name=case_ids]:checked").length;
    $$("[data-selected-count]").forEach((el) => {
      el.textContent = n ? `${n} case${n === 1 ? "" : "s"} selected` : "No cases selected";
    });
    $$("[data-selected-count-plain]").forEach((el) => { el.textContent = String(n); });
    $$("[data-needs-selection]").forEach((el) => { el.disabled = n === 0; });
  }
  document.addEventListener("change", (e) => {
    if (e.target.matches("input[name=case_ids]")) { updateSelection(); }
  });

  // --- relative deadlines stay true without a reload ------------------------------------------
  function duration(seconds) {
    const minutes = Math.floor(seconds / 60);
    if (minutes < 1) { return "<1 min"; }
    if (minutes < 60) { return `${minutes} min`; }
    const hours = Math.floor(minutes / 60), rest = minutes % 60;
    if (hours < 48) { return rest && hours < 10 ? `${hours} h ${rest} min` : `${hours} h`; }
    return `${Math.floor(hours / 24)} d`;
  }
  function refreshDue() {
    const now = Date.now();
    $$("time.due[datetime]").forEach((t) => {
      const left = (Date.parse(t.getAttribute("datetime")) - now) / 1000;
      t.textContent = left < 0 ? `${duration(-left)} overdue` : `in ${duration(left)}`;
      t.classList.toggle("overdue", left < 0);
      t.classList.toggle("soon", left >= 0 && left <= 15 * 60);
      t.classList.toggle("ok", left > 15 * 60);
    });
  }
  setInterval(refreshDue, 30000);

  // --- keyboard ---------------------------------------------------------------------------
  let pendingG = 0;

  function press(key) {
    const target = $$(`[data-key="${key}"]`).find((el) => !el.disabled && visible(el));
    if (!target) { return false; }
    if (typing(target)) { target.focus(); } else { target.click(); }
    return true;
  }

  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.tagName === "TEXTAREA") {
      e.preventDefault();
      const form = e.target.form;
      if (form) { form.requestSubmit(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) { return; }
    if (typing(e.target)) {
      if (e.key === "Escape") { e.target.blur(); }
      return;
    }
    const dialog = openDialog();
    if (dialog) {
      if (e.key === "?" && dialog.id === "shortcuts") { dialog.close(); }
      return; // the dialog owns the keyboard: Enter confirms, Esc cancels
    }
    const page = document.body.dataset.page;
    const now = Date.now();
    if (pendingG && now - pendingG < 1200) {
      pendingG = 0;
      if (e.key === "q") { e.preventDefault(); window.location.href = "/desk/"; }
      return;
    }
    if (e.key === "g") { pendingG = now; return; }
    if (e.key === "?") { e.preventDefault(); toggleShortcuts(); return; }
    if (page === "queue") {
      if (e.key === "j" || e.key === "ArrowDown" && e.target === document.body) {
        e.preventDefault(); setCurrent(current + 1, true); return;
      }
      if (e.key === "k" || e.key === "ArrowUp" && e.target === document.body) {
        e.preventDefault(); setCurrent(current - 1, true); return;
      }
      if (e.key === "Enter" && !e.target.closest("a, button")) {
        const row = rows()[current];
        if (row) { e.preventDefault(); window.location.href = row.dataset.href; }
        return;
      }
      if (e.key === "x") {
        const row = rows()[current];
        const box = row && row.querySelector("input[name=case_ids]");
        if (box) { box.checked = !box.checked; updateSelection(); }
        return;
      }
      if (e.key === "/") {
        e.preventDefault();
        const first = $("#filters select");
        if (first) { first.focus(); }
        return;
      }
    }
    if (e.key.length === 1 && /[a-z]/.test(e.key) && press(e.key)) { e.preventDefault(); }
  });

  // --- after htmx swaps ---------------------------------------------------------------------
  document.addEventListener("htmx:beforeSwap", () => {
    const d = openDialog();
    if (d && d.id !== "shortcuts") { d.close(); }
  });
  document.addEventListener("htmx:afterSettle", (e) => {
    const root = e.detail.elt;
    if (root && root.id === "queue-results") { setCurrent(0, false); updateSelection(); }
    const focus = root && root.querySelector && root.querySelector("[autofocus]:not(dialog [autofocus])");
    if (focus) {
      focus.focus();
    } else if (root && root.id === "work" && typing(document.activeElement) && !document.activeElement.value) {
      document.activeElement.blur(); // an action is done: keys are shortcuts again
    }
    refreshDue();
  });

  // Filters: leave "any" out of the address, so links stay short and shareable.
  document.addEventListener("htmx:configRequest", (e) => {
    if (e.detail.elt.id !== "filters") { return; }
    const data = e.detail.formData;
    if (!data) { return; }
    Array.from(data.keys()).forEach((k) => { if (!data.get(k)) { data.delete(k); } });
  });

  document.addEventListener("DOMContentLoaded", () => {
    if (document.body.dataset.page === "queue") { setCurrent(0, false); updateSelection(); }
    const focus = $("main [autofocus]:not(dialog [autofocus])");
    if (focus) { focus.focus(); }
  });
})();
