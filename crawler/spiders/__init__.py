"""Spiders: ``tibet_cn`` for the real site's structure, ``configured`` for aggregators and mirrors."""
