"""The ``aidnews`` command line: a thin layer over library calls.

User errors print one line (``aidnews: error: ...``) and exit non-zero. Each command is a module
of :mod:`aidnews.commands`; this module builds the parser and maps errors to exit statuses.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from aidnews import __version__
from aidnews.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, UserError
from aidnews.logs import LEVELS, configure

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from aidnews.commands import add_all

    parser = argparse.ArgumentParser(prog="aidnews", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--version", action="version", version=f"aidnews {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more (INFO) on stderr")
    parser.add_argument("--log-level", type=str.upper, choices=LEVELS, metavar="LEVEL",
                        help="what the log stream on stderr shows: DEBUG, INFO, WARNING (default), ERROR")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_all(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure(args.log_level or ("INFO" if args.verbose else "WARNING"))
    from archive import redact

    redact.install()  # no catalog or Redis password in any log line
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except BrokenPipeError:
        # The reader went away (`aidnews extract big.html | head`): not an error. Point stdout at
        # /dev/null so the interpreter's last flush does not complain either.
        _silence_stdout()
        return 0
    except UserError as exc:
        print(f"aidnews: error: {redact.redact_url(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # errors of our packages are user-facing; anything else is a bug
        from archive.errors import ArchiveError
        from crawler.errors import SourceError
        from dedupe.errors import DedupeError

        if isinstance(exc, ArchiveError | DedupeError | SourceError):
            print(f"aidnews: error: {redact.redact_url(str(exc))}", file=sys.stderr)
            return EXIT_FAILED
        import traceback

        print(redact.redact_url(traceback.format_exc()), file=sys.stderr, end="")  # a bug: show where
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("aidnews: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test's StringIO): nothing will flush
        pass


if __name__ == "__main__":
    sys.exit(main())
