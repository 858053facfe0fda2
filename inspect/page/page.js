// The page refreshes itself: every data-refresh seconds it fetches the
// same page with since= set to the token of the view it shows, so the
// server computes each type's change since the previous refresh, and it
// swaps the new <main> in. Rendering stays on the server; this script
// only fetches, swaps, filters and pauses. It writes nothing to the
// console: a failed refresh is shown in the status line.
(function () {
  "use strict";
  var filter = document.getElementById("filter");
  var pause = document.getElementById("pause");
  var refreshNow = document.getElementById("refresh-now");
  var status = document.getElementById("status");
  var paused = false;
  var busy = false;
  var timer = 0;

  function view() {
    return document.getElementById("view");
  }

  function applyFilter() {
    var q = filter.value.trim().toLowerCase();
    var rows = view().querySelectorAll("#types tbody tr");
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var hit = q === "" || rows[i].getAttribute("data-type").toLowerCase().indexOf(q) >= 0;
      rows[i].hidden = !hit;
      if (hit) {
        shown++;
      }
    }
    document.getElementById("no-match").hidden = shown > 0 || rows.length === 0;
  }

  function schedule() {
    clearTimeout(timer);
    var seconds = Number(view().getAttribute("data-refresh"));
    if (!paused && seconds > 0) {
      timer = setTimeout(refresh, seconds * 1000);
    }
  }

  function refresh() {
    if (busy) {
      return;
    }
    if (document.hidden && !paused) {
      schedule(); // nobody looks: wait for the next period
      return;
    }
    busy = true;
    var url = new URL(window.location.href);
    url.hash = "";
    url.searchParams.set("format", "html");
    url.searchParams.set("since", view().getAttribute("data-since"));
    fetch(url.toString(), { headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (resp) {
        if (!resp.ok) {
          throw new Error("the server answered " + resp.status);
        }
        return resp.text();
      })
      .then(function (text) {
        var next = new DOMParser().parseFromString(text, "text/html").getElementById("view");
        if (!next) {
          throw new Error("the answer holds no inventory");
        }
        var old = view();
        next.setAttribute("data-generation", String(Number(old.getAttribute("data-generation")) + 1));
        old.replaceWith(document.adoptNode(next));
        applyFilter();
        status.textContent = (paused ? "paused; " : "") + "updated " + new Date().toLocaleTimeString();
      })
      .catch(function (err) {
        status.textContent = "refresh failed: " + err.message;
      })
      .then(function () {
        busy = false;
        schedule();
      });
  }

  filter.addEventListener("input", function () {
    applyFilter();
    var q = filter.value.trim();
    history.replaceState(null, "", q === "" ? window.location.pathname + window.location.search : "#filter=" + encodeURIComponent(q));
  });
  pause.addEventListener("click", function () {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? "Resume" : "Pause";
    status.textContent = paused ? "paused" : "";
    if (paused) {
      clearTimeout(timer);
    } else {
      refresh();
    }
  });
  refreshNow.addEventListener("click", function () {
    clearTimeout(timer);
    refresh();
  });

  var m = /^#filter=(.*)$/.exec(window.location.hash);
  if (m) {
    try {
      filter.value = decodeURIComponent(m[1]);
    } catch (e) {
      filter.value = "";
    }
  }
  applyFilter();
  schedule();
})();
