/*!
 * Tessera browser signals 0.1.0 — records what people do with AI outputs on a web page
 * (copy, share, save, send, apply, edit, dismiss, regenerate, abandon after reading, thumbs)
 * and sends them to Tessera with a publishable key. No dependencies, no build step.
 * Docs: docs/integrations/browser.md. Source of truth: clients/browser/tessera.js
 * (static/tessera/tessera.js is a checked copy).
 */
(function (root, factory) {
  "use strict";
  var api = factory(root);
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  }
  if (root) {
    root.Tessera = api;
  }
})(typeof window !== "undefined" ? window : null, function (window) {
  "use strict";

  var VERSION = "0.1.0";
  var SOURCE = "tessera-browser/" + VERSION;
  var ACTIONS = ["copy", "share", "save", "send", "apply", "edit", "regenerate", "dismiss", "escalate"];
  var DEFAULTS = {
    key: null, // publishable key tpk_live_… (required)
    host: null, // Tessera origin; defaults to the origin the script was loaded from
    userId: null, // pseudonymous end-user id; defaults to a random id kept in localStorage
    conversationId: null, // default when no data-tessera-conversation is found around an output
    feature: null,
    variant: null,
    editWindowSeconds: 30, // an edit counts only this soon after the output appeared
    abandonAfterSeconds: 10, // visible this long, then the page is left with no action = abandon
    flushIntervalMs: 1000,
    maxBatch: 50, // events per request (sendBeacon bodies must stay under 64 KB)
    maxQueue: 1000, // oldest events are dropped beyond this (a page that can never reach Tessera)
    maxBackoffMs: 60000,
    requestTimeoutMs: 15000, // a send with no answer by then is retried (its events are idempotent)
    debug: false,
  };

  var state = null; // one tracker per page

  function now() {
    return window.performance && window.performance.now ? window.performance.now() : Date.now();
  }

  function randomId(prefix) {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") {
      return prefix + c.randomUUID().replace(/-/g, "");
    }
    var bytes = new Uint8Array(16);
    if (c && c.getRandomValues) {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    return prefix + Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  function log(level, message, detail) {
    if (state && (state.options.debug || level === "warn") && window.console) {
      window.console[level]("[tessera] " + message, detail === undefined ? "" : detail);
    }
  }

  function storageGet(storage, name) {
    try { return window[storage].getItem(name); } catch (e) { return null; }
  }

  function storageSet(storage, name, value) {
    try {
      if (value === null) window[storage].removeItem(name);
      else window[storage].setItem(name, value);
    } catch (e) { /* private mode or full: the in-memory queue still works */ }
  }

  function anonymousUserId() {
    var id = storageGet("localStorage", "tessera:uid");
    if (!id) {
      id = randomId("anon-");
      storageSet("localStorage", "tessera:uid", id);
    }
    return id;
  }

  function closestAttr(el, name) {
    var found = el && el.closest ? el.closest("[" + name + "]") : null;
    return found ? found.getAttribute(name) : null;
  }

  function elementOf(node) {
    return node && node.nodeType === 1 ? node : node ? node.parentElement : null;
  }

  // --- outputs --------------------------------------------------------------------------

  function outputFor(messageId) {
    return state.outputs[messageId] || null;
  }

  function register(el) {
    var id = el.getAttribute("data-tessera-output");
    if (!id || state.outputs[id]) return;
    state.outputs[id] = {
      id: id,
      el: el,
      appearedAt: now(), // performance clock: exact differences
      appearedEpoch: Date.now(), // wall clock: event timestamps
      actions: 0, // action events so far (the first one's ms_since_output is the time to first action)
      engaged: false, // any action, feedback or late edit: leaving is then not an abandonment
      edited: false,
      visibleSince: null,
      visibleMs: 0,
      abandoned: false,
    };
    if (state.visibility) state.visibility.observe(el);
    log("debug", "output " + id + " appeared");
  }

  function scan(root) {
    if (!root || root.nodeType !== 1) return;
    if (root.hasAttribute("data-tessera-output")) register(root);
    var found = root.querySelectorAll("[data-tessera-output]");
    for (var i = 0; i < found.length; i++) register(found[i]);
  }

  function visibleMs(out, at) {
    return out.visibleMs + (out.visibleSince === null ? 0 : at - out.visibleSince);
  }

  function onIntersect(entries) {
    var at = now();
    entries.forEach(function (entry) {
      var out = outputFor(entry.target.getAttribute("data-tessera-output"));
      if (!out) return;
      if (entry.isIntersecting && out.visibleSince === null) {
        out.visibleSince = at;
      } else if (!entry.isIntersecting && out.visibleSince !== null) {
        out.visibleMs += at - out.visibleSince;
        out.visibleSince = null;
      }
    });
  }

  // --- events ---------------------------------------------------------------------------

  function context(out, el) {
    var anchor = el || out.el;
    return {
      conversation: closestAttr(out.el, "data-tessera-conversation") || closestAttr(anchor, "data-tessera-conversation") || state.conversationId,
      feature: closestAttr(out.el, "data-tessera-feature") || state.options.feature,
      variant: closestAttr(out.el, "data-tessera-variant") || state.options.variant,
    };
  }

  function base(out, el, type, trigger) {
    var ctx = context(out, el);
    if (!ctx.conversation) {
      log("warn", "no conversation id for output " + out.id + ": add data-tessera-conversation or Tessera.init({conversationId})");
      return null;
    }
    var elapsed = Math.max(0, Math.round(now() - out.appearedAt));
    var event = {
      id: randomId("tb-"),
      type: type,
      timestamp: new Date(out.appearedEpoch + elapsed).toISOString(),
      conversation_id: ctx.conversation,
      user_id: state.userId,
      message_id: out.id,
      metadata: { ms_since_output: elapsed, first_action: out.actions === 0, trigger: trigger, source: SOURCE },
    };
    if (ctx.feature) event.feature = ctx.feature;
    if (ctx.variant) event.variant = ctx.variant;
    return event;
  }

  function recordAction(out, action, trigger, el) {
    if (action === "copy" && out.lastCopyAt !== undefined && now() - out.lastCopyAt < 1000) {
      return null; // a copy button that calls execCommand("copy") also fires the copy event
    }
    var event = base(out, el, "action", trigger);
    if (!event) return null;
    event.action = action;
    out.actions += 1;
    out.engaged = true;
    if (action === "copy") out.lastCopyAt = now();
    enqueue(event);
    return event;
  }

  function recordFeedback(out, rating, comment, el) {
    var event = base(out, el, "feedback", "click");
    if (!event) return null;
    event.rating = /^[1-5]$/.test(String(rating)) ? Number(rating) : rating;
    if (comment) event.comment = String(comment);
    out.engaged = true; // feedback is not an action: it neither is nor delays the first action
    enqueue(event);
    return event;
  }

  function outputOfElement(el) {
    var explicit = closestAttr(el, "data-tessera-for");
    if (explicit) return outputFor(explicit);
    var host = el.closest ? el.closest("[data-tessera-output]") : null;
    return host ? outputFor(host.getAttribute("data-tessera-output")) : null;
  }

  function onCopy() {
    var selection = window.getSelection ? window.getSelection() : null;
    if (!selection || selection.isCollapsed) return;
    var el = elementOf(selection.anchorNode);
    var out = el && outputOfElement(el);
    if (!out) {
      el = elementOf(selection.focusNode);
      out = el && outputOfElement(el);
    }
    if (out) recordAction(out, "copy", "selection", el);
  }

  function onClick(e) {
    var target = e.target && e.target.closest ? e.target.closest("[data-tessera-action],[data-tessera-feedback]") : null;
    if (!target) return;
    var out = outputOfElement(target);
    if (!out) {
      log("warn", "clicked a Tessera control outside any data-tessera-output (add data-tessera-for=\"<message id>\")");
      return;
    }
    var rating = target.getAttribute("data-tessera-feedback");
    if (rating) {
      recordFeedback(out, rating, null, target);
      return;
    }
    var action = target.getAttribute("data-tessera-action");
    if (ACTIONS.indexOf(action) < 0) {
      log("warn", "unknown data-tessera-action " + JSON.stringify(action) + "; expected one of " + ACTIONS.join(", "));
      return;
    }
    recordAction(out, action, "click", target);
  }

  function onInput(e) {
    var el = e.target;
    if (!el || !el.closest) return;
    var editOf = closestAttr(el, "data-tessera-edit-of");
    var out = editOf ? outputFor(editOf) : null;
    if (!out && el.isContentEditable) {
      var host = el.closest("[data-tessera-output]");
      out = host ? outputFor(host.getAttribute("data-tessera-output")) : null;
    }
    if (!out || out.edited) return;
    out.edited = true; // one edit event per output, at the first change
    out.engaged = true;
    if (now() - out.appearedAt > state.options.editWindowSeconds * 1000) {
      log("debug", "edit of " + out.id + " after the " + state.options.editWindowSeconds + " s window: not recorded");
      return;
    }
    recordAction(out, "edit", "input", el);
  }

  function recordAbandons() {
    var at = now();
    var limit = state.options.abandonAfterSeconds * 1000;
    Object.keys(state.outputs).forEach(function (id) {
      var out = state.outputs[id];
      if (!out.abandoned && !out.engaged && visibleMs(out, at) >= limit && out.el.isConnected) {
        out.abandoned = true;
        var event = base(out, out.el, "action", "page-hidden");
        if (event) {
          event.action = "abandon";
          event.metadata.visible_ms = Math.round(visibleMs(out, at));
          enqueue(event);
        }
      }
    });
  }

  // --- queue and transport --------------------------------------------------------------

  function storageKey() {
    return "tessera:queue:" + state.options.key.slice(0, 21);
  }

  function persist() {
    storageSet("sessionStorage", storageKey(), state.queue.length ? JSON.stringify(state.queue) : null);
  }

  function enqueue(event) {
    state.queue.push(event);
    if (state.queue.length > state.options.maxQueue) state.queue.splice(0, state.queue.length - state.options.maxQueue);
    persist();
    log("debug", "queued " + (event.action || event.type) + " on " + event.message_id, event);
    schedule(state.options.flushIntervalMs);
  }

  function schedule(delay) {
    if (state.timer !== null || state.inFlight) return;
    state.timer = window.setTimeout(function () {
      state.timer = null;
      flush();
    }, Math.max(0, delay));
  }

  function remove(ids) {
    var gone = {};
    ids.forEach(function (id) { gone[id] = true; });
    state.queue = state.queue.filter(function (event) { return !gone[event.id]; });
    persist();
  }

  function retryLater(response) {
    var header = response && response.headers ? response.headers.get("Retry-After") : null;
    var wait = header && /^\d+$/.test(header) ? Number(header) * 1000 : Math.min(state.options.maxBackoffMs, 1000 * Math.pow(2, state.failures));
    state.failures += 1;
    wait = Math.round(wait * (1 + Math.random() * 0.2)); // jitter: many pages must not retry in step
    log("debug", "send failed; retrying in " + wait + " ms");
    state.retryAt = now() + wait;
    schedule(wait);
  }

  function flush() {
    if (!state || state.inFlight || !state.queue.length) return Promise.resolve();
    if (now() < state.retryAt) {
      schedule(state.retryAt - now());
      return Promise.resolve();
    }
    var batch = state.queue.slice(0, state.batchSize);
    var ids = batch.map(function (event) { return event.id; });
    state.inFlight = true;
    var init = { method: "POST", body: JSON.stringify({ events: batch }), keepalive: true, credentials: "omit", mode: "cors" };
    var timeout = null;
    if (typeof window.AbortController === "function") {
      var controller = new window.AbortController();
      init.signal = controller.signal;
      timeout = window.setTimeout(function () { controller.abort(); }, state.options.requestTimeoutMs);
    }
    // A string body is sent as text/plain and the key rides in the URL: a "simple" CORS request,
    // so no preflight round trip; keepalive lets it finish while the page unloads.
    return window
      .fetch(state.endpoint, init)
      .then(function (response) {
        window.clearTimeout(timeout);
        state.inFlight = false;
        if (response.ok) {
          state.failures = 0;
          state.batchSize = Math.min(state.options.maxBatch, state.batchSize * 2);
          remove(ids);
          return response.json().then(function (body) {
            if (body && body.rejected && body.rejected.length) log("warn", "events rejected by Tessera", body.rejected);
          }, function () {});
        }
        if (response.status === 429 && batch.length > 1) {
          // A refused batch costs no budget, and a key with a small per-minute limit refuses any
          // batch larger than what is left: try at once with half, down to one event, before
          // waiting for Retry-After.
          state.batchSize = Math.max(1, Math.floor(batch.length / 2));
          schedule(0);
          return null;
        }
        if (response.status === 429 || response.status === 408 || response.status >= 500) {
          retryLater(response);
          return null;
        }
        // Any other 4xx (bad key, origin not allowed, malformed) will not succeed on a retry.
        remove(ids);
        return response.text().then(function (text) { log("warn", "Tessera refused " + ids.length + " events (" + response.status + ")", text); });
      }, function (error) {
        window.clearTimeout(timeout);
        state.inFlight = false;
        retryLater(null);
        log("debug", "network error", error);
      })
      .then(function () {
        if (state.queue.length && now() >= state.retryAt) schedule(0);
      });
  }

  function flushWithBeacon() {
    if (!state.queue.length) return;
    if (!window.navigator.sendBeacon) {
      flush();
      return;
    }
    // Events of a fetch still in flight are left to it (keepalive) and to sessionStorage.
    var pending = state.inFlight ? state.queue.slice(state.options.maxBatch) : state.queue.slice();
    for (var i = 0; i < pending.length; i += state.options.maxBatch) {
      var batch = pending.slice(i, i + state.options.maxBatch);
      if (!window.navigator.sendBeacon(state.endpoint, JSON.stringify({ events: batch }))) break; // kept for the next page
      remove(batch.map(function (event) { return event.id; }));
    }
  }

  function onHidden() {
    if (window.document.visibilityState === "hidden") {
      recordAbandons();
      flushWithBeacon();
    }
  }

  function onPageHide() {
    recordAbandons();
    flushWithBeacon();
  }

  // --- setup ----------------------------------------------------------------------------

  function scriptOptions(script) {
    if (!script || !script.getAttribute) return {};
    var read = function (name) { return script.getAttribute("data-" + name); };
    var options = {};
    var map = {
      key: "key", host: "host", "user-id": "userId", "conversation-id": "conversationId", feature: "feature",
      variant: "variant", "edit-window": "editWindowSeconds", "abandon-after": "abandonAfterSeconds",
      "flush-interval": "flushIntervalMs", "request-timeout": "requestTimeoutMs", debug: "debug",
    };
    Object.keys(map).forEach(function (attr) {
      var value = read(attr);
      if (value === null) return;
      var name = map[attr];
      if (name === "debug") options.debug = value !== "false";
      else if (/Seconds$|Ms$/.test(name)) options[name] = Number(value);
      else options[name] = value;
    });
    if (script.src) {
      try { options.scriptOrigin = new URL(script.src, window.location.href).origin; } catch (e) { /* inline */ }
    }
    return options;
  }

  function init(options) {
    if (state) {
      log("warn", "Tessera.init called twice; keeping the first configuration");
      return api;
    }
    var merged = {};
    Object.keys(DEFAULTS).forEach(function (k) { merged[k] = DEFAULTS[k]; });
    [api._scriptOptions || {}, options || {}].forEach(function (given) {
      Object.keys(given).forEach(function (k) { if (given[k] !== undefined && given[k] !== null) merged[k] = given[k]; });
    });
    if (!merged.key || merged.key.indexOf("tpk_") !== 0) {
      if (window.console) window.console.warn("[tessera] init needs a publishable key (tpk_live_…); nothing will be recorded");
      return api;
    }
    var host = (merged.host || merged.scriptOrigin || window.location.origin).replace(/\/+$/, "");
    var stored = storageGet("sessionStorage", "tessera:queue:" + merged.key.slice(0, 21));
    state = {
      options: merged,
      endpoint: host + "/api/v1/browser/events?key=" + encodeURIComponent(merged.key),
      userId: merged.userId || anonymousUserId(),
      conversationId: merged.conversationId,
      outputs: {},
      queue: [],
      timer: null,
      inFlight: false,
      batchSize: merged.maxBatch,
      failures: 0,
      retryAt: 0,
      visibility: typeof window.IntersectionObserver === "function" ? new window.IntersectionObserver(onIntersect, { threshold: 0.5 }) : null,
    };
    try { state.queue = stored ? JSON.parse(stored) : []; } catch (e) { state.queue = []; }
    var doc = window.document;
    doc.addEventListener("copy", onCopy, true);
    doc.addEventListener("click", onClick, true);
    doc.addEventListener("input", onInput, true);
    doc.addEventListener("visibilitychange", onHidden);
    window.addEventListener("pagehide", onPageHide);
    var start = function () {
      scan(doc.body);
      // Chat UIs add outputs as they stream in: each is timed from the moment it is inserted.
      new window.MutationObserver(function (mutations) {
        mutations.forEach(function (m) {
          for (var i = 0; i < m.addedNodes.length; i++) scan(m.addedNodes[i]);
          if (m.type === "attributes" && m.target.nodeType === 1) scan(m.target);
        });
      }).observe(doc.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-tessera-output"] });
    };
    if (doc.body) start();
    else doc.addEventListener("DOMContentLoaded", start);
    if (state.queue.length) schedule(0); // left over from the previous page of this tab
    log("debug", "ready; sending to " + host);
    return api;
  }

  function requireOutput(messageId) {
    if (!state) throw new Error("call Tessera.init({key}) first");
    var out = outputFor(String(messageId));
    if (!out) {
      // An output the page never marked: time it from now (no time to first action to report).
      out = { id: String(messageId), el: window.document.body, appearedAt: now(), appearedEpoch: Date.now(), actions: 0, engaged: true, edited: false, visibleSince: null, visibleMs: 0, abandoned: true };
      state.outputs[out.id] = out;
    }
    return out;
  }

  var api = {
    version: VERSION,
    init: init,
    /** Record an action by hand, e.g. Tessera.action("copy", "msg-42") from a custom control. */
    action: function (action, messageId) {
      if (ACTIONS.indexOf(action) < 0) throw new Error("unknown action " + action + "; expected one of " + ACTIONS.join(", "));
      return recordAction(requireOutput(messageId), action, "api", null);
    },
    /** Thumbs ("up"/"down") or a 1–5 rating on an output, with an optional comment. */
    feedback: function (messageId, rating, comment) {
      return recordFeedback(requireOutput(messageId), rating, comment, null);
    },
    setUser: function (userId) { if (state) state.userId = String(userId); },
    setConversation: function (conversationId) { if (state) state.conversationId = String(conversationId); },
    /** Send what is queued now (returns a Promise). */
    flush: function () { return flush(); },
    /** Internal state for tests and debugging. */
    _state: function () { return state; },
  };

  if (window && window.document) {
    var current = window.document.currentScript;
    var fromTag = scriptOptions(current);
    if (fromTag.key) init(fromTag);
    else if (current) api._scriptOptions = fromTag; // Tessera.init({...}) may still pass the key
  }
  return api;
});
