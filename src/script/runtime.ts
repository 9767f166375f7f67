/**
 * The page runtime of the script rung: plain JavaScript evaluated in each isolate context after linkedom. It makes
 * the context's global a browser-like window over the parsed document and exposes `__arachne`, the few entry points
 * the host drives one at a time (start, run a script, dispatch, fire a timer, serialise). The host drives the event
 * loop, so every call returns to the host between timers: microtasks settle after each call, each call runs under
 * isolated-vm's timeout, and virtual time never waits on the wall clock.
 *
 * The only ways out of the context are two callbacks the host passes to `start`: `fetch` (queues a request for the
 * crawl's guarded download chain; the answer comes back through `deliver`) and `url` (WHATWG URL parsing). Neither gives access to anything else, so a
 * page that captured them gains nothing it could not do with `fetch()`.
 */
export const PAGE_RUNTIME = String.raw`(function () {
'use strict';
var parseHTML = globalThis.__parseHTML;
delete globalThis.__parseHTML;
var G = globalThis;
var parse = JSON.parse, stringify = JSON.stringify;
var logs = [];
var document;
var hostFetch, hostUrl, limits;
var now = 0, seq = 0, fired = 0;
var timers = new Map();
var scripts = [];
var winListeners = Object.create(null);

function log(level, args) {
  if (logs.length >= 200) return;
  var parts = [];
  for (var i = 0; i < args.length; i++) {
    var a = args[i];
    try { parts.push(typeof a === 'string' ? a : a instanceof Error ? a.name + ': ' + a.message : stringify(a)); }
    catch (e) { parts.push(String(a)); }
  }
  logs.push(level + ': ' + parts.join(' ').slice(0, 1000));
}

function parseUrl(input, base) {
  var r = hostUrl.applySync(undefined, [String(input), base === undefined ? '' : String(base)]);
  if (r === '') throw new TypeError('Invalid URL: ' + String(input));
  return parse(r);
}

function URLSearchParams(init) {
  this._list = [];
  if (init === undefined || init === null) return;
  if (typeof init === 'object') {
    var entries = Array.isArray(init) ? init : Object.keys(init).map(function (k) { return [k, init[k]]; });
    for (var i = 0; i < entries.length; i++) this._list.push([String(entries[i][0]), String(entries[i][1])]);
    return;
  }
  var s = String(init);
  if (s.charAt(0) === '?') s = s.slice(1);
  var pairs = s.split('&');
  for (var j = 0; j < pairs.length; j++) {
    if (pairs[j] === '') continue;
    var eq = pairs[j].indexOf('=');
    var k = eq < 0 ? pairs[j] : pairs[j].slice(0, eq);
    var v = eq < 0 ? '' : pairs[j].slice(eq + 1);
    this._list.push([dec(k), dec(v)]);
  }
}
function dec(s) { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return s; } }
function enc(s) { return encodeURIComponent(s).replace(/%20/g, '+'); }
URLSearchParams.prototype.get = function (k) { for (var i = 0; i < this._list.length; i++) if (this._list[i][0] === k) return this._list[i][1]; return null; };
URLSearchParams.prototype.getAll = function (k) { return this._list.filter(function (e) { return e[0] === k; }).map(function (e) { return e[1]; }); };
URLSearchParams.prototype.has = function (k) { return this.get(k) !== null; };
URLSearchParams.prototype.append = function (k, v) { this._list.push([String(k), String(v)]); };
URLSearchParams.prototype.delete = function (k) { this._list = this._list.filter(function (e) { return e[0] !== k; }); };
URLSearchParams.prototype.set = function (k, v) { this.delete(k); this.append(k, v); };
URLSearchParams.prototype.forEach = function (fn, self) { for (var i = 0; i < this._list.length; i++) fn.call(self, this._list[i][1], this._list[i][0], this); };
URLSearchParams.prototype.entries = function () { return this._list.map(function (e) { return [e[0], e[1]]; })[Symbol.iterator](); };
URLSearchParams.prototype.keys = function () { return this._list.map(function (e) { return e[0]; })[Symbol.iterator](); };
URLSearchParams.prototype.values = function () { return this._list.map(function (e) { return e[1]; })[Symbol.iterator](); };
URLSearchParams.prototype[Symbol.iterator] = URLSearchParams.prototype.entries;
URLSearchParams.prototype.toString = function () { return this._list.map(function (e) { return enc(e[0]) + '=' + enc(e[1]); }).join('&'); };

var URL_FIELDS = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'];
function URL(input, base) {
  var p = parseUrl(input, base);
  for (var i = 0; i < URL_FIELDS.length; i++) this[URL_FIELDS[i]] = p[URL_FIELDS[i]];
  this.searchParams = new URLSearchParams(p.search);
}
URL.prototype.toString = function () { return this.href; };
URL.prototype.toJSON = function () { return this.href; };
URL.canParse = function (input, base) { try { parseUrl(input, base); return true; } catch (e) { return false; } };

function addTimer(fn, ms, args, every) {
  if (typeof fn !== 'function') { var code = String(fn); fn = function () { (0, eval)(code); }; }
  var delay = Math.max(0, Number(ms) || 0);
  var id = ++seq;
  timers.set(id, { at: now + delay, order: id, fn: fn, args: args, every: every ? Math.max(1, delay) : 0 });
  return id;
}
function clearTimer(id) { timers.delete(id); }

function Headers(init) {
  this._map = Object.create(null);
  if (!init) return;
  if (init instanceof Headers) init = init._map;
  var entries = Array.isArray(init) ? init : Object.keys(init).map(function (k) { return [k, init[k]]; });
  for (var i = 0; i < entries.length; i++) this._map[String(entries[i][0]).toLowerCase()] = String(entries[i][1]);
}
Headers.prototype.get = function (k) { var v = this._map[String(k).toLowerCase()]; return v === undefined ? null : v; };
Headers.prototype.has = function (k) { return String(k).toLowerCase() in this._map; };
Headers.prototype.set = function (k, v) { this._map[String(k).toLowerCase()] = String(v); };
Headers.prototype.append = function (k, v) { var key = String(k).toLowerCase(); this._map[key] = key in this._map ? this._map[key] + ', ' + v : String(v); };
Headers.prototype.delete = function (k) { delete this._map[String(k).toLowerCase()]; };
Headers.prototype.forEach = function (fn, self) { for (var k in this._map) fn.call(self, this._map[k], k, this); };
Headers.prototype.entries = function () { var m = this._map; return Object.keys(m).map(function (k) { return [k, m[k]]; })[Symbol.iterator](); };
Headers.prototype[Symbol.iterator] = Headers.prototype.entries;

function FetchResponse(r) {
  this.status = r.status; this.statusText = r.statusText || ''; this.ok = r.status >= 200 && r.status < 300;
  this.url = r.url; this.headers = new Headers(r.headers); this.redirected = false; this.type = 'basic';
  this._body = r.body; this.bodyUsed = false;
}
FetchResponse.prototype.text = function () { this.bodyUsed = true; return Promise.resolve(this._body); };
FetchResponse.prototype.json = function () { var b = this._body; this.bodyUsed = true; return new Promise(function (ok) { ok(parse(b)); }); };
FetchResponse.prototype.clone = function () { return new FetchResponse({ status: this.status, statusText: this.statusText, url: this.url, headers: this.headers._map, body: this._body }); };

// Every request leaves through the host, which sends it down the crawl's download chain or refuses it, and later
// answers through deliver(): the host decides when a response lands, so it always knows what is still pending.
var waiting = new Map();
var nextRequest = 0;
function send(method, url, headers, body) {
  var request = stringify({ method: method, url: url, headers: headers, body: body === undefined || body === null ? undefined : String(body) });
  var id = ++nextRequest;
  return new Promise(function (ok, fail) {
    waiting.set(id, { ok: ok, fail: fail });
    hostFetch.applySync(undefined, [id, request]);
  });
}
function deliver(id, json) {
  var w = waiting.get(id);
  if (!w) return;
  waiting.delete(id);
  var r = parse(json);
  if (r.error) w.fail(new TypeError('Failed to fetch: ' + r.error));
  else w.ok(r);
  adoptInserted();
}

function fetch(input, init) {
  init = init || {};
  try {
    var url = new URL(typeof input === 'object' && input !== null && 'url' in input ? input.url : input, document.baseURI || limits.url).href;
    var headers = new Headers(init.headers)._map;
    var method = String(init.method || 'GET').toUpperCase();
  } catch (error) {
    return Promise.reject(new TypeError(error && error.message));
  }
  return send(method, url, headers, init.body).then(function (r) { return new FetchResponse(r); });
}

function XMLHttpRequest() {
  this.readyState = 0; this.status = 0; this.statusText = ''; this.responseText = ''; this.response = '';
  this.responseType = ''; this.responseURL = ''; this._headers = {}; this._listeners = Object.create(null);
  this.onload = this.onerror = this.onreadystatechange = this.onloadend = null;
}
XMLHttpRequest.UNSENT = 0; XMLHttpRequest.OPENED = 1; XMLHttpRequest.HEADERS_RECEIVED = 2; XMLHttpRequest.LOADING = 3; XMLHttpRequest.DONE = 4;
XMLHttpRequest.prototype.open = function (method, url) {
  this._method = String(method).toUpperCase(); this._url = new URL(url, document.baseURI || limits.url).href;
  this.readyState = 1;
};
XMLHttpRequest.prototype.setRequestHeader = function (k, v) { this._headers[String(k).toLowerCase()] = String(v); };
XMLHttpRequest.prototype.getResponseHeader = function (k) { var v = this._resHeaders && this._resHeaders[String(k).toLowerCase()]; return v === undefined ? null : v; };
XMLHttpRequest.prototype.getAllResponseHeaders = function () { var h = this._resHeaders || {}; return Object.keys(h).map(function (k) { return k + ': ' + h[k] + '\r\n'; }).join(''); };
XMLHttpRequest.prototype.addEventListener = function (type, fn) { (this._listeners[type] = this._listeners[type] || []).push(fn); };
XMLHttpRequest.prototype.removeEventListener = function (type, fn) { var l = this._listeners[type]; if (l) this._listeners[type] = l.filter(function (f) { return f !== fn; }); };
XMLHttpRequest.prototype.abort = function () { this._aborted = true; };
XMLHttpRequest.prototype._emit = function (type) {
  var event = { type: type, target: this, currentTarget: this };
  var handler = this['on' + type];
  if (typeof handler === 'function') handler.call(this, event);
  var l = this._listeners[type] || [];
  for (var i = 0; i < l.length; i++) l[i].call(this, event);
};
XMLHttpRequest.prototype.send = function (body) {
  var xhr = this;
  send(this._method, this._url, this._headers, body).then(function (r) {
    if (xhr._aborted) return;
    xhr.status = r.status; xhr.statusText = r.statusText || ''; xhr.responseURL = r.url; xhr._resHeaders = r.headers;
    xhr.responseText = r.body;
    if (xhr.responseType === 'json') { try { xhr.response = parse(r.body); } catch (e) { xhr.response = null; } }
    else xhr.response = r.body;
    xhr.readyState = 4;
    xhr._emit('readystatechange'); xhr._emit('load'); xhr._emit('loadend');
  }, function () {
    if (xhr._aborted) return;
    xhr.readyState = 4;
    xhr._emit('readystatechange'); xhr._emit('error'); xhr._emit('loadend');
  });
};

function memoryStorage() {
  var data = Object.create(null);
  return {
    getItem: function (k) { k = String(k); return k in data ? data[k] : null; },
    setItem: function (k, v) { data[String(k)] = String(v); },
    removeItem: function (k) { delete data[String(k)]; },
    clear: function () { data = Object.create(null); },
    key: function (i) { var keys = Object.keys(data); return i < keys.length ? keys[i] : null; },
    get length() { return Object.keys(data).length; },
  };
}

function reportError(error) {
  log('error', [error]);
  var handler = G.onerror;
  if (typeof handler === 'function') { try { handler(String(error && error.message), '', 0, 0, error); } catch (e) {} }
}

function dispatchWindow(type) {
  var event;
  try { event = new G.Event(type); } catch (e) { event = { type: type }; }
  var handler = G['on' + type];
  var list = (winListeners[type] || []).slice();
  if (typeof handler === 'function') list.unshift(handler);
  for (var i = 0; i < list.length; i++) {
    try { typeof list[i] === 'function' ? list[i].call(G, event) : list[i].handleEvent(event); } catch (error) { reportError(error); }
  }
}

var DOM_NAMES = ['Event', 'CustomEvent', 'EventTarget', 'Node', 'Element', 'HTMLElement', 'Text', 'Comment', 'Document',
  'DocumentFragment', 'DOMParser', 'NodeList', 'HTMLCollection', 'HTMLAnchorElement', 'HTMLDivElement', 'HTMLImageElement',
  'HTMLInputElement', 'HTMLScriptElement', 'HTMLTemplateElement', 'HTMLTemplateElement', 'SVGElement', 'Range',
  'TreeWalker', 'NodeFilter', 'MutationObserver', 'CharacterData', 'Attr', 'ShadowRoot', 'CustomElementRegistry',
  'customElements', 'InputEvent', 'KeyboardEvent', 'MouseEvent', 'FormData', 'Image'];

function start(html, pageUrl, fetchRef, urlRef, limitsJson) {
  hostFetch = fetchRef; hostUrl = urlRef; limits = parse(limitsJson); limits.url = pageUrl;
  // linkedom keeps a fragment as it is (its first element becomes the root); a browser makes html, head and body.
  if (!/<html[\s>]/i.test(html)) html = '<!DOCTYPE html><html><head></head><body>' + html + '</body></html>';
  var parsed = parseHTML(html);
  var win = parsed.window;
  document = parsed.document;
  for (var i = 0; i < DOM_NAMES.length; i++) {
    var name = DOM_NAMES[i];
    try { if (win[name] !== undefined && G[name] === undefined) G[name] = win[name]; } catch (e) {}
  }
  var loc = new URL(pageUrl);
  var location = {};
  URL_FIELDS.forEach(function (f) { location[f] = loc[f]; });
  location.toString = function () { return location.href; };
  location.assign = location.replace = function (to) { log('navigation', [String(to)]); };
  location.reload = function () {};
  try { Object.defineProperty(document, 'location', { value: location, configurable: true }); } catch (e) {}
  try { Object.defineProperty(document, 'URL', { value: pageUrl, configurable: true }); } catch (e) {}
  try { Object.defineProperty(document, 'baseURI', { value: pageUrl, configurable: true, writable: true }); } catch (e) {}
  try { Object.defineProperty(document, 'readyState', { value: 'loading', configurable: true, writable: true }); } catch (e) {}
  try { Object.defineProperty(document, 'defaultView', { value: G, configurable: true }); } catch (e) {}
  try { Object.defineProperty(document, 'cookie', { value: '', configurable: true, writable: true }); } catch (e) {}
  var consoleObject = {};
  ['log', 'info', 'warn', 'error', 'debug', 'trace'].forEach(function (level) {
    consoleObject[level] = function () { log(level, arguments); };
  });
  var history = {
    length: 1, state: null, scrollRestoration: 'auto',
    pushState: function (state) { history.state = state; }, replaceState: function (state) { history.state = state; },
    back: function () {}, forward: function () {}, go: function () {},
  };
  var globals = {
    window: G, self: G, top: G, parent: G, frames: G, globalThis: G, document: document, location: location,
    navigator: { userAgent: limits.userAgent, language: 'en-US', languages: ['en-US', 'en'], platform: 'Linux x86_64',
      cookieEnabled: false, onLine: true, webdriver: false, hardwareConcurrency: 2 },
    history: history, console: consoleObject, fetch: fetch, Headers: Headers, Response: FetchResponse,
    XMLHttpRequest: XMLHttpRequest, URL: URL, URLSearchParams: URLSearchParams,
    setTimeout: function (fn, ms) { return addTimer(fn, ms, Array.prototype.slice.call(arguments, 2), false); },
    setInterval: function (fn, ms) { return addTimer(fn, ms, Array.prototype.slice.call(arguments, 2), true); },
    clearTimeout: clearTimer, clearInterval: clearTimer,
    requestAnimationFrame: function (fn) { return addTimer(function () { fn(now); }, 16, [], false); },
    cancelAnimationFrame: clearTimer,
    requestIdleCallback: function (fn) { return addTimer(function () { fn({ didTimeout: false, timeRemaining: function () { return 50; } }); }, 1, [], false); },
    cancelIdleCallback: clearTimer,
    queueMicrotask: function (fn) { Promise.resolve().then(fn).catch(reportError); },
    performance: { now: function () { return now; }, mark: function () {}, measure: function () {}, timeOrigin: 0 },
    localStorage: memoryStorage(), sessionStorage: memoryStorage(),
    matchMedia: function (query) { return { matches: false, media: String(query), addListener: function () {}, removeListener: function () {}, addEventListener: function () {}, removeEventListener: function () {} }; },
    addEventListener: function (type, fn) { if (fn) (winListeners[type] = winListeners[type] || []).push(fn); },
    removeEventListener: function (type, fn) { var l = winListeners[type]; if (l) winListeners[type] = l.filter(function (f) { return f !== fn; }); },
    dispatchEvent: function (event) { dispatchWindow(event.type); return true; },
    innerWidth: 1280, innerHeight: 800, devicePixelRatio: 1, scrollX: 0, scrollY: 0, pageXOffset: 0, pageYOffset: 0,
    scrollTo: function () {}, scroll: function () {}, alert: function () {}, confirm: function () { return false; },
    prompt: function () { return null; }, open: function () { return null; }, close: function () {},
  };
  for (var key in globals) {
    try { Object.defineProperty(G, key, { value: globals[key], writable: true, configurable: true, enumerable: false }); } catch (e) {}
  }
  scripts = [];
  var found = document.querySelectorAll('script');
  var list = [];
  for (var j = 0; j < found.length; j++) {
    var s = found[j];
    seen.add(s);
    if (!isClassic(s)) continue;
    var src = s.getAttribute('src');
    var resolved = null;
    if (src) { try { resolved = new URL(src, pageUrl).href; } catch (e) { continue; } }
    scripts.push(s);
    list.push(resolved);
  }
  return stringify(list);
}

// Classic scripts only: modules need a module loader (import maps, dynamic import) the rung does not provide.
function isClassic(s) {
  var type = (s.getAttribute('type') || '').trim().toLowerCase();
  return type === '' || /^(text|application)\/(x-)?(javascript|ecmascript)$/.test(type) || type === 'text/jscript';
}

function execute(s, code) {
  try { Object.defineProperty(document, 'currentScript', { value: s, configurable: true }); } catch (e) {}
  try { (0, eval)(code); } catch (error) { reportError(error); }
  try { Object.defineProperty(document, 'currentScript', { value: null, configurable: true }); } catch (e) {}
}

function runScript(index, code) {
  var s = scripts[index];
  execute(s, code === null ? s.textContent : code);
  adoptInserted();
}

// linkedom's elements call their onload/onerror properties from dispatchEvent.
function fireScriptEvent(s, type) {
  try { s.dispatchEvent(new G.Event(type)); } catch (error) { reportError(error); }
}

// Scripts a script inserted (a loader, JSONP): inline ones run at once, external ones are fetched through the host
// and run when they arrive, then get their load (or error) event. Returns how many were found.
var seen = new WeakSet();
function adoptInserted() {
  var adopted = 0;
  for (var round = 0; round < 50; round++) {
    var found = document.querySelectorAll('script');
    var fresh = 0;
    for (var i = 0; i < found.length; i++) {
      var s = found[i];
      if (seen.has(s)) continue;
      seen.add(s);
      fresh++;
      if (!isClassic(s)) continue;
      var src = s.getAttribute('src');
      if (!src) { execute(s, s.textContent); continue; }
      var url;
      try { url = new URL(src, document.baseURI || limits.url).href; } catch (e) { fireScriptEvent(s, 'error'); continue; }
      (function (element) {
        send('GET', url, {}, null).then(function (r) {
          if (r.status >= 400) { fireScriptEvent(element, 'error'); return; }
          execute(element, r.body);
          fireScriptEvent(element, 'load');
        }, function () { fireScriptEvent(element, 'error'); });
      })(s);
    }
    adopted += fresh;
    if (fresh === 0) break;
  }
  return adopted;
}

function dispatch(type) {
  if (type === 'DOMContentLoaded') {
    document.readyState = 'interactive';
    try { document.dispatchEvent(new G.Event('readystatechange')); } catch (error) { reportError(error); }
    try { document.dispatchEvent(new G.Event('DOMContentLoaded', { bubbles: true })); } catch (error) { reportError(error); }
    dispatchWindow('DOMContentLoaded');
  } else {
    document.readyState = 'complete';
    try { document.dispatchEvent(new G.Event('readystatechange')); } catch (error) { reportError(error); }
    dispatchWindow('load');
  }
  adoptInserted();
}

// Fires the earliest timer (ties in scheduling order): 'fired', 'idle' (none left), 'horizon' (the next is past
// the virtual horizon, so the page is as settled as it will get) or 'storm' (too many firings).
function tick() {
  // Scripts inserted by promise callbacks after the last call: load them before time moves on.
  if (adoptInserted() > 0) return 'fired';
  var next = null;
  timers.forEach(function (t, id) {
    if (next === null || t.at < next.t.at || (t.at === next.t.at && t.order < next.t.order)) next = { t: t, id: id };
  });
  if (next === null) return 'idle';
  if (next.t.at > limits.horizonMs) return 'horizon';
  if (++fired > limits.maxTimers) return 'storm';
  var t = next.t;
  now = t.at;
  if (t.every) { t.at = now + t.every; t.order = ++seq; } else timers.delete(next.id);
  try { t.fn.apply(G, t.args); } catch (error) { reportError(error); }
  adoptInserted();
  return 'fired';
}

function serialize() {
  var root = document.documentElement;
  return stringify({ html: '<!DOCTYPE html>' + (root ? root.outerHTML : ''), logs: logs, timers: fired });
}

Object.defineProperty(G, '__arachne', {
  value: { start: start, runScript: runScript, dispatch: dispatch, tick: tick, deliver: deliver, serialize: serialize },
  configurable: true,
});
})();`;
