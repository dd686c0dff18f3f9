#!/usr/bin/env python3
"""Runs one end-to-end test (module.Class.test) for ctest; 77 (skipped) without root."""
import os
import sys
import unittest

if os.geteuid() != 0:
    print("skipped: end-to-end tests need root")
    sys.exit(77)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
suite = unittest.defaultTestLoader.loadTestsFromName(sys.argv[1])
result = unittest.TextTestRunner(verbosity=2).run(suite)
if result.wasSuccessful() and result.testsRun and len(result.skipped) == result.testsRun:
    for _, reason in result.skipped:
        print("skipped:", reason)
    sys.exit(77)  # ctest's SKIP_RETURN_CODE: a stated reason, not a pass
sys.exit(0 if result.wasSuccessful() else 1)
