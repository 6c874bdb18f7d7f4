// Live parts of the adviser console: every element with data-live is fetched again every
// few seconds and replaced when it changed, without a reload. It is not replaced while
// keyboard focus is inside it, so nobody loses their place; a polite status message says
// what changed. A lost session sends the browser back to log in.
(function () {
  "use strict";
  var EVERY_MS = 3000;
  var announce = document.getElementById("announce");

  function refresh(element) {
    if (document.hidden) return;
    fetch(element.getAttribute("data-live"), {
      credentials: "same-origin",
      headers: { "X-Console-Fragment": "1" },
      cache: "no-store",
    })
      .then(function (response) {
        if (response.status === 401) {
          window.location.reload();
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || html.trim() === element.getAttribute("data-shown")) return;
        if (element.contains(document.activeElement)) return;
        element.innerHTML = html;
        element.setAttribute("data-shown", html.trim());
        if (announce) announce.textContent = element.getAttribute("data-live-label") + " updated";
      })
      .catch(function () {
        /* offline for a moment: the next round tries again */
      });
  }

  document.querySelectorAll("[data-live]").forEach(function (element) {
    fetch(element.getAttribute("data-live"), {
      credentials: "same-origin",
      headers: { "X-Console-Fragment": "1" },
      cache: "no-store",
    })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        // What the page was rendered with, as the fragment gives it, to compare against.
        if (html !== null) element.setAttribute("data-shown", html.trim());
        window.setInterval(function () { refresh(element); }, EVERY_MS);
      });
  });
})();
