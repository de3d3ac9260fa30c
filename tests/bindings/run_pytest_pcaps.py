#!/usr/bin/python3
"""Run the pytest tests marked 'pcaps' (on ../shared/pcaps); exit 77 (skip) without the captures.

    run_pytest_pcaps.py TEST_FILE
"""
import os
import sys

import pytest

pcaps = os.environ.get("NTC_PCAPS", "")
if not os.path.isdir(pcaps) or not any(n.endswith((".pcap", ".pcapng")) for n in os.listdir(pcaps)):
    print("SKIP: no captures in %s" % pcaps)
    sys.exit(77)
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-m", "pcaps", sys.argv[1]]))
