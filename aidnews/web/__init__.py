"""``aidnews serve``: one read-only web app over the archive (pages, JSON API, Atom feeds, replay).

One job per module: :mod:`~aidnews.web.app` wires the routes, :mod:`~aidnews.web.pages` renders the
HTML pages, :mod:`~aidnews.web.api` the JSON API and :mod:`~aidnews.web.openapi` its document,
:mod:`~aidnews.web.feeds` the Atom feeds, :mod:`~aidnews.web.replay_proxy` forwards ``/replay/`` to
pywb, :mod:`~aidnews.web.security` holds the headers, the token and the read-only rule, and
:mod:`~aidnews.web.server` runs uvicorn and pywb and stops both. Every catalog read goes through
:class:`archive.catalog.app_reads.AppReads`: no SQL here.
"""
