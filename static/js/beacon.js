/*
 * Newsroom page-view beacon: reports one view of the article this page shows.
 *
 * Loaded as <script src=".../beacon.js" defer data-endpoint data-article data-token>.
 * The page may come from a cache or a CDN: the token in the tag is the same
 * for every reader, the server tells readers apart without cookies.
 * A page opened in a background tab or prerendered is only counted once a
 * reader actually sees it.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector("script[data-endpoint][data-token]");
  if (!script) {
    return;
  }
  var endpoint = script.getAttribute("data-endpoint");
  var article = script.getAttribute("data-article");
  var token = script.getAttribute("data-token");
  if (!endpoint || !article || !token) {
    return;
  }
  var sent = false;

  function send() {
    if (sent) {
      return;
    }
    sent = true;
    var body = new URLSearchParams();
    body.set("a", article);
    body.set("t", token);
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(endpoint, body)) {
        return;
      }
    } catch (e) {
      // Fall through to fetch.
    }
    if (window.fetch) {
      window
        .fetch(endpoint, { method: "POST", body: body, keepalive: true, credentials: "same-origin" })
        .catch(function () {});
    }
  }

  function whenSeen() {
    if (document.prerendering) {
      document.addEventListener("prerenderingchange", whenSeen, { once: true });
    } else if (document.visibilityState === "hidden") {
      document.addEventListener("visibilitychange", function onVisible() {
        if (document.visibilityState === "visible") {
          document.removeEventListener("visibilitychange", onVisible);
          send();
        }
      });
    } else {
      send();
    }
  }

  whenSeen();
})();
