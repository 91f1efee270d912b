// The tag-table editor shared by the Modbus poll and write nodes: one row per tag with the typing
// columns both nodes read (parseTagTable), each address shown in both forms, plus the columns a node
// adds. Loaded by each node's editor .html from resources/@millwright/node-red-millwright/.
(function () {
  var LIST = '#node-input-tag-list';
  var AREA_DIGIT = { coil: '0', discrete: '1', input: '3', holding: '4' };
  var DIGIT_AREA = { '0': 'coil', '1': 'discrete', '3': 'input', '4': 'holding' };
  /** Saved even when empty, so the table's validation can point at them. */
  var ALWAYS_SAVED = { name: true, address: true };

  /** The typing columns every tag has; `areas` are the register areas the node may use. */
  function typingColumns(areas) {
    return [
      { key: 'name', width: '110px', placeholder: 'name' },
      { key: 'area', options: areas },
      { key: 'address', width: '70px', placeholder: 'address' },
      { key: 'type', options: ['uint16', 'int16', 'uint32', 'int32', 'float32', 'float64', 'bool', 'string'], value: function (tag) { return (tag.type || '').replace(/\(.*$/, ''); } },
      { key: 'length', width: '40px', placeholder: 'len', value: function (tag) { return tag.length || ((/\((\d+)\)/.exec(tag.type || '') || [])[1]); } },
      { key: 'byteOrder', options: ['big', 'little'], title: 'byte order inside a register' },
      { key: 'wordOrder', options: ['big', 'little'], title: 'word order of 32/64-bit values' },
      { key: 'scale', width: '50px', placeholder: 'scale' },
      { key: 'offset', width: '50px', placeholder: 'offset' },
      { key: 'unit', width: '50px', placeholder: 'unit' },
      { key: 'unitId', width: '40px', placeholder: 'id', title: 'Modbus unit id (empty: the connection\'s)' }
    ];
  }

  // Shows every address in both forms (0-based protocol address and 40001-style reference).
  function describe(area, address, base) {
    var a = String(address || '').trim();
    var m = /^([0134])x(\d{1,6})$/i.exec(a);
    var n;
    if (m || base === 'modicon') {
      var digit = m ? m[1] : a[0];
      var num = m ? Number(m[2]) : Number(a.slice(1));
      if (!m && !/^\d{5,6}$/.test(a)) return { error: '5 or 6 digits, e.g. 40001' };
      area = DIGIT_AREA[digit];
      if (!area) return { error: 'no area for digit ' + digit };
      n = num - 1;
    } else {
      if (!/^\d+$/.test(a)) return { error: 'whole number' };
      n = Number(a) - (base === '1' ? 1 : 0);
    }
    if (n < 0 || n > 65535) return { error: 'out of range' };
    var ref = AREA_DIGIT[area] + String(n + 1).padStart(5, '0');
    return { text: area + ' ' + n + ' (' + ref + ')' };
  }

  function refresh(row) {
    var d = describe(row.find('[data-key="area"]').val(), row.find('[data-key="address"]').val(), $('#node-input-addressing').val());
    row.find('.mw-ref').text(d.error || d.text).css('color', d.error ? '#c00' : '#888');
  }

  function addField(row, column, tag) {
    var value = column.value ? column.value(tag) : tag[column.key];
    var field;
    if (column.options) {
      field = $('<select/>', { style: 'width: auto' });
      column.options.forEach(function (o) { $('<option/>').val(o).text(o).appendTo(field); });
      field.val(value || column.options[0]);
    } else {
      field = $('<input/>', { type: 'text', placeholder: column.placeholder, style: 'width: ' + column.width }).val(value === undefined ? '' : value);
    }
    field.attr('data-key', column.key).addClass('mw-' + column.key).appendTo(row);
    if (column.title) field.attr('title', column.title);
  }

  window.MillwrightModbusTags = {
    /** The editor-side check of a tag table: not empty, every tag named once and addressed. */
    validate: function (v) {
      if (!Array.isArray(v) || v.length === 0) return false;
      var names = {};
      for (var i = 0; i < v.length; i++) {
        if (!v[i].name || names[v[i].name] || String(v[i].address).trim() === '') return false;
        names[v[i].name] = true;
      }
      return true;
    },

    /** Builds the tag list in #node-input-tag-list: the typing columns for `areas`, then `extraColumns`. */
    prepare: function (tags, areas, extraColumns) {
      var columns = typingColumns(areas).concat(extraColumns || []);
      var list = $(LIST).css('min-height', '200px').editableList({
        addItem: function (container, i, tag) {
          var row = $('<div/>', { style: 'display: flex; flex-wrap: wrap; gap: 4px; align-items: center' }).appendTo(container);
          columns.forEach(function (column) { addField(row, column, tag); });
          $('<span/>', { class: 'mw-ref', style: 'font-size: 0.85em' }).appendTo(row);
          row.find('input, select').on('change keyup', function () { refresh(row); });
          refresh(row);
        },
        removable: true,
        sortable: true
      });
      (tags || []).forEach(function (t) { list.editableList('addItem', t); });
      $('#node-input-addressing').on('change', function () {
        list.editableList('items').each(function () { refresh($(this).children().first()); });
      });
    },

    /** The tag table as the node stores it: every column with a value (name and address always). */
    saved: function () {
      var tags = [];
      $(LIST).editableList('items').each(function () {
        var tag = {};
        $(this).find('[data-key]').each(function () {
          var key = $(this).attr('data-key');
          var v = String($(this).val()).trim();
          if (v !== '' || ALWAYS_SAVED[key]) tag[key] = v;
        });
        tags.push(tag);
      });
      return tags;
    },

    /** Gives the tag list the dialog height the other rows leave. */
    resize: function (size) {
      var rows = $('#dialog-form>div:not(.node-input-tag-list-row)');
      var height = size.height;
      for (var i = 0; i < rows.length; i++) height -= $(rows[i]).outerHeight(true);
      $(LIST).editableList('height', Math.max(200, height - 30));
    }
  };
})();
