// Tidepool: the ⋯ menu button (WAI-ARIA menu button pattern), copy link, file names.
(function () {
  "use strict";

  function toast(text) {
    var el = document.getElementById("toast");
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
    clearTimeout(el._timer);
    el._timer = setTimeout(function () { el.hidden = true; }, 2200);
  }

  function items(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll('[role="menuitem"]'));
  }

  function close(menu, focusButton) {
    var button = menu.querySelector(".menu-button");
    var list = menu.querySelector('[role="menu"]');
    button.setAttribute("aria-expanded", "false");
    list.hidden = true;
    if (focusButton) button.focus();
  }

  function closeAll(except) {
    document.querySelectorAll("[data-menu]").forEach(function (m) {
      if (m !== except && m.querySelector(".menu-button").getAttribute("aria-expanded") === "true") {
        close(m, false);
      }
    });
  }

  function open(menu, focusLast) {
    closeAll(menu);
    var button = menu.querySelector(".menu-button");
    var list = menu.querySelector('[role="menu"]');
    button.setAttribute("aria-expanded", "true");
    list.hidden = false;
    var all = items(menu);
    if (all.length) (focusLast ? all[all.length - 1] : all[0]).focus();
  }

  function copy(url) {
    var absolute = new URL(url, window.location.href).href;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(absolute).then(
        function () { toast("Link copied"); },
        function () { window.prompt("Copy this link:", absolute); }
      );
    } else {
      var field = document.createElement("textarea");
      field.value = absolute;
      field.setAttribute("readonly", "");
      field.style.position = "fixed";
      field.style.opacity = "0";
      document.body.appendChild(field);
      field.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(field);
      if (ok) toast("Link copied"); else window.prompt("Copy this link:", absolute);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".menu-button");
    if (button) {
      var menu = button.closest("[data-menu]");
      if (button.getAttribute("aria-expanded") === "true") close(menu, false);
      else open(menu, false);
      return;
    }
    var copier = event.target.closest("[data-copy]");
    if (copier) {
      copy(copier.getAttribute("data-copy"));
      close(copier.closest("[data-menu]"), true);
      return;
    }
    if (!event.target.closest("[data-menu]")) closeAll(null);
  });

  document.addEventListener("keydown", function (event) {
    var menu = event.target.closest && event.target.closest("[data-menu]");
    if (!menu) return;
    var onButton = event.target.classList.contains("menu-button");
    if (onButton && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      open(menu, event.key === "ArrowUp");
      return;
    }
    if (onButton) return;
    var all = items(menu);
    var i = all.indexOf(event.target);
    if (event.key === "Escape") { event.preventDefault(); close(menu, true); }
    else if (event.key === "ArrowDown") { event.preventDefault(); all[(i + 1) % all.length].focus(); }
    else if (event.key === "ArrowUp") { event.preventDefault(); all[(i - 1 + all.length) % all.length].focus(); }
    else if (event.key === "Home") { event.preventDefault(); all[0].focus(); }
    else if (event.key === "End") { event.preventDefault(); all[all.length - 1].focus(); }
    else if (event.key === "Tab") { close(menu, false); }
  });

  document.addEventListener("change", function (event) {
    if (event.target.id !== "id_media") return;
    var out = document.querySelector("[data-file-names]");
    if (!out) return;
    var names = Array.prototype.map.call(event.target.files, function (f) { return f.name; });
    out.textContent = names.join(", ");
  });

  // The report flow: each step's heading takes the focus, and "Add another post" stops at its limit.
  function focusStep() {
    var heading = document.querySelector("[data-step-heading]");
    if (heading && document.activeElement !== heading) heading.focus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusStep);
  else focusStep();

  document.addEventListener("change", function (event) {
    var group = event.target.closest && event.target.closest("[data-max-items]");
    if (!group || event.target.type !== "checkbox") return;
    var max = parseInt(group.getAttribute("data-max-items"), 10);
    if (!max) return;
    var boxes = Array.prototype.slice.call(group.querySelectorAll('input[type="checkbox"]'));
    var ticked = boxes.filter(function (b) { return b.checked; }).length;
    boxes.forEach(function (b) { if (!b.checked) b.disabled = ticked >= max; });
  });
})();
