/* The SPARQL editor (/query/editor): YASGUI (npm @zazuko/yasgui, served by this service) set up from the page's
   JSON block #workbench-config (api/web/routers/workbench.py): this service's endpoint, the project's prefixes, the
   catalogue's queries as tabs, completion from the graph's own classes and properties, links to this host's pages.
   Nothing here asks another host for anything. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("workbench-config").textContent);
  var root = document.getElementById("workbench");
  var Yasqe = Yasgui.Yasqe;
  var Yasr = Yasgui.Yasr;

  // Completion from the project's own vocabulary only. YASQE's own completers ask Linked Open Vocabularies (classes,
  // properties) and offer prefix.cc's list (prefixes): each is replaced by a fork over our lists, and removed.
  var prefixLines = Object.keys(config.prefixes).map(function (p) {
    return p + ": <" + config.prefixes[p] + ">";
  });
  Yasqe.forkAutocompleter("prefixes", { name: "mhkg-prefixes", get: prefixLines, persistenceId: null }, false);
  Yasqe.forkAutocompleter("class", { name: "mhkg-classes", get: config.classes, bulk: true }, false);
  Yasqe.forkAutocompleter("property", { name: "mhkg-properties", get: config.properties, bulk: true }, false);
  ["prefixes", "class", "property"].forEach(function (name) {
    delete Yasqe.Autocompleters[name];
  });
  Yasqe.defaults.autocompleters = ["variables", "mhkg-prefixes", "mhkg-classes", "mhkg-properties"];
  Yasqe.defaults.value = config.start.query;
  Yasqe.defaults.collapsePrefixesOnLoad = true; // the prologue folds to one line (click to open)

  // IRIs in the results table link to their pages: ours (config.base) on this host, at /id/… (YASR opens every link
  // in a new window).
  var table = Yasr.plugins.table;
  var ours = new RegExp("href=(['\"])" + config.base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g");
  var link = table.prototype.getUriLinkFromBinding;
  table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    return link.call(this, binding, prefixes).replace(ours, "href=$1/");
  };

  var endpoint = { endpoint: config.endpoint, method: "POST" };
  var yasgui = new Yasgui(root, {
    requestConfig: endpoint,
    endpointCatalogueOptions: {
      getData: function () {
        return [{ endpoint: config.endpoint }];
      },
      keys: [],
    },
    copyEndpointOnNewTab: true,
    tabName: config.tabName,
    persistenceId: null, // the page opens with the catalogue; a permalink keeps a query
    populateFromUrl: true, // permalinks: #query=…&endpoint=…
    autoAddOnInit: false,
    yasr: { prefixes: config.prefixes },
  });

  var fromLink = yasgui.getTab(); // a permalink's tab, opened (and run) by YASGUI itself
  var first = yasgui.addTab(!fromLink, { name: config.start.name, yasqe: { value: config.start.query }, requestConfig: endpoint });
  config.tabs.forEach(function (tab) {
    yasgui.addTab(false, { id: tab.id, name: tab.name, yasqe: { value: tab.query }, requestConfig: endpoint });
    var label = document.getElementById("tab-" + tab.id);
    if (label) {
      label.title = tab.name; // the style cuts long names short
    }
  });
  if (!fromLink) {
    yasgui.selectTabId(first.getId());
  }
  window.mhkgYasgui = yasgui; // for the browser tests and the curious
})();
