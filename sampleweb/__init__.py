"""The bundled offline sample web: tibet.cn, 千龙网, an aggregator and a mirror, on loopback.

Tests and ``aidnews demo`` crawl it through an HTTP proxy that answers only
for its own hostnames, so crawls keep the real hostnames and URL paths.
"""
