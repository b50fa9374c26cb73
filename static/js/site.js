// Small enhancements; every page works without them.
(function () {
  "use strict";

  // Deadlines are printed in Geneva time; add the reader's own clock beside them.
  function showLocalTimes() {
    // In the page's language, not the browser's: the reader chose it.
    var language = document.documentElement.lang || undefined;
    var format = new Intl.DateTimeFormat(language, { dateStyle: "long", timeStyle: "short" });
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    document.querySelectorAll("time[data-local-time]").forEach(function (node) {
      var moment = new Date(node.getAttribute("datetime"));
      if (isNaN(moment)) { return; }
      var local = document.createElement("span");
      local.className = "local-time";
      local.textContent = " (" + format.format(moment) + ", " + zone + ")";
      node.after(local);
    });
  }

  // Live word counts for fields with data-word-min / data-word-max, counted as the server does.
  function countWords(text) {
    var words = text.trim().split(/\s+/);
    return words[0] === "" ? 0 : words.length;
  }

  function showWordCounts() {
    document.querySelectorAll("[data-word-count-for]").forEach(function (output) {
      var field = document.getElementById(output.getAttribute("data-word-count-for"));
      if (!field) { return; }
      var min = parseInt(field.getAttribute("data-word-min"), 10);
      var max = parseInt(field.getAttribute("data-word-max"), 10);
      var template = output.getAttribute("data-template") || "{count} words ({min} to {max} asked)";
      function update() {
        var count = countWords(field.value);
        output.textContent = template.replace("{count}", count).replace("{min}", min).replace("{max}", max);
        output.classList.toggle("fail", count < min || count > max);
        output.classList.toggle("ok", count >= min && count <= max);
      }
      field.addEventListener("input", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showLocalTimes();
    showWordCounts();
  });
})();
