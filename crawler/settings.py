"""Crawl defaults. Every group has an ``*_ENABLED`` switch; see docs/usage.md for each setting.

Every setting the project adds has a group prefix; ``AIDNEWS_*`` environment variables are read by
:mod:`crawler.environment` only.
"""

from pathlib import Path

from archive.catalog import store as _store
from crawler import environment as _environment

_env = _environment.Environment.read()

BOT_NAME = "aidnews"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Where things go: the data folder holds warcs/ and catalog.sqlite.
AIDNEWS_DATA = _env.data or "data"
AIDNEWS_SOURCES_DIR = str(Path(__file__).resolve().parent.parent / "seeds")

# Politeness
USER_AGENT = "aidnews/0.1 (+https://github.com/aidnews/aidnews; archiving aid news for research)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
DOWNLOAD_FAIL_ON_DATALOSS = False  # keep a body cut short (archived with WARC-Truncated), count it
SAFETY_ALLOW_PRIVATE_ADDRESSES = False  # crawler.safety: refuse private/loopback addresses (True for intranet sources)
RETRY_TIMES = 1
DEPTH_LIMIT = 0  # list pages -> articles; each source caps its list hops (politeness.depth)
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

# Offline crawls: route every request through the sample web (aidnews crawl --sample-web URL).
AIDNEWS_SAMPLE_WEB_URL = _env.sample_web

# Incremental crawls (crawler.history): skip known articles, recheck list pages with conditional requests
INCREMENTAL_ENABLED = True
INCREMENTAL_REVISIT_ARTICLES_DAYS = -1  # >= 0 overrides every source's [source.revisit] articles_days
INCREMENTAL_CONDITIONAL_REQUESTS = True  # If-None-Match / If-Modified-Since on refetches (off for servers that mishandle them)

# Rechecks of known articles (crawler.recheck; each source's [source.recheck] ladder) and the versions
# pass (crawler.versions) that turns what they archived into versions and change events
RECHECK_MODE = "due"  # due: what the ladder says; all: every known article now; none (aidnews crawl --recheck)
RECHECK_PRIORITY = -10  # below new list pages and articles (0): when time or the cap runs out, rechecks wait
VERSIONS_ENABLED = True  # run the versions pass when the spider closes (off for distributed workers)

# WARC archiving (crawler.extensions.warc)
WARC_ENABLED = True
WARC_DIR = ""  # default: <AIDNEWS_DATA>/warcs
WARC_PREFIX = "aidnews"
WARC_MAX_SIZE = 1_000_000_000
WARC_MAX_BODY = 0  # 0 = record any body DOWNLOAD_MAXSIZE lets through
WARC_HOSTNAME = ""
WARC_OPERATOR = ""  # warcinfo operator: who ran the crawl (name, contact)
WARC_IS_PART_OF = ""  # warcinfo isPartOf: the collection (default: WARC_PREFIX)

# Catalog (crawler.pipelines)
CATALOG_ENABLED = True
CATALOG_URL = ""  # default: $AIDNEWS_CATALOG_URL, else sqlite:///<AIDNEWS_DATA>/catalog.sqlite (crawler.locations)
CATALOG_BATCH_SIZE = 200
CATALOG_FLUSH_INTERVAL = 2.0  # seconds; a partial batch is written at least this often
# A locked or unreachable catalog: retries per write, waiting 0.5 s, 1 s, 2 s ... between; past the last
# retry the crawl stops cleanly. The library's defaults (archive.catalog.store), not a copy.
CATALOG_RETRIES = _store.RETRIES
CATALOG_RETRY_BACKOFF = _store.BACKOFF

# Progress lines on stderr (crawler.extensions.progress)
PROGRESS_ENABLED = True
PROGRESS_INTERVAL = 5.0

# Resume (crawler.extensions.reconcile): before crawling, finish WARC files a killed crawl left open
# and catalog their records and articles. Off for the workers of a distributed crawl (the coordinator
# reconciles once they are done).
RECONCILE_ENABLED = True

EXTENSIONS = {
    "crawler.extensions.reconcile.ReconcileExtension": 50,
    "crawler.extensions.warc.WarcExtension": 100,
    "crawler.extensions.progress.ProgressExtension": 200,
}
ITEM_PIPELINES = {"crawler.pipelines.CatalogPipeline": 300}
DOWNLOADER_MIDDLEWARES = {
    "crawler.safety.SafeDestinationMiddleware": 20,  # before robots.txt, the proxy and the network
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.ConcurrentSafeRobotsTxtMiddleware": 100,
    "crawler.frontier.FrontierAckMiddleware": 50,  # distributed crawls only (NotConfigured otherwise)
    # Known pages: conditional requests, a 304 answered from the archive. Above 590 (HttpCompression)
    # and 600 (Redirect): it sees bodies as received, as the WARC extension digests them.
    "crawler.incremental.IncrementalMiddleware": 650,
    "crawler.middlewares.SampleWebProxyMiddleware": 700,
}

# Distributed crawls only (NotConfigured otherwise): acknowledge requests in the Redis frontier.
SPIDER_MIDDLEWARES = {"crawler.frontier.FrontierAckSpiderMiddleware": 10}

FEED_EXPORT_ENCODING = "utf-8"
