// Follows an import run: polls its status and moves the progress bar, then reloads the
// page for the report once the worker is done. Without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var done = box.querySelector("[data-import-done]");
  var status = box.querySelector("[data-import-status]");
  function poll() {
    fetch(box.getAttribute("data-import-progress"), { headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.json(); })
      .then(function (run) {
        bar.max = run.total || 1;
        bar.value = run.done;
        done.textContent = run.done;
        status.textContent = run.status;
        if (run.moving) { window.setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  if (status && (status.textContent === "queued" || status.textContent === "running")) {
    poll();
  }
})();
