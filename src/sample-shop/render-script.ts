/**
 * The inline script of a rendered page: fetches the page's JSON and builds the same header, content and footer
 * a static page has. Plain DOM only (createElement, setAttribute, textContent, appendChild, querySelector) so
 * a minimal DOM such as linkedom runs it as well as a browser; no modules, no layout, no libraries.
 */

/** The whole page is appended to #app at once, so `.site-footer` present means the page is complete. */
export const renderScript = `(function () {
  var app = document.querySelector('#app');
  var path = app.getAttribute('data-path');
  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    if (attrs) for (var name in attrs) if (attrs[name] != null) el.setAttribute(name, attrs[name]);
    if (kids) for (var i = 0; i < kids.length; i++) {
      var kid = kids[i];
      if (kid == null) continue;
      if (typeof kid === 'string') kid = document.createTextNode(kid);
      el.appendChild(kid);
    }
    return el;
  }
  function a(href, label, attrs) {
    var el = h('a', attrs);
    el.setAttribute('href', href);
    el.textContent = label;
    return el;
  }
  function t(tag, text, attrs) {
    var el = h(tag, attrs);
    el.textContent = text;
    return el;
  }
  function list(items, make) {
    var out = [];
    for (var i = 0; i < items.length; i++) out.push(make(items[i], i));
    return out;
  }
  function card(c) {
    return h('li', { class: 'product-card' }, [
      h('a', { class: 'thumb', href: c[0], 'aria-hidden': 'true', tabindex: '-1' }, [t('span', String(c[1]), { class: 'img' })]),
      a(c[0], c[2], { class: 'name' }), ' ', t('span', c[3], { class: 'card-price' })
    ]);
  }
  function header(d) {
    return h('header', { class: 'site-header' }, [
      h('div', { class: 'top-bar' }, [
        a('/about/', 'About'), ' ', a('/contact/', 'Contact'), ' ', a('/shipping/', 'Free shipping over $50'),
        h('span', { class: 'account' }, [
          a('/private/account/', 'My account', { rel: 'nofollow' }), ' ', a('/private/cart/', 'Cart (0)', { rel: 'nofollow' })
        ])
      ]),
      a('/', 'Arachne Sample Shop', { class: 'logo' }),
      h('form', { class: 'search', action: '/search', method: 'get' }, [
        h('input', { type: 'search', name: 'q', placeholder: 'Search products' }),
        t('button', 'Search', { type: 'submit' })
      ]),
      h('nav', { class: 'categories', 'aria-label': 'Categories' }, [h('ul', null, list(d.nav, function (n) {
        var current = n[0] === d.active;
        return h('li', null, [a(n[0], n[1], current ? { 'aria-current': 'page', class: 'active' } : null)]);
      }))])
    ]);
  }
  function footer(d) {
    function links(items) { return h('ul', null, list(items, function (n) { return h('li', null, [a(n[0], n[1])]); })); }
    return h('footer', { class: 'site-footer' }, [
      h('section', null, [t('h2', 'Customer service'), links(d.info)]),
      h('section', null, [t('h2', 'Shop'), links(d.nav)]),
      h('section', null, [t('h2', 'Follow us'), links([
        ['https://social.example/arachne-shop', 'Social'], ['https://news.example/arachne-shop', 'Newsletter'],
        ['mailto:help@shop.example', 'help@shop.example']
      ])]),
      t('p', '\\u00a9 2024 Arachne Sample Shop. All prices in USD.', { class: 'copyright' })
    ]);
  }
  function paragraphs(texts) { return list(texts, function (p) { return t('p', p); }); }
  var mains = {
    home: function (d) {
      return [
        h('section', { class: 'hero' }, [t('h1', 'Welcome to the Arachne Sample Shop'), t('p', d.intro)]),
        h('section', { class: 'categories' }, [t('h2', 'Shop by category'), h('ul', null, list(d.tiles, function (c) {
          return h('li', { class: 'category-tile' }, [a(c[0], c[1]), ' ', t('span', c[2] + ' products', { class: 'count' })]);
        }))]),
        h('section', { class: 'featured' }, [t('h2', 'Featured products'), h('ul', { class: 'product-grid' }, list(d.featured, card))])
      ];
    },
    category: function (d) {
      var pager = null;
      if (d.pager.length) {
        var entries = [];
        for (var i = 0; i < d.pager.length; i++) {
          var e = d.pager[i];
          if (i) entries.push(' ');
          entries.push(e.href == null ? t('span', e.label, { class: 'current' }) : a(e.href, e.label, e.rel ? { class: e.rel, rel: e.rel } : null));
        }
        pager = h('nav', { class: 'pagination', 'aria-label': 'Pages' }, entries);
      }
      return [
        h('nav', { class: 'breadcrumb' }, [a('/', 'Home'), ' \\u203a ', t('span', d.name)]),
        t('h1', d.name, { class: 'category-title' }),
        t('p', 'Showing ' + d.from + '\\u2013' + d.to + ' of ' + d.total + ' products', { class: 'result-count' }),
        h('ul', { class: 'product-grid' }, list(d.cards, card)),
        pager
      ];
    },
    product: function (d) {
      var stars = '';
      for (var i = 0; i < Math.round(d.rating); i++) stars += '\\u2605';
      var specs = h('table', { class: 'specs' }, [t('caption', 'Specifications'), h('tbody', null, list(d.specs, function (r) {
        return h('tr', null, [t('th', r[0], { scope: 'row' }), t('td', r[1])]);
      }))]);
      return [
        d.category ? h('nav', { class: 'breadcrumb' }, [a('/', 'Home'), ' \\u203a ', a(d.category[0], d.category[1]), ' \\u203a ', t('span', d.title)]) : null,
        h('article', { class: 'product', 'data-product-id': String(d.id) }, [
          t('h1', d.title, { class: 'product-title' }),
          h('div', { class: 'product-meta' }, [
            t('span', d.brand, { class: 'brand' }), t('span', d.sku, { class: 'sku' }),
            t('span', stars, { class: 'rating', title: d.rating + ' out of 5' }), a('#reviews', 'Read reviews')
          ]),
          h('div', { class: 'buy-box' }, [
            t('span', d.price, { class: 'price' }),
            d.oldPrice ? h('span', { class: 'price-old' }, [t('s', d.oldPrice)]) : null,
            t('span', d.inStock ? 'In stock' : 'Back soon', { class: 'availability' }),
            h('form', { class: 'add-to-cart', action: '/private/cart/', method: 'post' }, [
              h('input', { type: 'hidden', name: 'sku', value: d.sku }), t('button', 'Add to cart', { type: 'submit' })
            ]),
            a('/private/compare?id=' + d.id, 'Compare', { class: 'compare', rel: 'nofollow' })
          ]),
          h('section', { class: 'description' }, [t('h2', 'Description')].concat(paragraphs(d.paragraphs))),
          specs
        ]),
        h('section', { class: 'related' }, [t('h2', 'You may also like'), h('ul', null, list(d.related, function (r) {
          return h('li', { class: 'related-item' }, [a(r[0], r[1]), ' ', t('span', r[2], { class: 'related-price' })]);
        }))]),
        h('section', { id: 'reviews', class: 'reviews' }, [t('h2', 'Customer reviews')])
      ];
    },
    info: function (d) { return [t('h1', d.title)].concat(paragraphs(d.paragraphs)); }
  };
  fetch('/api/page' + path).then(function (r) { return r.json(); }).then(function (d) {
    var page = h('div', { class: 'page' }, [header(d), h('main', { id: 'content' }, mains[d.type](d)), footer(d)]);
    app.appendChild(page);
  });
})();`;

/** The body of a rendered page: an empty container and the script that fills it. */
export function skeletonBody(path: string): string {
  return `<body>
<div id="app" data-path="${path}"></div>
<script>${renderScript}</script>
</body>
</html>
`;
}
