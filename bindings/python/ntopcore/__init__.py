"""ntopcore: network flows, hosts and applications from packets (libntopcore).

    import ntopcore
    for flow in ntopcore.Engine(source="trace.pcap", local_networks="192.168.1.0/24"):
        print(flow.IPV4_SRC_ADDR, flow.L7_PROTO_NAME, flow.IN_BYTES + flow.OUT_BYTES)

Flows are dicts (with attribute access) whose keys are exactly the fields of
``ntop-export -o jsonl:-``: they are made from the library's own records and field registry (the
source of its JSON), so a field the library adds appears here by itself. The engine runs in C
with the GIL released, on a read-ahead thread while a plain loop takes the flows; Python code
runs between batches of flows and in the callbacks.
"""

import json
import logging
import marshal
import os
import weakref

from ntopcore._ntopcore import ffi, lib

__all__ = ["Engine", "Flow", "Host", "Alert", "Record", "Error", "version", "config_options"]

# For the tests and the curious: the cffi module of this package.
_ffi = ffi

_log = logging.getLogger("ntopcore")

#: Link types for Engine.ingest() (the LINKTYPE_ values of pcap files).
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229

_TICKS = {1: "second", 2: "minute", 3: "5minutes", 4: "hour", 5: "day"}
_LOG_LEVELS = {0: logging.ERROR, 1: logging.WARNING, 2: logging.INFO, 3: logging.DEBUG}
# Ended flows handed over per batch while iterating, and wall time per slice of a run (so that
# Ctrl-C and stop() are seen promptly on live interfaces).
_BATCH = 2048
_SLICE_MS = 200


class Error(Exception):
    """An error from libntopcore, with its message (which names the key, file or source)."""


class Record(dict):
    """A record: a dict whose keys can also be read as attributes (record.IN_BYTES)."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self):
        return list(self.keys()) + dir(dict)


class Flow(Record):
    """A flow record: IPV4_SRC_ADDR/IPV6_SRC_ADDR, L4_SRC_PORT, ..., L7_PROTO_NAME, metadata."""

    __slots__ = ()


class Host(Record):
    """A host record: IP_ADDR, IS_LOCAL, BYTES_SENT, ..., APPS for local hosts."""

    __slots__ = ()


class Alert(Record):
    """An alert: ALERT_ID, ALERT_TYPE, SEVERITY, ENTITY, ENTITY_ID, STATE, ALERT_TIME,
    DESCRIPTION, DETAILS (as ntop-export --what alerts writes them)."""

    __slots__ = ()


def version():
    """The library's version string."""
    return ffi.string(lib.ntc_version_string()).decode()


def config_options():
    """The library's configuration keys: a list of dicts (key, type, default, min, max, unit, doc)."""
    types = {lib.NTC_CONFIG_INT: "int", lib.NTC_CONFIG_BOOL: "bool", lib.NTC_CONFIG_STRING: "string"}
    out = []
    for i in range(lib.ntc_config_option_count()):
        o = lib.ntc_config_option_at(i)
        t = types.get(o.type, "?")
        if t == "string":
            default = ffi.string(o.def_string).decode()
        elif t == "bool":
            default = bool(o.def_int)
        else:
            default = o.def_int
        d = {"key": ffi.string(o.key).decode(), "type": t, "default": default,
             "unit": ffi.string(o.unit).decode(), "doc": ffi.string(o.doc).decode()}
        if t == "int":
            d["min"], d["max"] = o.min, o.max
        out.append(d)
    return out


# Keyword arguments for configuration keys: "flow.idle_timeout" is also flow_idle_timeout=...
_KWARG_KEYS = {o["key"].replace(".", "_"): o["key"] for o in config_options()}


def _text(ptr):
    return ffi.string(ptr).decode("utf-8", "replace") if ptr != ffi.NULL else ""


# Records cross from C in marshal's format when that decodes to exactly what json.loads() gives
# for the library's JSON (checked once, on the first engine): marshal.loads builds the same dicts
# several times faster. Flows being iterated are encoded straight from the library's records;
# other records (callbacks, views) are the library's JSON re-encoded. Without marshal, json.loads
# reads the JSON.
_SELF_TEST = (b'[{"A":1,"B":"x","C":-2,"D":4294967296,"E":18446744073709551615,"F":0.5,'
              b'"G":"\\u00e9\\ud83d\\ude00 \\"q\\" \\\\ \\n","H":"caf\xc3\xa9","I":[{"A":2}],'
              b'"J":true,"K":false,"L":null,"M":{},"N":[],"O":1e-07,"P":2147483648,'
              b'"Q":-9223372036854775807,"R":"%s"},{"A":3,"B":"y"}]' % (b"z" * 300))
_use_marshal = None


def _check_marshal(p):
    global _use_marshal
    n = ffi.new("size_t *")
    m = lib.ntcpy_to_marshal(p, _SELF_TEST, len(_SELF_TEST), n)
    try:
        _use_marshal = m != ffi.NULL and marshal.loads(ffi.buffer(m, n[0])) == json.loads(_SELF_TEST)
    except Exception:  # a marshal format this helper does not write
        _use_marshal = False


def _decode(p, ptr, length):
    """The JSON text at ptr as Python objects."""
    if _use_marshal:
        n = ffi.new("size_t *")
        m = lib.ntcpy_to_marshal(p, ptr, length, n)
        if m != ffi.NULL:
            return marshal.loads(ffi.buffer(m, n[0]))
    return json.loads(ffi.unpack(ptr, length))


# ---- callbacks from the engine (GIL taken back by cffi) ----

def _engine_of(handle):
    return ffi.from_handle(handle)


@ffi.def_extern()
def _ntcpy_on_flow(handle, text, length, reason):
    eng = _engine_of(handle)
    if eng.on_flow_end is not None and eng._exc is None:
        eng._call(eng.on_flow_end, Flow(_decode(eng._p, text, length)),
                  _text(lib.ntc_flow_end_reason_name(reason)))


@ffi.def_extern()
def _ntcpy_on_host(handle, text, length):
    eng = _engine_of(handle)
    if eng.on_host_end is not None and eng._exc is None:
        eng._call(eng.on_host_end, Host(_decode(eng._p, text, length)))


@ffi.def_extern()
def _ntcpy_on_alert(handle, text, length):
    eng = _engine_of(handle)
    if eng.on_alert is not None and eng._exc is None:
        eng._call(eng.on_alert, Alert(_decode(eng._p, text, length)))


@ffi.def_extern()
def _ntcpy_on_tick(handle, tick, now_us):
    eng = _engine_of(handle)
    eng._call(eng.on_tick, _TICKS.get(tick, str(tick)), now_us / 1e6)


@ffi.def_extern()
def _ntcpy_on_log(handle, level, msg):
    _log.log(_LOG_LEVELS.get(level, logging.DEBUG), "%s", _text(msg))


# Engines alive, for the fork hooks: their read-ahead threads are paused before os.fork() (so the
# child inherits consistent engines) and forgotten in the child (threads do not survive a fork).
_engines = weakref.WeakSet()


def _before_fork():
    for e in list(_engines):
        if e._p is not None:
            lib.ntcpy_pause(e._p)


def _after_fork_in_child():
    for e in list(_engines):
        if e._p is not None:
            lib.ntcpy_after_fork_child(e._p)


os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


class Engine:
    """One libntopcore engine: sources, flow and host tables, DPI.

    Engine(source=None, bpf=None, local_networks=None, *, max_packets=0, config=None,
           on_flow_end=None, on_tick=None, on_host_end=None, on_alert=None, **config_keys)

    source: a capture file (pcap/pcapng), a live interface name, or a list of them (files are
        merged in time order; live capture usually needs root or CAP_NET_RAW).
    bpf: a BPF filter (tcpdump syntax), the key capture.filter.
    local_networks: CIDR networks, a comma-separated string or a list (host.local_networks).
    max_packets: stop after this many packets (0: no limit), as ntop-export -c.
    config / config_keys: configuration keys, dotted ({"flow.idle_timeout": 30}) or as keyword
        arguments with '_' for '.' (flow_idle_timeout=30). Unknown keys and bad values raise Error
        naming the key.
    on_flow_end(flow, reason): called for each flow that ends (reason "idle", "active",
        "evicted", "flush"); on_tick(tick, now) on packet-time ticks ("second", "minute",
        "5minutes", "hour", "day"; now in seconds); on_host_end(host) when a host is purged;
        on_alert(alert) for each alert raised (engaged, released, or a flow event; alert.* keys).
        An exception in a callback stops the engine and is raised by the call that ran it.

    Iterating the engine reads the sources and yields each flow as it ends, then the flows still
    open at the end of the input (flushed), as ntop-export prints them; memory stays bounded
    whatever the number of flows. The library logs to the logging module ("ntopcore").
    Use from one thread at a time (close() included: closing an engine that another thread is
    using is not supported); stop() may be called from any thread or a signal handler.
    """

    def __init__(self, source=None, bpf=None, local_networks=None, *, max_packets=0, config=None,
                 on_flow_end=None, on_tick=None, on_host_end=None, on_alert=None, **config_keys):
        self._p = None
        self._exc = None
        self._finished = False
        # Flows of the batch being handed out that the caller has not taken yet (an iterator):
        # a loop left with break, then a new one, goes on with them.
        self._pending = iter(())
        self.max_packets = int(max_packets or 0)
        settings = {}
        if config:
            settings.update(config)
        for k, v in config_keys.items():
            if "." in k:
                settings[k] = v
            elif k in _KWARG_KEYS:
                settings[_KWARG_KEYS[k]] = v
            else:
                raise TypeError("Engine() got an unexpected keyword argument %r (configuration "
                                "keys: %s)" % (k, ", ".join(sorted(_KWARG_KEYS))))
        if bpf is not None:
            settings["capture.filter"] = bpf
        if local_networks is not None:
            if not isinstance(local_networks, str):
                local_networks = ",".join(str(n) for n in local_networks)
            settings["host.local_networks"] = local_networks
        cfg = lib.ntc_config_new()
        if cfg == ffi.NULL:
            raise MemoryError("ntopcore: out of memory")
        try:
            for key, value in settings.items():
                self._set(cfg, key, value)
            self._handle = ffi.new_handle(self)
            err = ffi.new("char[]", 1024)
            p = lib.ntcpy_new(cfg, self._handle, err, 1024)
            if p == ffi.NULL:
                raise Error(_text(err))
        finally:
            lib.ntc_config_free(cfg)
        self._p = p
        if _use_marshal is None:
            _check_marshal(p)
        lib.ntcpy_set_format(p, int(_use_marshal))
        lib.ntcpy_set_max_packets(p, self.max_packets)
        _engines.add(self)
        self._cb_flags = lib.NTCPY_CB_LOG
        lib.ntcpy_set_callbacks(p, self._cb_flags)
        self.on_flow_end = on_flow_end
        self.on_tick = on_tick
        self.on_host_end = on_host_end
        self.on_alert = on_alert
        if source is not None:
            for s in [source] if isinstance(source, (str, bytes, os.PathLike)) else source:
                self.open(s)

    @staticmethod
    def _set(cfg, key, value):
        k = key.encode()
        if isinstance(value, bool):
            rc = lib.ntc_config_set_bool(cfg, k, int(value))
        elif isinstance(value, int):
            rc = lib.ntc_config_set_int(cfg, k, value)
        elif isinstance(value, str):
            rc = lib.ntc_config_set(cfg, k, value.encode())
        else:
            raise TypeError("configuration %s: int, bool or str, not %s" % (key, type(value).__name__))
        if rc:
            raise Error(_text(lib.ntc_config_errmsg(cfg)))

    # Callbacks are attributes; setting one tells the C side whether to call Python at all.
    def __setattr__(self, name, value):
        if name == "max_packets":
            value = int(value or 0)
            if self._p is not None:
                lib.ntcpy_set_max_packets(self._p, value)
        object.__setattr__(self, name, value)
        flag = {"on_flow_end": lib.NTCPY_CB_FLOW, "on_tick": lib.NTCPY_CB_TICK,
                "on_host_end": lib.NTCPY_CB_HOST, "on_alert": lib.NTCPY_CB_ALERT}.get(name)
        if flag is not None and self._p is not None:
            if value is not None and not callable(value):
                raise TypeError("%s must be callable or None" % name)
            self._cb_flags = (self._cb_flags | flag) if value is not None else (self._cb_flags & ~flag)
            lib.ntcpy_set_callbacks(self._p, self._cb_flags)

    def _call(self, fn, *args):
        if fn is None or self._exc is not None:
            return
        try:
            fn(*args)
        except BaseException as e:  # raised again by the call that drives the engine
            self._exc = e
            lib.ntcpy_stop(self._p)

    def _check(self):
        if self._p is None:
            raise Error("ntopcore: the engine is closed")

    def _raise_callback_error(self):
        if self._exc is not None:
            e, self._exc = self._exc, None
            raise e

    @property
    def packets(self):
        """Packets read from the sources so far (by run() and iteration)."""
        return lib.ntcpy_packets(self._p) if self._p is not None else 0

    # ---- sources ----

    def open(self, source):
        """Open a capture file, or a live interface when no such file exists."""
        s = os.fsdecode(source)
        if os.path.exists(s) or not os.path.isdir("/sys/class/net/" + s):
            self.open_file(s)
        else:
            self.open_live(s)

    def open_file(self, path):
        self._check()
        if lib.ntcpy_open_file(self._p, os.fsencode(path)):
            raise Error(_text(lib.ntc_engine_errmsg(lib.ntcpy_engine(self._p))))
        self._finished = False

    def open_live(self, ifname):
        self._check()
        if lib.ntcpy_open_live(self._p, os.fsencode(ifname)):
            raise Error(_text(lib.ntc_engine_errmsg(lib.ntcpy_engine(self._p))))
        self._finished = False

    # ---- running ----

    def run(self, max_packets=0):
        """Read the sources until they end (or max_packets packets, or stop()), calling the
        callbacks; the flows still open stay open (see flush()). Returns the packets read. A
        source error (corrupt file) is raised after the other sources have been read."""
        self._check()
        start = self.packets
        n = ffi.new("uint64_t *")
        while True:
            done = self.packets - start
            if max_packets and done >= max_packets:
                break
            finished = lib.ntcpy_run(self._p, max_packets - done if max_packets else 0,
                                     _SLICE_MS, n)
            self._raise_callback_error()
            if finished or self._stopped():
                break
        self._raise_source_error()
        return self.packets - start

    def _stopped(self):
        s = getattr(self, "_stop_requested", False)
        object.__setattr__(self, "_stop_requested", False)
        return s

    def _raise_source_error(self):
        if self._p is not None and lib.ntcpy_source_error(self._p):
            raise Error(_text(lib.ntcpy_errmsg(self._p)))

    def flush(self):
        """End every open flow (on_flow_end with reason "flush") and purge the hosts."""
        self._check()
        lib.ntcpy_flush(self._p, 0)
        self._raise_callback_error()

    def stop(self):
        """Make a running run() or iteration return soon. Any thread, or a signal handler."""
        if self._p is not None:
            object.__setattr__(self, "_stop_requested", True)
            lib.ntcpy_stop(self._p)

    def ingest(self, data, ts_us, linktype=LINKTYPE_ETHERNET, wirelen=0):
        """Feed one packet captured by the caller (bytes), time in microseconds since the epoch.
        Returns False for an unknown link type (counted), True otherwise."""
        self._check()
        buf = ffi.from_buffer(data)
        rc = lib.ntc_engine_ingest(lib.ntcpy_engine(self._p), linktype, ts_us, buf, len(buf),
                                   wirelen)
        self._raise_callback_error()
        if rc and rc != lib.NTC_ENOTSUP:
            raise Error("ingest: " + _text(lib.ntc_strerror(rc)))
        return rc == 0

    def advance(self, now_us):
        """Move the engine clock to now_us (microseconds) when the caller's capture is idle."""
        self._check()
        lib.ntc_engine_advance(lib.ntcpy_engine(self._p), now_us)
        self._raise_callback_error()

    # ---- flows as they end ----

    def __iter__(self):
        return self.flows()

    def flows(self):
        """Generator: read the sources, yield each flow (a Flow) as it ends, then the flows
        still open at the end of the input. Breaking out and calling flows() again goes on where
        it stopped. A source error is raised after the last flow.

        Without callbacks (but logging), the engine reads ahead on a thread of its own while
        Python handles the flows it has: up to two batches of flows (2048 each) ahead, so
        stats() and the other views, called during the loop, may count packets whose flows
        have not been yielded yet (they pause the read-ahead while they look). Flows read ahead
        but not yielded when a loop is left stay for the next loop: run(), flush() and
        on_flow_end do not see them. With callbacks, the engine runs on the caller's thread.
        Memory stays bounded by waiting: on a live interface, a loop slower than the traffic
        makes the engine wait, and the kernel then drops packets (counted: stats()["kernel_dropped"])."""
        self._check()
        p = self._p
        data = ffi.new("const char **")
        length = ffi.new("size_t *")
        count = ffi.new("size_t *")
        try:
            yield from self._pending
            while not self._finished:
                if self._p is not p:
                    raise Error("ntopcore: the engine was closed during the iteration")
                rc = lib.ntcpy_next(p, 1, _SLICE_MS, _BATCH, data, length, count)
                if rc == 1:
                    buf = ffi.buffer(data[0], length[0])
                    batch = marshal.loads(buf) if _use_marshal else json.loads(bytes(buf))
                    self._pending = map(Flow, batch)
                    yield from self._pending
                elif rc == 2:
                    self._finished = True
                    break
                elif rc == lib.NTC_ENOMEM:
                    raise MemoryError("ntopcore: out of memory while collecting flows")
                self._raise_callback_error()
                if self._stopped():
                    return
        finally:
            # Nobody is iterating: the read-ahead thread rests.
            if self._p is p:
                lib.ntcpy_pause(p)
        self._raise_source_error()

    def to_pandas(self):
        """Every flow of the sources (as iteration yields them) in a pandas DataFrame, one row per
        flow, one column per field. Needs pandas (Debian: python3-pandas)."""
        try:
            import pandas
        except ImportError as e:
            raise ImportError("Engine.to_pandas() needs pandas (Debian: python3-pandas)") from e
        return pandas.DataFrame(list(self.flows()))

    # ---- what the engine holds now ----

    def _json(self, what, arg=0):
        self._check()
        length = ffi.new("size_t *")
        rc = ffi.new("int *")
        text = lib.ntcpy_json(self._p, what, arg, length, rc)
        if text == ffi.NULL:
            if rc[0] == lib.NTC_ESTATE:
                raise Error("not available in this callback (only in on_tick or outside callbacks)")
            raise Error(_text(lib.ntc_strerror(rc[0])))
        return _decode(self._p, text, length[0])

    def active_flows(self):
        """The flows in the table now (list of Flow)."""
        return [Flow(d) for d in self._json(0)]

    def hosts(self):
        """The hosts in the table now (list of Host)."""
        return [Host(d) for d in self._json(1)]

    def apps(self, categories=False):
        """Traffic per application (or per category) since the start: list of Record."""
        return [Record(d) for d in self._json(2, 1 if categories else 0)]

    def alerts(self):
        """The alerts engaged now (list of Alert, as delivered when they engaged: STATE
        "engaged"); the ones raised and released are delivered to on_alert."""
        return [Alert(d) for d in self._json(4)]

    def stats(self):
        """Interface counters: a dict with the member names of ntc_iface_stats (packets, bytes,
        flows_total, ...; decode_errors by reason)."""
        return self._json(3)

    def app_name(self, app_id):
        """Name of an application id (built-in or from dpi.protocols_file), or None."""
        self._check()
        n = lib.ntc_engine_app_name(lib.ntcpy_engine(self._p), app_id)
        return None if n == ffi.NULL else _text(n)

    # ---- lifetime ----

    def close(self):
        """Free the engine (the flows still open are not reported: flush() first)."""
        p, self._p = self._p, None
        if p is not None:
            lib.ntcpy_free(p)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            if getattr(self, "_p", None) is not None:
                self.close()
        except Exception:  # interpreter shutdown: the module may already be torn down
            pass
