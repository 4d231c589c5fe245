"""Only for the optional C extension; everything else is in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and
dedupe.fingerprint falls back to its numpy path (same values, slower).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("dedupe._simhash", ["dedupe/_simhash.c"], optional=True,
                             extra_compile_args=["-O3"])])
