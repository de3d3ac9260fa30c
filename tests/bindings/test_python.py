"""Tests of the Python package ntopcore (pytest, /usr/bin/python3).

Environment (set by tests/bindings/meson.build): PYTHONPATH with the built package,
NTC_NTOP_EXPORT, NTC_SAMPLE_PCAP, NTC_PCAPS. Tests marked 'pcaps' read ../shared/pcaps.
"""

import os
import re
import struct
import subprocess
import threading
import time

import pytest

import ntopcore

NTOP_EXPORT = os.environ.get("NTC_NTOP_EXPORT", "ntop-export")
SAMPLE = os.environ.get("NTC_SAMPLE_PCAP", "")
PCAPS = os.environ.get("NTC_PCAPS", "")
T0 = 1700000000  # seconds; T0 % 60 == 20


def export(*args):
    """ntop-export's flows (list of dicts) and its -v summary counters."""
    import json
    p = subprocess.run([NTOP_EXPORT, "-v", *args, "-o", "jsonl:-"], capture_output=True,
                       check=False)
    flows = [json.loads(line) for line in p.stdout.splitlines()]
    return flows, summary(p.stderr.decode()), p.returncode


def summary(text):
    m = re.search(r"packets (\d+) \((\d+) bytes\), IP (\d+), non-IP (\d+), decode errors (\d+)", text)
    n = re.search(r"flows (\d+) \((\d+) still open, (\d+) evicted\), hosts (\d+) \((\d+) in the "
                  r"table, (\d+) of them local\)", text)
    assert m and n, text
    keys = ["packets", "bytes", "ip_packets", "nonip_packets", "decode_errors_total",
            "flows_total", "flows_active", "flows_evicted", "hosts_total", "hosts_active",
            "hosts_local"]
    return dict(zip(keys, map(int, m.groups() + n.groups())))


def same_json(got, expected):
    """Equal records, types included: 960 and 960.0 are == in Python but not the same field
    (json.dumps, pandas dtypes): compare their JSON texts."""
    import json
    return json.dumps(got) == json.dumps(expected)


def counters_before_flush(engine):
    """Run to the end; the counters as ntop-export -v prints them (before its final flush)."""
    engine.run()
    st = engine.stats()
    return st


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_packet(src, dst, sport, dport, payload=b"x"):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + udp


def write_pcap(path, packets, linktype=101):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for ts_us, data in packets:
            f.write(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(data), len(data)))
            f.write(data)


def ticking_packets(n=721):
    """One packet every 10 s for two hours from T0, each its own UDP flow."""
    return [((T0 + 10 * i) * 1000000, udp_packet([10, 0, 0, 1], [10, 0, 0, 2], 10000 + i, 53))
            for i in range(n)]


@pytest.fixture(scope="module")
def ticking_pcap(tmp_path_factory):
    path = tmp_path_factory.mktemp("pcaps") / "ticking.pcap"
    write_pcap(path, ticking_packets())
    return str(path)


# ---- records and counters equal ntop-export's ----

def test_flows_equal_export_on_sample():
    expected, _, rc = export("-r", SAMPLE)
    assert rc == 0
    flows = list(ntopcore.Engine(SAMPLE))
    assert len(flows) == len(expected) > 10
    assert flows == expected  # same records, same order, same field names and values
    assert same_json(flows, expected)  # and the same types (an int stays an int)
    assert all(isinstance(f, ntopcore.Flow) for f in flows)
    f = next(f for f in flows if f.get("L7_PROTO_NAME") == "HTTP")
    assert f.HTTP_HOST == "example.com" and f.PROTOCOL == 6  # attribute access
    with pytest.raises(AttributeError):
        f.NO_SUCH_FIELD


def test_counters_equal_export_on_sample():
    _, expected, _ = export("-r", SAMPLE, "-m", "192.168.1.0/24")
    with ntopcore.Engine(SAMPLE, local_networks="192.168.1.0/24") as e:
        st = counters_before_flush(e)
        for k, v in expected.items():
            assert st[k] == v, k
        assert set(st["decode_errors"]) >= {"truncated-l2", "truncated-ip"}
        hosts = e.hosts()
        assert len(hosts) == st["hosts_active"]
        assert sum(h.IS_LOCAL for h in hosts) == st["hosts_local"]
        assert len(e.active_flows()) == st["flows_active"]
        apps = {a.L7_PROTO_NAME: a for a in e.apps()}
        assert apps["HTTP"].FLOWS == 3 and e.app_name(apps["HTTP"].L7_PROTO) == "HTTP"
        assert any(c.L7_PROTO_CATEGORY == "Web" for c in e.apps(categories=True))
        ended = []
        e.on_flow_end = lambda flow, why: ended.append(why)
        e.flush()
        assert ended == ["flush"] * st["flows_active"]
        assert e.stats()["flows_active"] == 0


def test_config_keywords_filter_and_networks():
    expected, counters, _ = export("-r", SAMPLE, "-m", "192.168.1.0/24", "--set",
                                   "flow.idle_timeout=20", "--set", "dpi.enable=false", "udp")
    e = ntopcore.Engine(SAMPLE, bpf="udp", local_networks=["192.168.1.0/24"], flow_idle_timeout=20,
                        config={"dpi.enable": False})
    flows = list(e)
    assert flows == expected and len(flows) > 3
    assert all(f.PROTOCOL == 17 and "L7_PROTO" not in f for f in flows)
    assert e.stats()["packets"] == counters["packets"]
    # Dotted keys as keyword arguments are accepted too.
    e2 = ntopcore.Engine(SAMPLE, **{"flow.idle_timeout": 20, "capture.filter": "udp",
                                    "dpi.enable": "false", "host.local_networks": "192.168.1.0/24"})
    assert list(e2) == expected


def test_config_errors_name_the_key():
    with pytest.raises(TypeError, match="no_such_option"):
        ntopcore.Engine(no_such_option=1)
    with pytest.raises(ntopcore.Error, match=r"flow\.nope"):
        ntopcore.Engine(config={"flow.nope": 1})
    with pytest.raises(ntopcore.Error, match=r"flow\.idle_timeout"):
        ntopcore.Engine(flow_idle_timeout=-1)
    with pytest.raises(ntopcore.Error, match=r"host\.local_networks"):
        ntopcore.Engine(local_networks="300.1.2.3/8")
    with pytest.raises(ntopcore.Error, match="/nonexistent/trace.pcap"):
        ntopcore.Engine("/nonexistent/trace.pcap")
    with pytest.raises(ntopcore.Error, match="filter"):
        ntopcore.Engine(SAMPLE, bpf="this is not bpf")
    keys = {o["key"]: o for o in ntopcore.config_options()}
    assert keys["flow.idle_timeout"]["default"] == 60 and keys["dpi.enable"]["type"] == "bool"


# ---- callbacks on packet time ----

def test_ticks_and_flow_ends_on_packet_time(ticking_pcap):
    ticks = {}
    reasons = []
    e = ntopcore.Engine(ticking_pcap, dpi_enable=False)
    e.on_tick = lambda tick, now: ticks.__setitem__(tick, ticks.get(tick, 0) + 1)
    e.on_flow_end = lambda flow, why: reasons.append((flow.L4_SRC_PORT, why))
    flows = list(e)
    last = T0 + 10 * 720
    assert ticks == {"second": 720, "minute": last // 60 - T0 // 60,
                     "5minutes": last // 300 - T0 // 300, "hour": last // 3600 - T0 // 3600,
                     "day": 1}
    assert len(flows) == len(reasons) == 721
    assert sorted(f.L4_SRC_PORT for f in flows) == list(range(10000, 10721))
    assert [p for p, _ in reasons] == [f.L4_SRC_PORT for f in flows]  # same order as iteration
    idle = sum(1 for _, why in reasons if why == "idle")
    flushed = sum(1 for _, why in reasons if why == "flush")
    assert idle + flushed == 721 and 1 <= flushed <= 7
    expected, _, _ = export("-r", ticking_pcap, "--set", "dpi.enable=false")
    assert flows == expected


def test_ingest_and_advance():
    seen = []
    e = ntopcore.Engine(on_flow_end=lambda f, why: seen.append((f.L4_DST_PORT, why)))
    for ts, pkt in ticking_packets(10):
        assert e.ingest(pkt, ts, linktype=ntopcore.LINKTYPE_RAW)
    assert e.stats()["packets"] == 10
    e.advance((T0 + 10 * 9 + 3600) * 1000000)  # an hour later: every flow idles out
    assert len(seen) == 10 and all(why == "idle" for _, why in seen)
    assert e.ingest(b"\0" * 20, T0 * 1000000, linktype=9999) is False  # unknown link type, counted


def tcp_syn(src, dst, sport, dport):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, 0x02, 1024, 0, 0)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + tcp


def test_on_alert_port_scan():
    """SYNs to 6 ports of one host, never answered, with alert.port_scan_threshold 5: one
    port_scan alert engaged when the scan window ends, as ntop-export --what alerts reports it."""
    alerts = []
    e = ntopcore.Engine(on_alert=alerts.append, alert_port_scan_threshold=5)
    for i in range(6):
        assert e.ingest(tcp_syn((10, 0, 0, 1), (10, 0, 0, 2), 40000, 1 + i), (T0 + i) * 1000000,
                        linktype=ntopcore.LINKTYPE_RAW)
    # T0 % 60 == 20: the scan window [T0 - 20, T0 + 40) ends, the scan engages and stays engaged
    # through the next window: alerts() lists it, then not once it is released.
    e.advance((T0 + 50) * 1000000)
    engaged = e.alerts()
    assert [(a.ALERT_TYPE, a.STATE, a.ENTITY_ID) for a in engaged] == [
        ("port_scan", "engaged", "10.0.0.1")]
    assert isinstance(engaged[0], ntopcore.Alert)
    e.advance((T0 + 300) * 1000000)
    assert e.alerts() == []
    scans = [a for a in alerts if a.ALERT_TYPE == "port_scan"]
    assert len(scans) >= 1
    a = scans[0]
    assert isinstance(a, ntopcore.Alert)
    assert a.STATE == "engaged" and a.ENTITY == "host" and a.ENTITY_ID == "10.0.0.1"
    assert a.SEVERITY in ("warning", "error") and "10.0.0.1" in a.DESCRIPTION


def test_callback_exception_stops_and_propagates():
    e = ntopcore.Engine(SAMPLE)

    def boom(flow, why):
        if flow.PROTOCOL == 1:
            raise ValueError("no ICMP please")

    e.on_flow_end = boom
    got = []
    with pytest.raises(ValueError, match="no ICMP please"):
        for f in e:
            got.append(f)
    e.on_flow_end = None
    got.extend(e)  # goes on where it stopped
    assert len(got) == len(list(ntopcore.Engine(SAMPLE)))


def test_stop_from_callback_then_resume(ticking_pcap):
    e = ntopcore.Engine(ticking_pcap)
    state = {"n": 0}

    def tick(t, now):
        if t == "minute":
            state["n"] += 1
            if state["n"] == 3:
                e.stop()

    e.on_tick = tick
    first = e.run()
    assert 0 < first < 721
    assert first + e.run() == 721
    assert e.stats()["packets"] == 721


def test_max_packets_like_export_c(ticking_pcap):
    expected, counters, _ = export("-r", ticking_pcap, "-c", "100")
    e = ntopcore.Engine(ticking_pcap, max_packets=100)
    assert list(e) == expected and e.stats()["packets"] == counters["packets"] == 100


def test_many_flows_with_small_table(tmp_path):
    """50000 flows through a table of 1000: every flow comes out once, evictions counted."""
    path = tmp_path / "many.pcap"
    pkts = [(T0 * 1000000 + i, udp_packet([10, (i >> 16) & 255, (i >> 8) & 255, i & 255],
                                           [10, 255, 0, 1], 40000, 53))
            for i in range(50000)]
    write_pcap(path, pkts)
    e = ntopcore.Engine(str(path), flow_max=1000, dpi_enable=False)
    n = 0
    for f in e:
        n += 1
    st = e.stats()
    assert n == 50000 == st["flows_total"] and st["flows_evicted"] == 49000


def test_to_pandas():
    pandas = pytest.importorskip("pandas")
    flows = list(ntopcore.Engine(SAMPLE))
    df = ntopcore.Engine(SAMPLE).to_pandas()
    assert isinstance(df, pandas.DataFrame) and len(df) == len(flows)
    assert {"IN_BYTES", "L7_PROTO_NAME", "IPV4_SRC_ADDR"} <= set(df.columns)
    assert int(df["IN_BYTES"].sum()) == sum(f.IN_BYTES for f in flows)


def test_gil_released_while_the_engine_runs(tmp_path):
    """Another Python thread runs while one call into the engine reads a file."""
    from ntopcore._ntopcore import ffi, lib
    path = tmp_path / "big.pcap"
    pkt = udp_packet([10, 0, 0, 1], [10, 0, 0, 2], 1000, 53, b"x" * 64)
    write_pcap(path, [(T0 * 1000000 + i * 10, pkt) for i in range(200000)])
    e = ntopcore.Engine(str(path), dpi_enable=False)
    ticks = []
    running = threading.Event()
    done = threading.Event()

    def other():
        running.set()
        while not done.is_set():
            ticks.append(time.monotonic())

    t = threading.Thread(target=other)
    t.start()
    running.wait()
    n = ffi.new("uint64_t *")
    try:
        start = time.monotonic()
        lib.ntcpy_run(e._p, 0, 0, n)  # one C call for the whole file
        end = time.monotonic()
    finally:
        done.set()
        t.join()
    assert n[0] == 200000
    inside = sum(1 for x in ticks if start < x < end)
    assert inside > 100, "the other thread ran %d times in %.3f s" % (inside, end - start)


# ---- every reference capture at once ----

def pcap_files():
    if not os.path.isdir(PCAPS):
        return []
    return sorted(os.path.join(PCAPS, n) for n in os.listdir(PCAPS)
                  if n.endswith((".pcap", ".pcapng")))


@pytest.mark.pcaps
def test_pcaps_flows_and_counters_equal_export():
    files = pcap_files()
    if not files:
        pytest.skip("no captures in %s" % PCAPS)
    args = [a for f in files for a in ("-r", f)]
    expected, counters, _ = export(*args)
    got = list(ntopcore.Engine(files))
    assert len(got) == len(expected) > 100
    assert got == expected
    assert same_json(got, expected)
    e = ntopcore.Engine(files)
    e.run()
    st = e.stats()
    for k, v in counters.items():
        assert st[k] == v, k




def test_records_cross_in_marshal_format_exactly():
    """Records reach Python re-encoded in marshal's format; the decoded objects equal what
    json.loads gives for the library's JSON, hostile strings and big numbers included."""
    import json
    from ntopcore import _decode
    e = ntopcore.Engine()
    assert ntopcore._use_marshal is True
    text = ('[{"S":"\\u0001\\u001f \\"q\\" \\\\ \\/ \\ud83d\\ude00 \\udc00 caf\u00e9 \ufffd","N":0,'
            '"BIG":18446744073709551615,"NEG":-2147483649,"F":12.5e-3,"L":[1,[2,{"K":"v"}]],'
            '"E":{},"A":[],"T":true,"X":false,"Z":null,"LONG":"%s"},{"S":""}]' % ("\u00e9" * 300))
    raw = text.encode()
    buf = ntopcore._ffi.from_buffer(raw)
    assert _decode(e._p, buf, len(raw)) == json.loads(raw)
    st = e.stats()
    assert isinstance(st["bps"], float) and st["packets"] == 0


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=b""):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(t), 1, 0, 64, 6, 0, bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + t


def test_hostile_text_in_flows_equals_export(tmp_path):
    """An HTTP exchange whose host, URL, user agent and server carry invalid UTF-8 (stray bytes,
    overlong forms, a surrogate, a code point above U+10FFFF, a cut sequence), quotes,
    backslashes and control characters: the flow Python yields equals json.loads of
    ntop-export's line (records reach Python in marshal form, built without the JSON text)."""
    c, s = [10, 0, 0, 1], [10, 0, 0, 2]
    req = (b"GET /p\xff\xfeath?q=\"x\\y\" HTTP/1.1\r\n"
           b"Host: ex\xffam\"ple\\.c\xc3\xa9m\x01\x7f\xed\xa0\x80\xf4\x90\x80\x80z\r\n"
           b"User-Agent: Agent\xc0\xafbad\xe2\x82\r\n\r\n")
    resp = b"HTTP/1.1 200 OK\r\nServer: s\xff\r\nContent-Type: text/h\xe9tml\r\n\r\n"
    pkts = [tcp_segment(c, s, 40000, 80, 1000, 0, 0x02),
            tcp_segment(s, c, 80, 40000, 5000, 1001, 0x12),
            tcp_segment(c, s, 40000, 80, 1001, 5001, 0x10),
            tcp_segment(c, s, 40000, 80, 1001, 5001, 0x18, req),
            tcp_segment(s, c, 80, 40000, 5001, 1001 + len(req), 0x18, resp)]
    path = tmp_path / "hostile.pcap"
    write_pcap(path, [(T0 * 1000000 + i * 1000, p) for i, p in enumerate(pkts)])
    expected, _, rc = export("-r", str(path))
    assert rc == 0 and len(expected) == 1
    got = list(ntopcore.Engine(str(path)))
    assert got == expected and same_json(got, expected)
    host = got[0].HTTP_HOST
    assert host.startswith("ex\ufffdam\"ple\\.c\u00e9m\x01\x7f\ufffd") and host.endswith("z")


def flows_of(path, **kw):
    return list(ntopcore.Engine(str(path), dpi_enable=False, **kw))


@pytest.fixture(scope="module")
def many_flows_pcap(tmp_path_factory):
    """20000 single-packet UDP flows over 20 s: several batches of the read-ahead."""
    path = tmp_path_factory.mktemp("pcaps") / "many.pcap"
    write_pcap(path, [(T0 * 1000000 + i * 1000, udp_packet([10, 1, (i >> 8) & 255, i & 255],
                                                             [10, 255, 0, 1], 40000, 53))
                      for i in range(20000)])
    return path


def test_break_and_resume_yields_every_flow_once(many_flows_pcap):
    full = flows_of(many_flows_pcap)
    assert len(full) == 20000
    e = ntopcore.Engine(str(many_flows_pcap), dpi_enable=False)
    got = []
    for f in e:
        got.append(f)
        if len(got) == 5000:
            break
    time.sleep(0.2)  # the read-ahead thread has nobody to read for: it rests, nothing is lost
    for f in e:
        got.append(f)
        if len(got) == 12345:
            break
    got.extend(e)
    assert got == full
    assert list(e) == []  # the input has ended


def test_views_during_the_loop_see_a_consistent_engine(many_flows_pcap):
    """stats() and active_flows() inside the loop pause the read-ahead: they never see a table
    being changed, and the packets counted never lag behind the flows yielded."""
    e = ntopcore.Engine(str(many_flows_pcap), dpi_enable=False)
    n = 0
    for f in e:
        n += 1
        if n % 997 == 0:
            st = e.stats()
            assert st["packets"] >= n and st["flows_total"] >= n
            assert len(e.active_flows()) == st["flows_active"]
    assert n == 20000 and e.stats()["packets"] == 20000 == e.packets


def test_stop_from_another_thread_during_iteration(many_flows_pcap):
    e = ntopcore.Engine(str(many_flows_pcap), dpi_enable=False)
    got = []
    timer = threading.Timer(0.05, e.stop)
    it = iter(e)
    got.append(next(it))
    timer.start()
    for f in it:
        got.append(f)
        time.sleep(0.0001)
    timer.join()
    assert len(got) < 20000  # stopped early ...
    got.extend(e)            # ... and goes on where it stopped
    assert got == flows_of(many_flows_pcap)


def test_callback_set_during_the_loop_switches_to_the_callers_thread(many_flows_pcap):
    """Flows already read ahead come out without the callback; every flow after it was set
    goes through it, on the thread that iterates."""
    e = ntopcore.Engine(str(many_flows_pcap), dpi_enable=False)
    seen = []
    main = threading.get_ident()
    got = []
    for f in e:
        got.append(f)
        if len(got) == 100:
            e.on_flow_end = lambda flow, why: seen.append((flow.L4_SRC_PORT, flow.IPV4_SRC_ADDR,
                                                          threading.get_ident()))
    assert got == flows_of(many_flows_pcap)
    assert 0 < len(seen) < 20000
    assert all(t == main for _, _, t in seen)
    assert [(p, a) for p, a, _ in seen] == [(f.L4_SRC_PORT, f.IPV4_SRC_ADDR)
                                            for f in got[-len(seen):]]


def test_source_error_after_the_flows_with_read_ahead(tmp_path, many_flows_pcap):
    """A capture cut in the middle of a record: every flow read before the cut comes out, then
    the error naming the file."""
    data = open(many_flows_pcap, "rb").read()
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[:len(data) // 2 + 7])
    e = ntopcore.Engine(str(path), dpi_enable=False)
    got = []
    with pytest.raises(ntopcore.Error, match="cut.pcap"):
        for f in e:
            got.append(f)
    expected, _, _ = export("-r", str(path), "--set", "dpi.enable=false")
    assert got == expected and len(got) > 5000


def test_exit_during_read_ahead_with_a_log_message(tmp_path):
    """A script that leaves a loop suspended and exits while the read-ahead thread reads on and
    the library logs (a capture cut short): the interpreter exits, it does not hang. (The
    read-ahead thread never calls Python; its log lines wait for the caller's thread.)"""
    path = tmp_path / "cut-late.pcap"
    pkts = [(T0 * 1000000 + i, udp_packet([10, 0, (i >> 8) & 255, i & 255], [10, 0, 0, 2], 1024, 53))
            for i in range(3000)]
    pkts += [((T0 + 200) * 1000000 + 10 * j, udp_packet([10, 9, 9, 9], [10, 0, 0, 2], 7, 9))
             for j in range(300000)]
    write_pcap(path, pkts)
    with open(path, "ab") as f:
        f.write(struct.pack("<IIII", T0 + 300, 0, 60, 60) + b"\0" * 10)  # a record cut short
    script = ("import ntopcore\n"
              "it = iter(ntopcore.Engine(%r))\n"
              "next(it)\n" % str(path))
    for _ in range(3):
        p = subprocess.run(["/usr/bin/python3", "-c", script], timeout=60, capture_output=True,
                           env=dict(os.environ))
        assert p.returncode == 0, p.stderr.decode()[-500:]


def test_views_do_not_wait_for_a_paced_replay(tmp_path):
    """capture.replay_speed=100 replays in real time. The read-ahead thread's steps shrink from
    512 packets (here 5 s of packets) until one takes at most a quarter of its 200 ms slice, so
    the first flow comes out soon after it idles out; and a view asked during the loop cuts the
    step short instead of waiting for it."""
    path = tmp_path / "paced.pcap"
    pkts = [(T0 * 1000000, udp_packet([10, 0, 0, 1], [10, 0, 0, 2], 1111, 53))]
    pkts += [(T0 * 1000000 + 10000 * (i + 1), udp_packet([10, 0, 0, 3], [10, 0, 0, 4], 2222, 53))
             for i in range(1000)]
    write_pcap(path, pkts)
    e = ntopcore.Engine(str(path), capture_replay_speed=100, flow_idle_timeout=1,
                        dpi_enable=False)
    it = iter(e)
    t = time.monotonic()
    first = next(it)  # idles out after 1 s of packet time (checked on the next second's tick)
    waited = time.monotonic() - t
    assert first.L4_SRC_PORT == 1111 and waited < 3.5, waited
    t = time.monotonic()
    n = e.packets
    assert 0 < n < 1001 and time.monotonic() - t < 0.5, (n, time.monotonic() - t)
    e.close()


def test_fork_during_iteration_child_goes_on(many_flows_pcap):
    """os.fork() with a loop suspended: the read-ahead thread is paused before the fork, and the
    child, which has no such thread, starts its own and gets flows (a child reading a file
    the parent has open shares its offset: the parent does not read on here)."""
    e = ntopcore.Engine(str(many_flows_pcap), dpi_enable=False)
    it = iter(e)
    first = next(it)
    assert first.IPV4_SRC_ADDR
    pid = os.fork()
    if pid == 0:
        import signal
        signal.alarm(20)
        try:
            n = sum(1 for _ in it)
            os._exit(0 if n > 0 else 3)
        except BaseException:
            os._exit(4)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    e.close()


def test_close_during_iteration_is_an_error_not_a_crash(ticking_pcap):
    e = ntopcore.Engine(ticking_pcap)
    it = iter(e)
    next(it)
    e.close()
    try:
        rest = list(it)  # what was already decoded may still come out ...
        assert len(rest) < 721
    except ntopcore.Error as err:  # ... but the engine is never touched again
        assert "closed" in str(err)
    with pytest.raises(ntopcore.Error, match="closed"):
        e.stats()
