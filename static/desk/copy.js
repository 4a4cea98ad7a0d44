// Copy buttons: <button data-copy="element-id" data-copied="Copied" data-copy-failed="...">.
// The clipboard API needs a secure context; where it is missing or refused, the text is
// selected instead so that the person can copy it with the keyboard.
(function () {
  "use strict";
  function say(button, text) {
    var status = button.closest("[role=region], .reveal") || document;
    var live = status.querySelector(".copy-status");
    if (live) { live.textContent = text; }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.dataset.copy);
    if (!source) { return; }
    var text = source.value !== undefined ? source.value : source.textContent;
    function fallback() {
      if (source.select) { source.select(); }
      say(button, button.dataset.copyFailed || "");
    }
    if (!navigator.clipboard || !window.isSecureContext) { fallback(); return; }
    navigator.clipboard.writeText(text).then(function () {
      say(button, button.dataset.copied || "");
    }, fallback);
  });
})();
