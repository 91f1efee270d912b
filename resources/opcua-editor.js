// Edit-dialog parts shared by the OPC UA read and subscribe nodes: the item list (node id + tag) and
// the browse picker that walks the deployed endpoint's address space through the admin endpoint.
// Loaded by each node's editor .html from resources/@millwright/node-red-millwright/.
(function () {
  var LIST = '#node-input-item-list';

  function browsePicker(panel, endpointSelect, onPick) {
    var trail = [{ nodeId: 'i=85', name: 'Objects' }];
    function show(entries) {
      panel.empty();
      var crumbs = $('<div style="margin-bottom: 4px"></div>').appendTo(panel);
      trail.forEach(function (t, i) {
        if (i > 0) crumbs.append(' / ');
        $('<a href="#"></a>').text(t.name).on('click', function (e) {
          e.preventDefault();
          trail = trail.slice(0, i + 1);
          load();
        }).appendTo(crumbs);
      });
      var list = $('<div style="max-height: 220px; overflow-y: auto; border: 1px solid var(--red-ui-form-input-border-color, #ccc); padding: 4px"></div>').appendTo(panel);
      if (!entries.length) list.append('<i>no children</i>');
      entries.forEach(function (e) {
        var row = $('<div style="padding: 2px 0"></div>').appendTo(list);
        if (e.isVariable) {
          $('<button type="button" class="red-ui-button red-ui-button-small"><i class="fa fa-plus"></i></button>').on('click', function () {
            onPick(e);
          }).appendTo(row);
          row.append(' ');
          $('<span></span>').text(e.displayName + '  (' + e.nodeId + ')').appendTo(row);
        } else {
          $('<a href="#"><i class="fa fa-folder-o"></i> </a>').append($('<span></span>').text(e.displayName)).on('click', function (ev) {
            ev.preventDefault();
            trail.push({ nodeId: e.nodeId, name: e.displayName });
            load();
          }).appendTo(row);
        }
      });
    }
    function load() {
      var endpoint = endpointSelect.val();
      if (!endpoint || endpoint === '_ADD_') {
        panel.text('Select an endpoint first.');
        return;
      }
      panel.text('browsing...');
      $.getJSON('millwright/opcua/browse', { endpoint: endpoint, nodeId: trail[trail.length - 1].nodeId })
        .done(function (data) { show(data.entries || []); })
        .fail(function (xhr) {
          var msg = (xhr.responseJSON && xhr.responseJSON.error) || xhr.statusText;
          panel.text('Cannot browse: ' + msg);
        });
    }
    load();
  }

  window.MillwrightOpcuaEditor = {
    /** Fills the template's #node-input-items-section with the browse button and the item list. */
    prepareItems: function (items, minHeight) {
      var section = $('#node-input-items-section');
      var head = $('<div class="form-row"><label><i class="fa fa-list"></i> Items</label></div>').appendTo(section);
      var browse = $('<button type="button" id="node-input-browse" class="red-ui-button"><i class="fa fa-sitemap"></i> Browse server</button>').appendTo(head);
      var panel = $('<div class="form-row" id="node-input-browse-panel" style="display: none"></div>').appendTo(section);
      var list = $('<ol id="node-input-item-list"></ol>').appendTo($('<div class="form-row node-input-item-list-row"></div>').appendTo(section));
      list.css('min-height', minHeight + 'px').editableList({
        addItem: function (row, index, data) {
          $('<input type="text" class="mw-node-id" placeholder="ns=2;s=Machine.Speed" style="width: 55%"/>').val(data.nodeId || '').appendTo(row);
          row.append(' ');
          $('<input type="text" class="mw-tag" placeholder="tag (optional)" style="width: 38%"/>').val(data.tag || '').appendTo(row);
        },
        removable: true,
        sortable: true
      });
      (items || []).forEach(function (i) { list.editableList('addItem', i); });
      browse.on('click', function () {
        browsePicker(panel.show(), $('#node-input-endpoint'), function (e) {
          list.editableList('addItem', { nodeId: e.nodeId, tag: e.displayName });
        });
      });
    },

    /** The item list as the node stores it: [{nodeId, tag?}], rows without a node id left out. */
    savedItems: function () {
      var items = [];
      $(LIST).editableList('items').each(function () {
        var nodeId = $(this).find('.mw-node-id').val().trim();
        var tag = $(this).find('.mw-tag').val().trim();
        if (nodeId) items.push(tag ? { nodeId: nodeId, tag: tag } : { nodeId: nodeId });
      });
      return items;
    },

    /** Gives the item list the dialog height left after `reserved` px of other rows. */
    resizeItems: function (size, minHeight, reserved) {
      $(LIST).editableList('height', Math.max(minHeight, size.height - reserved));
    }
  };
})();
