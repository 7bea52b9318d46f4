// The first script on the page, a file of its own (the CSP forbids inline scripts), loaded
// synchronously in <head> before anything else: it takes away every API with which a web page
// can talk to other machines outside the CSP's `connect-src 'self'`. WebRTC is the one that
// matters — peer connections and data channels are NOT governed by connect-src, and ICE
// gathering alone reveals local addresses — so every RTC* constructor goes. WebTransport and
// WebSocket go too: this page never needs them.
//
// A fresh browsing context (an iframe, a popup) would bring fresh constructors, so frames
// cannot be created from script (the CSP also has frame-src 'none' and Trusted Types with no
// policy, so no HTML string can make one either), and window.open() opens nothing.
(function () {
  'use strict';
  var NETWORK_APIS = /^(webkit|moz)?RTC[A-Z]|^WebTransport|^WebSocket/;

  function scrub(w) {
    if (!w) return w;
    var names;
    try { names = Object.getOwnPropertyNames(w); } catch { return w; }
    for (var i = 0; i < names.length; i++) {
      var name = names[i];
      if (!NETWORK_APIS.test(name)) continue;
      try { delete w[name]; } catch { /* non-configurable: overwritten below */ }
      if (name in w) {
        try { Object.defineProperty(w, name, { value: undefined, writable: false, configurable: false }); } catch { /* nothing more a page can do */ }
      }
    }
    return w;
  }

  scrub(window);

  // No frames: refuse to create them, and scrub any window reached through an existing element.
  var FRAMES = /^(iframe|frame|frameset|object|embed|portal|fencedframe)$/i;
  function guardCreate(proto, method, nameArg) {
    var original = proto[method];
    if (typeof original !== 'function') return;
    Object.defineProperty(proto, method, {
      configurable: false,
      writable: false,
      value: function () {
        if (FRAMES.test(String(arguments[nameArg]).split(':').pop())) throw new TypeError('Hermetic: this page creates no frames');
        return original.apply(this, arguments);
      },
    });
  }
  guardCreate(Document.prototype, 'createElement', 0);
  guardCreate(Document.prototype, 'createElementNS', 1);

  var FRAME_ELEMENTS = ['HTMLIFrameElement', 'HTMLFrameElement', 'HTMLObjectElement', 'HTMLEmbedElement'];
  for (var j = 0; j < FRAME_ELEMENTS.length; j++) {
    var ctor = window[FRAME_ELEMENTS[j]];
    if (!ctor) continue;
    ['contentWindow', 'contentDocument'].forEach(function (prop) {
      var d = Object.getOwnPropertyDescriptor(ctor.prototype, prop);
      if (!d || !d.get) return;
      var get = d.get;
      Object.defineProperty(ctor.prototype, prop, {
        configurable: false,
        get: function () {
          var v = get.call(this);
          if (v) scrub(prop === 'contentWindow' ? v : v.defaultView);
          return v;
        },
      });
    });
  }

  Object.defineProperty(window, 'open', { configurable: false, writable: false, value: function () { return null; } });
})();
