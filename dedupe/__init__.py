"""Text extraction, Chinese-aware normalisation, simhash fingerprints, index and clusters.

Never imports scrapy: it reads text, HTML bytes or the catalog (through ``archive``).
"""
