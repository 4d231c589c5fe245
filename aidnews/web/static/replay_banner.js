// pywb's banner in aidnews serve: "N copies on other sites", from the app's own API (same origin).
(function () {
  var box = document.getElementById('aidnews-banner');
  if (!box) return;
  fetch('/api/replay-info?url=' + encodeURIComponent(box.getAttribute('data-url')), {credentials: 'same-origin'})
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (info) {
      if (!info) return;
      document.getElementById('aidnews-back').href = info.article_page;
      var copies = document.getElementById('aidnews-copies');
      copies.textContent = ' · ' + info.copies_on_other_sites + ' copies on other sites';
      copies.href = info.cluster_id === null ? info.article_page : '/clusters/' + info.cluster_id;
      copies.hidden = false;
      box.setAttribute('data-copies', String(info.copies_on_other_sites));
    });
})();
