// Starts Swagger UI on /docs (its files are served by the app from the swagger-ui-bundle-v2
// package): the OpenAPI document of this server, no public validator, no deep links (a link
// inside each operation's button is a nested control for screen readers).
(function () {
  "use strict";
  if (!window.SwaggerUIBundle) return;
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: false,
    validatorUrl: null,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [window.SwaggerUIBundle.presets.apis]
  });
})();
