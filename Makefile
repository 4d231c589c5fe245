# aidnews: `make demo` and `make test` work on a fresh machine with only Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint bench clean browser replay-env interop fuzz soak

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP) replay-env
	$(BIN)/aidnews demo

# Browser tests use Debian's chromium (and CJK fonts for readable screenshots); as root, install them.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; \
	  else echo "note: chromium is missing; browser tests will be skipped (apt-get install chromium)"; fi; }

# Replay runs pywb (GPLv3, its own pins) in a second environment, never beside Scrapy.
.venv-replay/bin/wayback:
	$(PYTHON) -m venv .venv-replay
	.venv-replay/bin/pip install --quiet --upgrade pip
	.venv-replay/bin/pip install --quiet 'pywb==2.10.*' 'wacz>=0.5' 'uwsgi>=2.0'

replay-env: .venv-replay/bin/wayback

# Interop tests: ReplayWeb.page's prebuilt ui.js/sw.js (npm pack: the bundles need none of its dependencies).
# FastWARC comes with the test extras.
REPLAYWEB := .venv-replay/node/package/sw.js
$(REPLAYWEB): .venv-replay/bin/wayback $(STAMP)
	mkdir -p .venv-replay/node
	cd .venv-replay/node && npm pack --silent replaywebpage@2.5.3 >/dev/null && tar xzf replaywebpage-2.5.3.tgz

interop: $(REPLAYWEB)

test: $(STAMP) browser replay-env interop
	$(BIN)/ruff check aidnews archive crawler dedupe sampleweb tests bench
	$(BIN)/mypy --strict aidnews archive crawler dedupe sampleweb
	$(BIN)/python -m pytest -q

# The long reliability runs behind docs/reliability.md (about 25 minutes); `make test` runs a small
# sample of each. fuzz: 10,000 generated cases per reader of outside data.
fuzz: $(STAMP)
	AIDNEWS_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest -q --timeout 3600 tests/test_fuzz_inputs.py

# soak: the fuzz run, 20 SIGKILLs of a crawl of the sample web at scale 6, and every fault test.
soak: $(STAMP) browser fuzz
	AIDNEWS_SOAK_KILLS=20 AIDNEWS_SOAK_SCALE=6 $(BIN)/python -m pytest -q -s --timeout 3600 tests/test_crawler_resume.py -k killed
	$(BIN)/python -m pytest -q tests/test_crawler_faults.py tests/test_disk_faults.py tests/test_catalog_outages.py \
	  tests/test_crawler_safety.py tests/test_secrets.py tests/test_fuzz_inputs.py

lint: $(STAMP)
	$(BIN)/ruff check aidnews archive crawler dedupe sampleweb tests bench
	$(BIN)/mypy --strict aidnews archive crawler dedupe sampleweb

# Every benchmark writes its table into docs/benchmarks.md (the whole set takes about 20 minutes, plus about 30 for
# bench/fulltext.py at 100,000 articles; `python bench/fulltext.py` alone runs its default 1,000,000, for hours).
bench: $(STAMP) browser replay-env
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/fingerprint.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/fulltext.py --articles 100000
	$(BIN)/python bench/whole_pass.py
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/report_page.py
	$(BIN)/python bench/replay.py

clean:
	rm -rf $(VENV) .venv-replay data .pytest_cache
