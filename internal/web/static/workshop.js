// Workshop mode: refresh the room's results every few seconds, without
// reloading the page (the page refreshes itself when scripts are off).
(function () {
  "use strict";
  var room = document.getElementById("room");
  if (!room || !room.dataset.live || !window.fetch) {
    return;
  }
  var every = 5000;
  function refresh() {
    fetch(room.dataset.live, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null && html !== room.innerHTML) {
          room.innerHTML = html;
        }
      })
      .catch(function () {})
      .finally(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
