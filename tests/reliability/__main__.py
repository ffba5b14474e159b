"""`make reliability`: every scenario of the suite, the load at full length, then the table.

    python -m tests.reliability            # 3 min of load, 25 random requests per RPC
    python -m tests.reliability --quick    # the CI lengths: 20 s of load, 3 per RPC

The scenarios are the pytest tests of this package; the length of the load and the number
of examples reach them as QUANTIS_RELIABILITY_* variables, and the table of figures is
pytest's closing summary (tests/reliability/conftest.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="the CI lengths: 20 s of load, 3 examples per RPC"
    )
    parser.add_argument("--seconds", type=float, help="length of the steady load (default 180, quick 20)")
    parser.add_argument("--examples", type=int, help="random requests per RPC (default 25, quick 3)")
    args = parser.parse_args(argv)
    seconds = args.seconds or (20 if args.quick else 180)
    examples = args.examples or (3 if args.quick else 25)
    os.environ["QUANTIS_RELIABILITY_SECONDS"] = str(seconds)
    os.environ["QUANTIS_RELIABILITY_EXAMPLES"] = str(examples)
    here = Path(__file__).parent
    return int(pytest.main([str(here), "-p", "no:cacheprovider", "-q", f"--timeout={int(seconds) + 600}"]))


if __name__ == "__main__":
    sys.exit(main())
