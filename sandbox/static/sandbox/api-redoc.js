/* Start Redoc on the schema named by the container (no inline script under the CSP). */
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  window.Redoc.init(container.dataset.schemaUrl, { hideDownloadButton: false }, container);
})();
