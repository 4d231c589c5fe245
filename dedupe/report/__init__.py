"""The dedupe report: who published first, who copied whom, when and how faithfully.

``build_report`` reads the catalog into a plain dict (the JSON schema of
docs/report.md); the writers turn it into JSON, CSV or one self-contained
HTML file.
"""

from dedupe.report.model import ReportOptions, build_report, clusters_by_id, site_summary
from dedupe.report.writers import write_csv, write_html, write_json

__all__ = ["ReportOptions", "build_report", "clusters_by_id", "site_summary", "write_csv", "write_html", "write_json"]
