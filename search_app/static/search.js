// Progressive enhancement of the search page; everything works without it.
// - Forms marked data-autosubmit apply as soon as a checkbox is ticked or a menu option
//   chosen (arrow keys on a closed menu wait for Enter); the control keeps the focus on
//   the new page, so the keyboard can go on from there. A query typed but not searched
//   goes with them.
// - The result count is announced after navigation (a polite live region).
// - The search box offers suggestions from /suggest.json in an ARIA 1.2 combobox.
// - The controls always show what the URL says, after Back, Forward and reload.
// - On small screens the filters are a panel: ticks there are counted ("Show N results")
//   and applied together; the new page opens at the result count.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var DEBOUNCE_MS = 200;
  var MIN_CHARS = 2;
  var ANNOUNCE_DELAY_MS = 300;
  var FOCUS_KEY = "search.autosubmit.focus";
  var RESULTS_KEY = "search.panel.applied";
  // The width below which the filters are a panel: the stylesheet's 52rem breakpoint.
  var NARROW = window.matchMedia("(max-width: 51.99rem)");

  function autosubmit(form) {
    // A closed menu changes with each arrow key: that is browsing the options, not a
    // choice (WCAG 3.2.2). Such a change waits for Enter or the form's Apply button; a
    // choice from the open menu (mouse, or Enter in its list) applies at once.
    var keyed = null;
    form.addEventListener("keydown", function (event) {
      if (!event.target.matches("select")) return;
      if (event.key === "Enter" && form.classList.contains("is-pending")) {
        event.preventDefault();
        remember(event.target);
        submit(form);
        return;
      }
      keyed = event.target;
      window.setTimeout(function () { keyed = null; }, 0);
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (form.closest(".layout__side") && NARROW.matches) return;  // the panel counts instead
      if (target.matches("select") && target === keyed) {
        form.classList.add("is-pending");
        return;
      }
      if (target.matches('input[type="checkbox"], select')) {
        remember(target);
        submit(form);
      }
    });
  }

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit();
    else { carryQuery(form); form.submit(); }
  }

  // A query typed but not yet searched goes with a tick or a sort, instead of being lost.
  function carryQuery(form) {
    var box = document.getElementById("q");
    if (!box || form.contains(box)) return;
    var field = form.querySelector('input[type="hidden"][name="q"]');
    var text = box.value.trim();
    if (!text) { if (field) field.remove(); return; }
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "q";
      form.insertBefore(field, form.firstChild);
    }
    field.value = text;
  }

  // Without this the new page starts with the focus at the top: a keyboard user would
  // Tab back through the page after each tick (or each arrow key on a menu).
  function remember(field) {
    var value = field.type === "checkbox" ? field.value : null;
    try {
      window.sessionStorage.setItem(FOCUS_KEY, JSON.stringify({ name: field.name, value: value }));
    } catch (error) { /* storage switched off: the focus starts at the top */ }
  }

  function restoreFocus() {
    var saved = null;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(FOCUS_KEY));
      window.sessionStorage.removeItem(FOCUS_KEY);
    } catch (error) { return; }
    if (!saved) return;
    var fields = document.querySelectorAll("[data-autosubmit] input[type=\"checkbox\"], [data-autosubmit] select");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].name === saved.name && (saved.value === null || fields[i].value === saved.value)) {
        fields[i].focus();
        return;
      }
    }
  }

  // Back, Forward and reload bring back the controls as they were left (the back-forward
  // cache keeps the page; otherwise the browser restores form state), so a box ticked just
  // before leaving stays ticked over unfiltered results and the next tick sends it again.
  // Every control's default is what the server wrote for this URL: reset to it.
  function showUrlState() {
    document.querySelectorAll("form").forEach(function (form) {
      form.reset();
      form.classList.remove("is-pending");
    });
  }

  // The filters panel of small screens. Open, the rest of the page is inert (a modal
  // dialog in all but name: Escape and Close leave it, discarding unapplied ticks).
  function filtersPanel(panel) {
    var form = panel.querySelector("form");
    var link = document.querySelector(".filters-link");
    var heading = panel.querySelector("#filters-heading");
    var button = panel.querySelector("[data-count-url]");
    var pending = null;
    if (!form || !link || !heading || !button) return;
    var outside = [];
    for (var node = panel; node && node !== document.body; node = node.parentElement) {
      Array.prototype.forEach.call(node.parentElement.children, function (sibling) {
        if (sibling !== node && sibling.tagName !== "SCRIPT") outside.push(sibling);
      });
    }

    function setOpen(open) {
      panel.classList.toggle("is-open", open);
      document.documentElement.classList.toggle("has-panel", open);
      link.setAttribute("aria-expanded", open ? "true" : "false");
      outside.forEach(function (element) { element.inert = open; });
      panel.inert = !open && NARROW.matches;
    }

    // The element the URL's #fragment names, when it is in the panel.
    function targetIn(hash) {
      var target = hash.length > 1 && document.getElementById(decodeURIComponent(hash.slice(1)));
      return target && panel.contains(target) ? target : null;
    }

    function open(hash) {
      setOpen(true);
      if (location.hash !== hash) history.pushState({ filtersPanel: true }, "", hash);
      targetIn(hash).focus();
    }

    function close() {
      if (!panel.classList.contains("is-open")) return;
      form.reset();
      showTotal(null);
      setOpen(false);
      if (history.state && history.state.filtersPanel) history.back();
      else if (targetIn(location.hash)) history.replaceState(null, "", location.pathname + location.search);
      link.focus();
    }

    // "Show N results": N for the boxes as now ticked (null: as the page was served), asked
    // of the JSON API; wide screens keep "Apply filters".
    function showTotal(count) {
      if (count === null) count = parseInt(button.getAttribute("data-total"), 10);
      button.textContent = NARROW.matches
        ? "Show " + count.toLocaleString("en-US") + (count === 1 ? " result" : " results")
        : "Apply filters";
    }

    function recount() {
      carryQuery(form);
      var query = new URLSearchParams(new FormData(form));
      query.set("per_page", "1");
      var request = pending = {};
      fetch(button.getAttribute("data-count-url") + "?" + query.toString(), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && request === pending) showTotal(data.total); })
        .catch(function () { /* the button still applies; only its count is old */ });
    }

    link.setAttribute("aria-expanded", "false");
    // The filters link, and any link to a field of the panel (the year error's), open it.
    document.addEventListener("click", function (event) {
      var anchor = event.target.closest('a[href^="#"]');
      if (!anchor || !NARROW.matches || !targetIn(anchor.hash)) return;
      event.preventDefault();
      open(anchor.hash);
    });
    panel.querySelector(".panel__close").addEventListener("click", function (event) {
      event.preventDefault();
      close();
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && panel.classList.contains("is-open")) { event.preventDefault(); close(); }
    });
    form.addEventListener("change", function () { if (NARROW.matches) recount(); });
    form.addEventListener("submit", function () {
      if (!panel.classList.contains("is-open")) return;
      try { window.sessionStorage.setItem(RESULTS_KEY, "1"); } catch (error) { /* no storage */ }
      // Back from the new page returns to the results, not to the open panel.
      history.replaceState(null, "", location.pathname + location.search);
    });
    window.addEventListener("popstate", function () {
      if (!targetIn(location.hash) && panel.classList.contains("is-open")) {
        form.reset();
        setOpen(false);
      }
    });
    // Back to a page the browser kept whole: the panel as the URL says.
    window.addEventListener("pageshow", function () {
      showTotal(null);
      setOpen(NARROW.matches && !!targetIn(location.hash));
    });
    NARROW.addEventListener("change", function () {
      showTotal(null);
      setOpen(NARROW.matches && !!targetIn(location.hash));
    });
    showTotal(null);
    setOpen(NARROW.matches && !!targetIn(location.hash));
  }

  // "Back to results", previous and next on a resource page opened from a search: the
  // search page keeps its address and its results' links for the tab (sessionStorage).
  var CONTEXT_KEY = "search.results.context";

  function keepResultsContext(list) {
    list.addEventListener("click", function (event) {
      if (!event.target.closest(".result__title a")) return;
      var links = list.querySelectorAll(".result__title a");
      var results = Array.prototype.map.call(links, function (link) {
        return { path: link.pathname, title: link.textContent.trim() };
      });
      var prev = document.querySelector(".pagination a[rel=prev]");
      var next = document.querySelector(".pagination a[rel=next]");
      saveContext({
        search: location.href,
        results: results,
        prevPage: prev ? prev.href : null,
        nextPage: next ? next.href : null
      });
    });
  }

  function saveContext(context) {
    try {
      window.sessionStorage.setItem(CONTEXT_KEY, JSON.stringify(context));
    } catch (error) { /* no storage: the resource page offers the search page only */ }
  }

  // The results of the search page before or after the one kept (previous and next across
  // pages): its JSON, then `found(context, results)` with the context that page would keep.
  function neighbourPage(pageUrl, found) {
    var url = new URL(pageUrl);
    fetch(url.pathname.replace(/\/search$|\/$/, "/search.json") + url.search, {
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data || !data.results || !data.results.length) return;
      var results = data.results.map(function (result) {
        return { path: "/resources/" + result.id, title: result.title };
      });
      var link = function (href) { return href ? new URL(href.replace("/search.json", "/search"), url).href : null; };
      found({
        search: url.href,
        results: results,
        prevPage: link(data.links.prev),
        nextPage: link(data.links.next)
      }, results);
    }).catch(function () { /* offline or refused: no link across pages */ });
  }

  function resultNav(nav) {
    var context = null;
    try { context = JSON.parse(window.sessionStorage.getItem(CONTEXT_KEY)); } catch (error) { return; }
    if (!context || !context.results) return;
    var here = -1;
    context.results.forEach(function (result, i) { if (result.path === location.pathname) here = i; });
    if (here < 0) return;
    function add(text, href, rel, title) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      if (rel) link.rel = rel;
      if (title) {
        var name = document.createElement("span");
        name.className = "visually-hidden";
        name.textContent = ": " + title;
        link.appendChild(name);
      }
      nav.appendChild(link);
    }
    add("← Back to results", context.search);
    var before = context.results[here - 1];
    var after = context.results[here + 1];
    if (before) add("Previous result", before.path, "prev", before.title);
    if (after) add("Next result", after.path, "next", after.title);
    nav.hidden = false;
    // At either end of the page kept, the neighbour comes from the next or previous page;
    // following it keeps that page as the search to go back to.
    function across(pageUrl, pick, text, rel) {
      neighbourPage(pageUrl, function (neighbour, results) {
        var result = pick(results);
        add(text, result.path, rel, result.title);
        var link = nav.lastChild;
        link.addEventListener("click", function () { saveContext(neighbour); });
        if (rel === "prev") nav.insertBefore(link, nav.children[1] || null);
      });
    }
    if (!after && context.nextPage) {
      across(context.nextPage, function (r) { return r[0]; }, "Next result", "next");
    }
    if (!before && context.prevPage) {
      across(context.prevPage, function (r) { return r[r.length - 1]; }, "Previous result", "prev");
    }
  }

  // After "Show N results" the new page opens at the count, not at the top of the page.
  function restorePlace() {
    var applied = null;
    try {
      applied = window.sessionStorage.getItem(RESULTS_KEY);
      window.sessionStorage.removeItem(RESULTS_KEY);
    } catch (error) { return; }
    var count = document.getElementById("result-count");
    if (applied && count) count.focus();
  }

  function announceCount() {
    var count = document.getElementById("result-count");
    var status = document.getElementById("live-status");
    if (!count || !status) return;
    // Screen readers announce changes to a live region, not its first content.
    window.setTimeout(function () { status.textContent = count.textContent.trim(); }, ANNOUNCE_DELAY_MS);
  }

  function combobox(box) {
    var input = box.querySelector('[role="combobox"]');
    var list = box.querySelector('[role="listbox"]');
    var url = box.getAttribute("data-suggest-url");
    var count = box.querySelector("[aria-live]");
    var timer = null;
    var active = -1;
    var options = [];
    var latest = 0;

    // How many there are, said once per list (a polite live region).
    function announce(total) {
      if (!count) return;
      count.textContent = total
        ? total + (total === 1 ? " suggestion" : " suggestions") + ", up and down arrows to choose"
        : "";
    }

    function close() {
      announce(0);
      list.hidden = true;
      list.textContent = "";
      options = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(suggestions) {
      list.textContent = "";
      options = suggestions.map(function (suggestion, i) {
        var option = document.createElement("li");
        option.id = "q-suggestion-" + i;
        option.className = "combobox__option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.url = suggestion.url;
        var kind = document.createElement("span");
        kind.className = "combobox__kind";
        kind.textContent = suggestion.kind;
        var value = document.createElement("span");
        value.textContent = suggestion.value;
        option.appendChild(kind);
        option.appendChild(value);
        if (suggestion.alias) {
          // The typed words matched one of the label's aliases: say which.
          var alias = document.createElement("span");
          alias.className = "combobox__alias";
          alias.textContent = " (also called \u201c" + suggestion.alias + "\u201d)";
          option.appendChild(alias);
        }
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          window.location.href = suggestion.url;
        });
        list.appendChild(option);
        return option;
      });
      if (options.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        // A new list has no active option: drop the old aria-activedescendant too.
        highlight(-1);
        announce(options.length);
      } else {
        close();
      }
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (text.length < MIN_CHARS) { close(); return; }
      var request = ++latest;
      fetch(url + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (request === latest) render(data.suggestions || []); })
        .catch(close);
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && options.length) {
        event.preventDefault();
        highlight((active + 1) % options.length);
      } else if (event.key === "ArrowUp" && options.length) {
        event.preventDefault();
        highlight(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = options[active].dataset.url;
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-autosubmit]").forEach(autosubmit);
    restoreFocus();
    document.querySelectorAll(".layout__side").forEach(filtersPanel);
    restorePlace();
    document.querySelectorAll(".results").forEach(keepResultsContext);
    document.querySelectorAll("[data-result-nav]").forEach(resultNav);
    document.querySelectorAll("[data-suggest-url]").forEach(combobox);
    announceCount();
  });
  window.addEventListener("pageshow", showUrlState);
  document.addEventListener("submit", function (event) { carryQuery(event.target); });
  // Blank fields (an empty year) stay out of the URL: "year_from=&year_to=" says nothing.
  document.addEventListener("formdata", function (event) {
    var blank = [];
    event.formData.forEach(function (value, name) { if (value === "") blank.push(name); });
    blank.forEach(function (name) {
      var kept = event.formData.getAll(name).filter(function (value) { return value !== ""; });
      event.formData.delete(name);
      kept.forEach(function (value) { event.formData.append(name, value); });
    });
  });
})();
