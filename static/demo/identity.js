/* The demo shop's "signed in as" switch: what a company's page does for a logged-in customer.
   The server computed the HMAC of the customer's id (assistant/demo_views.py); this queues
   identify() before the widget loads, as docs/widget.md shows. */
(function (w, d) {
  var el = d.getElementById("demo-identity");
  var who = el ? JSON.parse(el.textContent) : null;
  var a = w.AssistantWidget = w.AssistantWidget || {};
  a.q = a.q || [];
  ["identify"].forEach(function (m) {
    a[m] = a[m] || function () { a.q.push([m, [].slice.call(arguments)]); };
  });
  if (who) a.identify(who);
})(window, document);
