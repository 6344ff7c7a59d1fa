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
  Yasqe.defaults.screenReaderLabel = config.texts.editor; // the label of CodeMirror's text area

  // IRIs in the results table link to their pages: ours (config.base) on this host, at /id/… (YASR opens every link
  // in a new window).
  var table = Yasr.plugins.table;
  var ours = new RegExp("href=(['\"])" + config.base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g");
  var link = table.prototype.getUriLinkFromBinding;
  table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    return link.call(this, binding, prefixes).replace(ours, "href=$1/");
  };

  // What YASGUI's markup lacks, mended as it draws (each tab's panel and fields are drawn when the tab is first shown):
  // the endpoint field's label, and a tab's aria-controls only once its panel exists (WCAG 4.1.2).
  function mend() {
    root.querySelectorAll("input.autocomplete:not([aria-label])").forEach(function (input) {
      input.setAttribute("aria-label", config.texts.endpoint);
    });
    root.querySelectorAll("[role=tab][aria-controls], [role=tab][data-controls]").forEach(function (tab) {
      var panel = tab.getAttribute("aria-controls") || tab.getAttribute("data-controls");
      if (document.getElementById(panel)) {
        tab.setAttribute("aria-controls", panel);
        tab.removeAttribute("data-controls");
      } else {
        tab.setAttribute("data-controls", panel);
        tab.removeAttribute("aria-controls");
      }
    });
  }
  new MutationObserver(mend).observe(root, { childList: true, subtree: true });
  var menus = document.createElement("div"); // the tabs' context menu, outside the tab list (whose children are tabs)
  root.after(menus);

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
    tabName: config.texts.tab,
    contextMenuContainer: menus,
    persistenceId: null, // the page opens with the catalogue; a permalink keeps a query
    populateFromUrl: true, // permalinks: #query=…&endpoint=…
    autoAddOnInit: false,
    yasr: { prefixes: config.prefixes },
  });

  var fromLink = yasgui.getTab(); // a permalink's tab, opened (and run) by YASGUI itself
  var first = yasgui.addTab(!fromLink, { name: config.start.name, yasqe: { value: config.start.query }, requestConfig: endpoint });
  config.tabs.forEach(function (tab) {
    if (fromLink && fromLink.getQuery() === tab.query) {
      return; // the permalink's tab is this one
    }
    yasgui.addTab(false, { id: tab.id, name: tab.name, yasqe: { value: tab.query }, requestConfig: endpoint });
    var label = document.getElementById("tab-" + tab.id);
    if (label) {
      label.title = tab.name; // the style cuts long names short
    }
  });
  if (!fromLink) {
    yasgui.selectTabId(first.getId());
  }
  // YASGUI's "+" (add a tab) sits inside the tab list, whose children must all be tabs (WCAG 1.3.1): it moves to just
  // after the list, and YASGUI, which inserts new tabs before it, appends them to the list instead.
  var tabs = yasgui.tabElements;
  if (tabs.addTabEl && tabs.addTabEl.parentNode) {
    tabs.addTabEl.className = "addTabRow";
    tabs.addTabEl.removeAttribute("role");
    tabs.addTabEl.parentNode.after(tabs.addTabEl);
    tabs.addTabEl = null;
  }
  mend();
  window.mhkgYasgui = yasgui; // for the browser tests and the curious
})();
