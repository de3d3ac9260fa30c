#!/usr/bin/python3
"""Every option that `TOOL --help` lists must be documented in the tool's man page source, and
every option the man page documents must be in --help (they are kept in step by hand)."""
import re
import subprocess
import sys

tool, scd = sys.argv[1], sys.argv[2]
help_text = subprocess.run([tool, '--help'], capture_output=True, text=True, check=True).stdout
usage = help_text.split('Configuration keys')[0]
opts_help = set(re.findall(r'(?<![\w-])(--[a-z][a-z-]+|-[a-zA-Z])\b', usage))
man = open(scd, encoding='utf-8').read()
opts_man = set(re.findall(r'\*(--[a-z][a-z-]+|-[a-zA-Z])\*', man))
missing_in_man = sorted(opts_help - opts_man)
missing_in_help = sorted(opts_man - opts_help)
if missing_in_man or missing_in_help:
    print('man page and --help disagree:')
    print('  in --help, not in the man page:', missing_in_man)
    print('  in the man page, not in --help:', missing_in_help)
    sys.exit(1)
print('%d options documented in both --help and %s' % (len(opts_help), scd))
