/* The inbox settings page (templates/desk/settings/inbox.html): copy buttons, the colour
   preview, and a confirmation before the identity secret is replaced. Styles are set through
   the CSSOM, which the staff pages' Content-Security-Policy allows (style attributes it does not). */
(function () {
  "use strict";

  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    var status = document.querySelector('[data-copy-status="' + button.getAttribute("data-copy") + '"]');
    if (!target) return;
    var say = function (text) { if (status) status.textContent = text; };
    if (!navigator.clipboard) { say(button.getAttribute("data-copy-failed")); return; }
    navigator.clipboard.writeText(target.textContent).then(
      function () { say(button.getAttribute("data-copied")); },
      function () { say(button.getAttribute("data-copy-failed")); }
    );
  }

  // The widget writes its header in white or dark grey, whichever reads better (loader.js).
  function luminance(hex) {
    return [1, 3, 5].map(function (i) {
      var v = parseInt(hex.slice(i, i + 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }).reduce(function (sum, v, i) { return sum + v * [0.2126, 0.7152, 0.0722][i]; }, 0);
  }

  function preview(input, swatch) {
    var value = input.value.trim();
    if (/^#[0-9a-f]{3}$/i.test(value)) value = "#" + value.slice(1).split("").map(function (d) { return d + d; }).join("");
    if (!/^#[0-9a-f]{6}$/i.test(value)) value = "#2457d6";
    var L = luminance(value);
    var dark = (L + 0.05) / 0.0625 > 1.05 / (L + 0.05);
    swatch.style.backgroundColor = value;
    swatch.style.color = dark ? "#111827" : "#ffffff";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) copy(button);
  });
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
  document.querySelectorAll("[data-color-preview]").forEach(function (swatch) {
    var input = swatch.parentElement.querySelector('input[name="color"]');
    if (!input) return;
    preview(input, swatch);
    input.addEventListener("input", function () { preview(input, swatch); });
  });
})();
