// Tidepool: tag suggestions under the search boxes (inputs with data-suggest).
// The server (/search/suggest) never offers a suppressed tag, and offers nothing at all for
// a suppressed query; this file only shows what it answers. No inline script (CSP).
(function () {
  "use strict";

  var counter = 0;

  function setup(input) {
    var id = "suggest-" + (++counter);
    var list = document.createElement("ul");
    list.id = id;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    var form = input.closest("form") || input.parentNode;
    form.classList.add("suggest-host");
    form.appendChild(list);
    var timer = null;
    var asked = 0;
    var active = -1;

    function options() {
      return Array.prototype.slice.call(list.querySelectorAll('[role="option"]'));
    }

    function hide() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(n) {
      var all = options();
      all.forEach(function (o, i) { o.setAttribute("aria-selected", i === n ? "true" : "false"); });
      active = n;
      if (n >= 0 && all[n]) input.setAttribute("aria-activedescendant", all[n].id);
      else input.removeAttribute("aria-activedescendant");
    }

    function show(items) {
      list.textContent = "";
      if (!items.length) { hide(); return; }
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "suggest-item";
        var a = document.createElement("a");
        a.href = item.url;
        a.textContent = item.label;
        a.tabIndex = -1;
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function ask() {
      var q = input.value;
      if (!q.trim()) { hide(); return; }
      var mine = ++asked;
      fetch("/search/suggest?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (body) { if (mine === asked) show(body.suggestions || []); })
        .catch(function () { if (mine === asked) hide(); });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 120);
    });
    input.addEventListener("keydown", function (event) {
      var all = options();
      if (list.hidden || !all.length) return;
      if (event.key === "ArrowDown") { event.preventDefault(); mark((active + 1) % all.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark(active <= 0 ? all.length - 1 : active - 1); }
      else if (event.key === "Escape") { hide(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = all[active].querySelector("a").href;
      }
    });
    input.addEventListener("blur", function () { setTimeout(hide, 200); });
  }

  document.querySelectorAll("input[data-suggest]").forEach(setup);
})();
