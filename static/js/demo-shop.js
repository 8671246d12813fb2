/* Signal Demo Shop: the shop's buttons call datafly.js; the activity log shows what was sent.
 *
 * Loaded before the install snippet so the log also catches the snippet's datafly.page().
 */
(function () {
  'use strict';
  const CART_KEY = 'signal_demo_cart';
  const ACCOUNT_KEY = 'signal_demo_account';
  const entries = new Map(); // messageId -> {event, status, item}
  const products = {};
  let logList = null;

  const $ = (selector) => document.querySelector(selector);
  const money = (amount) => '$' + amount.toFixed(2);
  const round = (amount) => Math.round(amount * 100) / 100;
  const readJson = (key, fallback) => {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  };

  // ---- activity log ----------------------------------------------------------------------
  function label(event) {
    if (event.type === 'track') return event.event;
    if (event.type === 'page') return event.name || event.properties.path;
    if (event.type === 'identify') return event.traits.email || event.userId || 'anonymous';
    return event.type;
  }

  function renderEntry(entry) {
    const { event } = entry;
    const item = document.createElement('li');
    item.className = 'entry';
    item.dataset.messageId = event.messageId;
    item.dataset.type = event.type;
    item.dataset.name = event.event || event.name || '';
    const consent = event.context.consent;
    const analytics = consent ? consent.categoryPreferences.analytics : undefined;
    item.innerHTML = '<div class="entry-line"><span class="badge"></span>' +
      '<span class="entry-name"></span><span class="entry-status"></span></div>' +
      '<div class="entry-meta"></div><details><summary>Payload</summary><pre></pre></details>';
    item.querySelector('.badge').textContent = event.type;
    item.querySelector('.badge').classList.add('badge-' + event.type);
    item.querySelector('.entry-name').textContent = label(event);
    item.querySelector('.entry-meta').textContent = [
      new Date(event.originalTimestamp || event.timestamp).toLocaleTimeString(),
      event.userId ? 'user ' + event.userId : 'anonymous ' + event.anonymousId.slice(0, 8),
      analytics === undefined ? 'no consent choice' : 'analytics ' + (analytics ? 'on' : 'off'),
    ].join(' · ');
    item.querySelector('pre').textContent = JSON.stringify(event, null, 2);
    entry.item = item;
    updateEntry(entry);
    logList.prepend(item);
    $('#activity-empty').hidden = true;
  }

  function updateEntry(entry) {
    if (!entry.item) return;
    entry.item.dataset.status = entry.status;
    entry.item.querySelector('.entry-status').textContent = entry.status;
  }

  window.addEventListener('datafly:queued', (e) => {
    const entry = { event: e.detail, status: 'queued' };
    entries.set(e.detail.messageId, entry);
    if (logList) renderEntry(entry);
  });
  const mark = (status) => (e) => {
    for (const event of e.detail.events) {
      const entry = entries.get(event.messageId);
      if (!entry) continue;
      entry.status = status === 'failed' && e.detail.retrying ? 'retrying' : status;
      if (status === 'failed' && e.detail.status) entry.status += ' (' + e.detail.status + ')';
      const reason = e.detail.reasons && e.detail.reasons[event.messageId];
      if (reason) entry.status = 'rejected: ' + reason;
      updateEntry(entry);
    }
  };
  window.addEventListener('datafly:sent', mark('sent'));
  window.addEventListener('datafly:failed', mark('failed'));

  // ---- products and cart -----------------------------------------------------------------
  function productProperties(product) {
    return {
      product_id: product.product_id, sku: product.sku, name: product.name,
      category: product.category, price: Number(product.price), currency: 'USD',
    };
  }

  const cart = () => readJson(CART_KEY, {});
  const saveCart = (items) => { localStorage.setItem(CART_KEY, JSON.stringify(items)); };

  function renderCart() {
    const items = cart();
    const list = $('#cart-items');
    list.textContent = '';
    let total = 0;
    let count = 0;
    for (const [id, quantity] of Object.entries(items)) {
      const product = products[id];
      if (!product) continue;
      total += Number(product.price) * quantity;
      count += quantity;
      const row = document.createElement('li');
      row.innerHTML = '<span class="cart-name"></span><span class="cart-qty"></span>' +
        '<span class="cart-price"></span>';
      row.querySelector('.cart-name').textContent = product.name;
      row.querySelector('.cart-qty').textContent = '× ' + quantity;
      row.querySelector('.cart-price').textContent = money(Number(product.price) * quantity);
      list.append(row);
    }
    $('#cart-empty').hidden = count > 0;
    $('#cart-count').textContent = count;
    $('#cart-total').textContent = money(total);
    $('#checkout').disabled = count === 0;
  }

  function view(product) {
    const dialog = $('#product-dialog');
    dialog.dataset.productId = product.product_id;
    dialog.querySelector('.dialog-name').textContent = product.name;
    dialog.querySelector('.dialog-blurb').textContent = product.blurb;
    dialog.querySelector('.dialog-price').textContent = money(Number(product.price));
    dialog.querySelector('.dialog-art').style.setProperty('--hue', product.hue);
    dialog.querySelector('.dialog-art').textContent = product.initials;
    dialog.showModal();
    datafly.track('Product Viewed', productProperties(product));
  }

  function addToCart(product) {
    const items = cart();
    items[product.product_id] = (items[product.product_id] || 0) + 1;
    saveCart(items);
    renderCart();
    datafly.track('Product Added', Object.assign(productProperties(product), { quantity: 1 }));
  }

  function checkout() {
    const lines = Object.entries(cart()).filter(([id]) => products[id]).map(([id, quantity]) => {
      const p = products[id];
      return {
        product_id: p.product_id, sku: p.sku, name: p.name, category: p.category,
        price: Number(p.price), quantity,
      };
    });
    if (!lines.length) return;
    const total = round(lines.reduce((sum, line) => sum + line.price * line.quantity, 0));
    const orderId = 'ORD-' + Date.now().toString(36).toUpperCase();
    datafly.track('Order Completed', {
      order_id: orderId, total, revenue: total, currency: 'USD', products: lines,
    });
    saveCart({});
    renderCart();
    const note = $('#order-note');
    note.textContent = 'Order ' + orderId + ' placed: ' + money(total) + '. Thank you!';
    note.hidden = false;
  }

  // ---- account (log in is pretend: any email works) --------------------------------------
  // A stable, non-PII user id from the email (two FNV-1a hashes, 64 bits).
  function userIdFor(email) {
    let a = 0x811c9dc5;
    let b = 0x050c5d1f;
    for (const ch of email) {
      a = Math.imul(a ^ ch.codePointAt(0), 16777619);
      b = Math.imul(b ^ ch.codePointAt(0), 2246822519);
    }
    const hex = (n) => (n >>> 0).toString(16).padStart(8, '0');
    return 'user-' + hex(a) + hex(b);
  }

  function nameFor(email) {
    return email.split('@')[0].split(/[._+-]+/).filter(Boolean)
      .map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
  }

  function renderAccount() {
    const account = readJson(ACCOUNT_KEY, null);
    $('#login-form').hidden = Boolean(account);
    $('#signed-in').hidden = !account;
    if (account) $('#account-name').textContent = account.name || account.email;
  }

  function logIn(email) {
    email = email.trim().toLowerCase();
    const account = { email, name: nameFor(email) };
    datafly.identify(userIdFor(email), account);
    localStorage.setItem(ACCOUNT_KEY, JSON.stringify(account));
    renderAccount();
  }

  function logOut() {
    datafly.reset();
    localStorage.removeItem(ACCOUNT_KEY);
    renderAccount();
  }

  // ---- consent ---------------------------------------------------------------------------
  function renderConsent(open) {
    const prefs = datafly.consent();
    const choice = prefs && typeof prefs.analytics === 'boolean' ? prefs.analytics : null;
    $('#consent-banner').hidden = !(open || choice === null);
    $('#consent-state').textContent =
      choice === null ? 'not chosen' : choice ? 'allowed' : 'denied';
  }

  function choose(allowed) {
    datafly.consent({ analytics: allowed });
    renderConsent(false);
  }

  // ---- wiring ----------------------------------------------------------------------------
  document.addEventListener('DOMContentLoaded', () => {
    for (const product of JSON.parse($('#demo-products').textContent)) {
      products[product.product_id] = product;
    }
    // Each card's colour comes from its data-hue: the page's CSP allows no style attributes.
    for (const art of document.querySelectorAll('.art[data-hue]')) {
      art.style.setProperty('--hue', art.dataset.hue);
    }
    logList = $('#activity');
    for (const entry of entries.values()) renderEntry(entry);
    renderCart();
    renderAccount();
    renderConsent(false);

    const dialog = $('#product-dialog');
    const actions = {
      view: (product) => view(product),
      add: (product, button) => {
        addToCart(product);
        if (button.closest('dialog')) dialog.close();
      },
      close: () => dialog.close(),
      checkout,
      logout: logOut,
      'consent-allow': () => choose(true),
      'consent-deny': () => choose(false),
      'consent-open': () => renderConsent(true),
    };
    document.addEventListener('click', (e) => {
      const button = e.target.closest('[data-action]');
      if (!button || !actions[button.dataset.action]) return;
      // Buttons inside the product dialog act on the product it shows.
      const id = button.dataset.productId || dialog.dataset.productId;
      actions[button.dataset.action](products[id], button);
    });
    $('#login-form').addEventListener('submit', (e) => {
      e.preventDefault();
      logIn($('#login-email').value);
      $('#login-email').value = '';
    });
  });
})();
