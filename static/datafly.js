/*! datafly.js: Signal's browser client. No dependencies; ES2017.
 *
 *   <script src="https://signal.example.com/static/datafly.js"></script>
 *   <script>datafly.init({writeKey: "YOUR_WRITE_KEY"}); datafly.page();</script>
 *
 * Calls: init, page, track, identify, reset, consent, flush. Events are queued and sent to
 * Signal's POST /v1/batch every 500 ms or at 20 events, and with navigator.sendBeacon when
 * the page is hidden or left.
 *
 * Consent: datafly.consent({analytics: false}) does NOT stop events leaving the browser.
 * Every event carries the choice in context.consent.categoryPreferences and Signal records
 * it, suppressed: nothing goes to a destination that needs that category. Before any choice
 * is made no consent object is sent, and each integration's blueprint decides.
 *
 * For pages that want to show what is sent, it dispatches window events: "datafly:queued"
 * (detail: the event), "datafly:sent" and "datafly:failed" (detail: {events, status}; for
 * events Signal rejected, also `reasons`: messageId -> what is wrong). When Signal rejects
 * some events of a batch, the others were stored: they are reported sent.
 */
(function () {
  'use strict';
  if (window.datafly && window.datafly.version) return; // loaded twice: keep the first

  const VERSION = '0.1.0';
  const FLUSH_MS = 500;
  const MAX_BATCH = 20;
  const RETRIES = 4; // after the first try; backoff 0.5 s, 1 s, 2 s, 4 s (plus jitter)
  const KEYS = {
    anon: 'datafly_anonymous_id', user: 'datafly_user_id', consent: 'datafly_consent',
  };
  // Resolved now: document.currentScript is only set while this file first runs.
  const script = document.currentScript;
  const scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : '';

  const config = { writeKey: null, host: scriptOrigin || location.origin };
  let queue = []; // events not yet handed to fetch
  const waiting = new Set(); // failed batches sleeping before their next try
  let timer = null;
  let sending = Promise.resolve(); // batches go out one after another, in order

  // First-party storage: localStorage, or a cookie where it is blocked (Safari private
  // mode, disabled storage). Values are small strings.
  const storage = {
    get(key) {
      try {
        const value = localStorage.getItem(key);
        if (value !== null) return value;
      } catch (e) { /* fall through to the cookie */ }
      const match = document.cookie.match(new RegExp('(?:^|; )' + key + '=([^;]*)'));
      return match ? decodeURIComponent(match[1]) : null;
    },
    set(key, value) {
      try {
        localStorage.setItem(key, value);
        return;
      } catch (e) { /* fall through to the cookie */ }
      document.cookie = key + '=' + encodeURIComponent(value) +
        '; path=/; max-age=31536000; SameSite=Lax';
    },
    remove(key) {
      try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
      document.cookie = key + '=; path=/; max-age=0; SameSite=Lax';
    },
  };

  // crypto.randomUUID exists only in secure contexts (https, localhost); plain-http sites
  // still have getRandomValues.
  function uuid() {
    const c = window.crypto;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    const bytes = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(bytes);
    else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
      hex.slice(20)].join('-');
  }

  function anonymousId() {
    let id = storage.get(KEYS.anon);
    if (!id) {
      id = uuid();
      storage.set(KEYS.anon, id);
    }
    return id;
  }

  function consentPreferences() {
    try {
      const prefs = JSON.parse(storage.get(KEYS.consent));
      return prefs && typeof prefs === 'object' ? prefs : null;
    } catch (e) {
      return null;
    }
  }

  function pageInfo() {
    return {
      url: location.href, title: document.title, referrer: document.referrer,
      path: location.pathname, search: location.search,
    };
  }

  function emit(name, detail) {
    window.dispatchEvent(new CustomEvent(name, { detail }));
  }

  function enqueue(type, fields) {
    const context = {
      library: { name: 'datafly.js', version: VERSION },
      page: pageInfo(),
      userAgent: navigator.userAgent,
      locale: navigator.language,
    };
    const prefs = consentPreferences();
    if (prefs) context.consent = { categoryPreferences: prefs };
    // The device's clock, not a `timestamp`: with `sentAt` (stamped at each send) Signal
    // corrects it for the device's skew, as Segment does.
    const event = Object.assign({
      type, messageId: uuid(), originalTimestamp: new Date().toISOString(),
      anonymousId: anonymousId(),
    }, fields, { context });
    const userId = storage.get(KEYS.user);
    if (userId && !event.userId) event.userId = userId;
    queue.push(event);
    emit('datafly:queued', event);
    if (queue.length >= MAX_BATCH) flush();
    else if (!timer) timer = setTimeout(flush, FLUSH_MS);
  }

  function endpoint() {
    return config.host.replace(/\/+$/, '') + '/v1/batch';
  }

  // text/plain keeps the request "simple" (no CORS preflight) and is what sendBeacon needs;
  // the write key travels in the body for the same reason (no Authorization header).
  // `sentAt` is the device's clock as the batch leaves, on every try.
  function body(batch) {
    const sentAt = new Date().toISOString();
    const events = batch.map((event) => Object.assign({}, event, { sentAt }));
    return JSON.stringify({ batch: events, writeKey: config.writeKey });
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function send(batch) {
    for (let attempt = 0; ; attempt++) {
      const payload = body(batch);
      let status = 0;
      let answer = null;
      try {
        const response = await fetch(endpoint(), {
          method: 'POST', body: payload, headers: { 'Content-Type': 'text/plain' },
          // keepalive lets a request outlive the page, but browsers cap it at 64 KB.
          keepalive: payload.length < 60000,
        });
        status = response.status;
        if (status === 400) answer = await response.json().catch(() => null);
      } catch (e) { /* network error: status stays 0 */ }
      const retryable = status === 0 || status === 429 || status >= 500;
      if (!retryable || attempt >= RETRIES) {
        report(batch, status, answer);
        // Out of tries on a transient failure: keep the events for the next flush.
        if (retryable) queue = batch.concat(queue);
        return;
      }
      emit('datafly:failed', { events: batch, status, retrying: true });
      waiting.add(batch);
      await sleep(500 * 2 ** attempt + Math.random() * 250);
      waiting.delete(batch);
    }
  }

  // A 400 names the events of the batch Signal rejected, and why; the rest were stored.
  function report(batch, status, answer) {
    const ok = status >= 200 && status < 300;
    const rejected = answer && Array.isArray(answer.rejected) ? answer.rejected : null;
    if (ok || !rejected) {
      emit(ok ? 'datafly:sent' : 'datafly:failed', { events: batch, status });
      return;
    }
    const reasons = {};
    for (const r of rejected) {
      if (batch[r.index]) reasons[batch[r.index].messageId] = r.error;
    }
    const sent = batch.filter((event) => !(event.messageId in reasons));
    const failed = batch.filter((event) => event.messageId in reasons);
    if (sent.length) emit('datafly:sent', { events: sent, status: 200 });
    emit('datafly:failed', { events: failed, status, reasons });
  }

  function takeBatches() {
    clearTimeout(timer);
    timer = null;
    const batches = [];
    while (queue.length) batches.push(queue.splice(0, MAX_BATCH));
    return batches;
  }

  function flush() {
    if (!config.writeKey) return sending; // nowhere to send yet; init() flushes
    for (const batch of takeBatches()) sending = sending.then(() => send(batch));
    return sending;
  }

  // The page is going away (or may be frozen): hand everything to sendBeacon, which the
  // browser delivers after unload. Batches sleeping before a retry go too; a later retry
  // of the same events is harmless because Signal stores each messageId once.
  function flushWithBeacon() {
    if (!config.writeKey) return;
    const batches = takeBatches().concat(Array.from(waiting));
    for (const batch of batches) {
      const blob = new Blob([body(batch)], { type: 'text/plain' });
      if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint(), blob))) {
        sending = sending.then(() => send(batch)); // beacon refused (too big): try fetch
      }
    }
  }

  window.addEventListener('pagehide', flushWithBeacon);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flushWithBeacon();
  });

  window.datafly = {
    version: VERSION,
    init(options) {
      Object.assign(config, options || {});
      if (!config.host) config.host = location.origin;
      return flush();
    },
    page(name, properties) {
      if (name && typeof name === 'object') [name, properties] = [undefined, name];
      const info = pageInfo();
      const props = Object.assign({
        url: info.url, title: info.title, referrer: info.referrer, path: info.path,
      }, properties);
      enqueue('page', name ? { name, properties: props } : { properties: props });
    },
    track(event, properties) {
      enqueue('track', { event, properties: Object.assign({}, properties) });
    },
    identify(userId, traits) {
      if (userId && typeof userId === 'object') [userId, traits] = [null, userId];
      if (userId) storage.set(KEYS.user, String(userId));
      enqueue('identify', { traits: Object.assign({}, traits) });
    },
    // Logout: queued events keep the ids they were made with; later ones start afresh.
    reset() {
      storage.remove(KEYS.user);
      storage.set(KEYS.anon, uuid());
    },
    // Merge categories into the stored choice, e.g. {analytics: true}; no argument reads it.
    consent(preferences) {
      if (preferences && typeof preferences === 'object') {
        storage.set(KEYS.consent, JSON.stringify(Object.assign({}, consentPreferences(),
          preferences)));
      }
      return consentPreferences();
    },
    anonymousId,
    userId: () => storage.get(KEYS.user),
    flush,
  };
})();
