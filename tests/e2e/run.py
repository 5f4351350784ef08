#!/usr/bin/env python3
"""Runs one e2e test file for ctest: python3 run.py test_cli.py [TestClass ...]
(see harness.run_file); with classes, only theirs."""
import sys

import harness

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: run.py TEST_FILE [TEST_CLASS ...]")
    sys.exit(harness.run_file(sys.argv[1], sys.argv[2:]))
