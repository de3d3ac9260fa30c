#!/bin/bash
# ntop-top on the screen, driven in tmux (120x40): the sample capture replayed as fast as possible,
# then its final state: the flows with their applications, a view switch, a sort, a filter, the
# detail pane, help, quit (exit 0, terminal restored). Exit 0 pass, 1 fail, 77 skip (no tmux).
#   tmux_test.sh NTOP_TOP SAMPLE_PCAP
set -u
top=${1:?}; pcap=${2:?}
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux not installed"; exit 77; }
sock=ntc-top-$$
work=$(mktemp -d "${TMPDIR:-/tmp}/ntc-top-XXXXXX") || exit 1
T() { tmux -L "$sock" "$@"; }
cleanup() { T kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*"; echo "--- screen:"; screen; failed=1; }
screen() { T capture-pane -p -t top; }
# wait until the screen matches a regex (up to 5 s)
wait_for() {
    local i
    for i in $(seq 50); do screen | grep -Eq -- "$1" && return 0; sleep 0.1; done
    return 1
}
keys() { T send-keys -t top "$@"; sleep 0.3; }

T -f /dev/null new-session -d -s top -x 120 -y 40 \
    "NO_COLOR=1 '$top' -r '$pcap' -m 192.168.1.0/24 --set flow.idle_timeout=3600 --set flow.closed_idle_timeout=3600; echo \"EXIT=\$?\" > '$work/rc'; sleep 60" ||
    { echo "FAIL: tmux new-session"; exit 1; }

wait_for 'end of input' || fail "the replay did not reach its end"
s=$(screen)
echo "$s" | grep -q '^ntop-top  replay sample.pcap' || fail "header"
echo "$s" | grep -q 'packets 82 ' || fail "packet count in the header"
echo "$s" | grep -q 'flows 12 (total 12)' || fail "flow count in the header"
for re in 'TLS\.ntop +TCP +192\.168\.1\.20:[0-9]+ +www\.ntop\.org:443' \
          'HTTP +TCP +192\.168\.1\.10:[0-9]+ +example\.com:80' \
          'ICMP +ICMP +192\.168\.1\.30 +8\.8\.8\.8' \
          'NTP +UDP +192\.168\.1\.10:123' \
          'DNS\.Google +UDP' 'DNS\.ntop +UDP .*www\.ntop\.org'; do
    echo "$s" | grep -Eq -- "$re" || fail "flow row /$re/"
done
# No line wider than the terminal.
[ "$(echo "$s" | awk '{ if (length($0) > 120) n++ } END { print n+0 }')" = 0 ] || fail "a line wraps"

# Sort: default by throughput; '<' moves to Duration (previous column... Thpt -> C<>S -> Duration):
# sort by Bytes with '>' then ascending with 'r': the smallest flow comes first.
keys '>'
wait_for 'sort: Bytes \(desc\)' || fail "sort by Bytes"
first=$(screen | sed -n 6p)
echo "$first" | grep -q 'TLS.ntop' || fail "largest flow (TLS, 4 KB) first when sorted by bytes: $first"
keys r
wait_for 'sort: Bytes \(asc\)' || fail "reverse sort"
first=$(screen | sed -n 6p)
echo "$first" | grep -q 'DNS.Google' || fail "smallest flow (DNS, 130 B) first in ascending order: $first"

# Filter: only the HTTP flows.
keys / h t t p Enter
wait_for '3 of 12 shown' || fail "filter http: 3 of 12"
rows=$(screen | sed -n '6,30p' | grep -c ' TCP ')
[ "$rows" = 3 ] || fail "filter http: $rows TCP rows instead of 3"
screen | sed -n '6,30p' | grep -E ' (UDP|ICMP) ' && fail "filter http: other flows shown"
keys Escape
wait_for '12 of 12 shown' || fail "Esc clears the filter"

# Detail pane of the TLS flow: its SNI and JA3; then of an HTTP flow: its URL.
keys r
wait_for 'sort: Bytes \(desc\)' || fail "reverse again"
keys / n t o p . o r g Enter
keys Home
keys Enter
wait_for 'TLS_SERVER_NAME: www\.ntop\.org' || fail "detail: TLS_SERVER_NAME"
screen | grep -q 'Client->Server 8 pkts' || fail "detail: packets each way"
screen | grep -q 'TCP state CLOSED' || fail "detail: TCP state"
keys Escape
keys Escape
keys / G E T Enter
keys Home
keys Enter
wait_for 'HTTP_URL: example\.com/' || fail "detail: HTTP_URL"
screen | grep -q 'HTTP_METHOD: GET' || fail "detail: HTTP_METHOD"
keys Enter
keys Escape

# Views: hosts, then applications.
keys h
wait_for '\*\[h\]osts\*' || fail "hosts view"
screen | grep -Eq '^www\.ntop\.org +R ' || fail "hosts view: www.ntop.org (named) remote"
screen | grep -Eq '^192\.168\.1\.20 +L ' || fail "hosts view: 192.168.1.20 local"
keys n
wait_for '^167\.99\.215\.164 +R ' || fail "n: addresses instead of names"
keys a
wait_for '\*\[a\]pplications\*' || fail "applications view"
screen | grep -Eq '^HTTP +Web +Acceptable +3 ' || fail "applications: HTTP Web Acceptable 3 flows"
screen | grep -Eq '^ICMP .* 672 B +[0-9.]+%' || fail "applications: ICMP 672 B with a percentage"

# Help, then quit: exit 0 and the normal screen back.
keys '?'
wait_for 'ntop-top keys' || fail "help"
keys Escape
keys q
for i in $(seq 50); do [ -s "$work/rc" ] && break; sleep 0.1; done
[ "$(cat "$work/rc" 2>/dev/null)" = "EXIT=0" ] || fail "quit: $(cat "$work/rc" 2>/dev/null)"
screen | grep -q 'ntop-top  replay' && fail "the terminal was not restored"

# 80x24: sane, nothing wraps.
T kill-session -t top
T -f /dev/null new-session -d -s top -x 80 -y 24 "'$top' -r '$pcap'; sleep 60"
wait_for 'end of input' || fail "80x24: no screen"
[ "$(screen | awk '{ if (length($0) > 80) n++ } END { print n+0 }')" = 0 ] || fail "80x24: a line wraps"
screen | grep -q 'NTP' || fail "80x24: flows shown"
keys Enter
screen | grep -q -- '- detail' || fail "80x24: detail pane"
keys q

[ $failed -eq 0 ] && echo PASS
exit $failed
