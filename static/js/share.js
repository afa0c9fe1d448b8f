// Share links, enhanced: the device's share sheet where the Web Share API exists, and copying the
// link to the clipboard. Without JavaScript every link still works (the copy link is the page's URL).
(function () {
  "use strict";
  var box = document.querySelector(".share");
  if (!box) return;
  var status = box.querySelector("[data-share-status]");
  function say(text) {
    if (status) status.textContent = text;
  }
  var native = box.querySelector("[data-share-native]");
  var button = native && native.querySelector("button");
  if (button && typeof navigator.share === "function") {
    native.hidden = false;
    button.addEventListener("click", function () {
      navigator
        .share({ title: button.getAttribute("data-share-title"), url: button.getAttribute("data-share-url") })
        .catch(function () {}); // the reader closed the share sheet
    });
  }
  var copy = box.querySelector("[data-share-copy]");
  if (copy && navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
    copy.addEventListener("click", function (event) {
      event.preventDefault();
      navigator.clipboard.writeText(copy.href).then(
        function () {
          say("Link copied");
          copy.setAttribute("data-copied", "");
        },
        function () {
          say("Could not copy the link: copy it from the address bar");
        }
      );
    });
  }
})();
