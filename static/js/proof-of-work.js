// Gives the ALTCHA widget its worker and our wording. The widget's "external" build ships
// no worker (its default build makes them from inline code, which the Content-Security-
// Policy refuses), so the worker file served from static/ is registered here, for the one
// algorithm the server issues.
(function () {
  "use strict";
  var script = document.currentScript;
  var altcha = window.$altcha;
  if (!script || !altcha) { return; }
  var worker = script.getAttribute("data-worker");
  altcha.algorithms.set("PBKDF2/SHA-256", function () { return new Worker(worker); });
  var strings = JSON.parse(script.getAttribute("data-strings") || "{}");
  var language = document.documentElement.lang || "en";
  altcha.i18n.set(language, Object.assign({}, altcha.i18n.get("en"), altcha.i18n.get(language), strings));
})();
