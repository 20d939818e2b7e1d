"""python -m app.content check|report [ROOT]: the content tools, without starting the app."""

from __future__ import annotations

import sys
from pathlib import Path

from app.config import ROOT
from app.content.report import check, coverage_table


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("check", "report"):
        print("usage: python -m app.content check|report [BUNDLES_FOLDER]", file=sys.stderr)
        return 2
    root = Path(argv[1]) if len(argv) > 1 else ROOT / "app" / "content" / "bundles"
    problems = check(root)
    if argv[0] == "check" or problems:
        for line in problems:
            print(line)
        print("All bundles are sound." if not problems else f"{len(problems)} problem(s).")
        return 1 if problems else 0
    print(coverage_table(root))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
