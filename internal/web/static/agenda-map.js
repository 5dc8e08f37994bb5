// The agenda's map: progressive enhancement only. The list above it is the
// page; without JavaScript or tiles, nothing is lost.
(function () {
  "use strict";
  var el = document.getElementById("agenda-map");
  var data = document.getElementById("agenda-points");
  if (!el || !data || typeof L === "undefined") { return; }
  var points;
  try { points = JSON.parse(data.textContent); } catch (e) { return; }
  if (!points || !points.length) { return; }
  el.classList.add("map-ready");
  var icon = L.icon({
    iconUrl: el.dataset.icon, iconRetinaUrl: el.dataset.icon2x, shadowUrl: el.dataset.shadow,
    iconSize: [25, 41], iconAnchor: [12, 41], popupAnchor: [1, -34], shadowSize: [41, 41]
  });
  var map = L.map(el, { scrollWheelZoom: false });
  L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: el.dataset.attribution }).addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.title;
    var box = document.createElement("div");
    box.appendChild(link);
    var when = document.createElement("p");
    when.textContent = p.when;
    box.appendChild(when);
    L.marker([p.lat, p.lng], { icon: icon, title: p.title, alt: p.title }).addTo(map).bindPopup(box);
    bounds.push([p.lat, p.lng]);
  });
  map.fitBounds(bounds, { padding: [24, 24], maxZoom: 11 });
})();
