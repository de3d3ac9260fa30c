/* Private: the option table. One X-macro list generates both the public table (key, type, default,
 * bounds, unit, doc) and the enum of indices the engine reads values with.
 * X(id, key, type, default_int, min, max, default_string, unit, doc) */
#ifndef NTC_LIB_CONFIG_KEYS_H
#define NTC_LIB_CONFIG_KEYS_H

#include <stdint.h>

#define NTC__CONFIG_OPTIONS(X) \
    X(FLOW_MAX, "flow.max", INT, 131072, 1, 16777216, "", "flows", \
      "Most flows held at once; when full the longest-idle flow is evicted (and counted)") \
    X(FLOW_IDLE_TIMEOUT, "flow.idle_timeout", INT, 60, 1, 86400, "", "s", \
      "A flow idle this long (packet time) ends") \
    X(FLOW_CLOSED_IDLE_TIMEOUT, "flow.closed_idle_timeout", INT, 15, 1, 86400, "", "s", \
      "Idle timeout of TCP flows closed (FIN both ways, RST) or never established") \
    X(FLOW_ACTIVE_TIMEOUT, "flow.active_timeout", INT, 0, 0, 86400, "", "s", \
      "Report a flow still active after this long, and again every period (0: never)") \
    X(FLOW_ANALYTICS, "flow.analytics", BOOL, 1, 0, 1, "", "", \
      "Per-flow analytics: TCP health, latency, throughput, conn state, size/IAT statistics") \
    X(FLOW_FIRST_PACKETS, "flow.first_packets", INT, 10, 0, 64, "", "packets", \
      "Size, direction and inter-arrival time kept for this many first packets of each flow") \
    X(FLOW_MAX_LATENCY_MS, "flow.max_latency_ms", INT, 5000, 1, 3600000, "", "ms", \
      "Network and application latencies above this are dropped as not meaningful") \
    X(FLOW_COMMUNITY_ID_SEED, "flow.community_id_seed", INT, 0, 0, 65535, "", "", \
      "Seed of the Community ID flow hash (must match the other tools that compute it)") \
    X(HOST_MAX, "host.max", INT, 65536, 1, 16777216, "", "hosts", \
      "Most hosts held at once; when full the longest-idle host without flows is evicted") \
    X(HOST_LOCAL_IDLE_TIMEOUT, "host.local_idle_timeout", INT, 300, 1, 604800, "", "s", \
      "A local host idle this long, with no active flow, is purged") \
    X(HOST_REMOTE_IDLE_TIMEOUT, "host.remote_idle_timeout", INT, 60, 1, 604800, "", "s", \
      "A remote host idle this long, with no active flow, is purged") \
    X(HOST_LOCAL_NETWORKS, "host.local_networks", STRING, 0, 0, 0, "", "", \
      "Local networks, comma-separated CIDR (e.g. 192.168.0.0/16,fd00::/8)") \
    X(HOST_NAME_CACHE, "host.name_cache", INT, 4096, 0, 1048576, "", "names", \
      "Addresses remembered from DNS answers, to name hosts that appear later (0: off)") \
    X(DECODE_FRAG_MAX, "decode.frag_max", INT, 4096, 16, 1048576, "", "fragments", \
      "First IP fragments remembered at once (to give later fragments their ports)") \
    X(DECODE_FRAG_TIMEOUT, "decode.frag_timeout", INT, 30, 1, 600, "", "s", \
      "How long a first fragment's ports are remembered") \
    X(CAPTURE_SNAPLEN, "capture.snaplen", INT, 65535, 64, 262144, "", "bytes", \
      "Bytes captured per packet on live interfaces") \
    X(CAPTURE_PROMISC, "capture.promisc", BOOL, 1, 0, 1, "", "", \
      "Put live interfaces in promiscuous mode") \
    X(CAPTURE_BUFFER_MB, "capture.buffer_mb", INT, 0, 0, 4096, "", "MiB", \
      "Kernel capture buffer per live interface (0: libpcap default)") \
    X(CAPTURE_FILTER, "capture.filter", STRING, 0, 0, 0, "", "", \
      "BPF filter expression applied to every source (tcpdump syntax)") \
    X(CAPTURE_REPLAY_SPEED, "capture.replay_speed", INT, 0, 0, 100000, "", "%", \
      "Replay capture files at this % of their recorded pace (100: real time; 0: at full speed)") \
    X(DPI_ENABLE, "dpi.enable", BOOL, 1, 0, 1, "", "", \
      "Classify applications with deep packet inspection (off: flows are still counted)") \
    X(DPI_TCP_MAX_PACKETS, "dpi.tcp_max_packets", INT, 80, 1, 10000, "", "packets", \
      "Give up inspecting a TCP flow once it has more packets than this (as nDPI's own reader)") \
    X(DPI_UDP_MAX_PACKETS, "dpi.udp_max_packets", INT, 24, 1, 10000, "", "packets", \
      "Give up inspecting a UDP flow once it has more packets than this (as nDPI's own reader)") \
    X(DPI_OTHER_MAX_PACKETS, "dpi.other_max_packets", INT, 8, 1, 10000, "", "packets", \
      "Give up inspecting flows of other protocols (ICMP, ...) past this many packets") \
    X(DPI_IDLE_GIVEUP, "dpi.idle_giveup", INT, 30, 0, 86400, "", "s", \
      "Give up inspecting a flow idle this long, freeing its DPI state (0: only at its end)") \
    X(DPI_GUESS, "dpi.guess", BOOL, 1, 0, 1, "", "", \
      "When inspection gives up, guess the application from ports and addresses") \
    X(DPI_PROTOCOLS_FILE, "dpi.protocols_file", STRING, 0, 0, 0, "", "", \
      "nDPI protocols file with custom host-name, port and IP rules (empty: none)") \
    X(DPI_CATEGORIES_FILE, "dpi.categories_file", STRING, 0, 0, 0, "", "", \
      "nDPI categories file mapping host names and networks to categories (empty: none)") \
    X(DUMP_PATH, "dump.path", STRING, 0, 0, 0, "", "", \
      "Packet dump: file name pattern with strftime fields, from each file's first packet time") \
    X(DUMP_PCAPNG, "dump.pcapng", BOOL, 0, 0, 1, "", "", \
      "Packet dump: write pcapng instead of pcap") \
    X(DUMP_TAP, "dump.tap", STRING, 0, 0, 0, "", "", \
      "Packet dump: also send the packets to this TAP interface (created if missing)") \
    X(DUMP_SNAPLEN, "dump.snaplen", INT, 0, 0, 262144, "", "bytes", \
      "Packet dump: keep at most this many bytes of each packet (0: all)") \
    X(DUMP_FILE_PACKETS, "dump.file_packets", INT, 10000, 0, INT64_MAX, "", "packets", \
      "Packet dump: start a new file after this many packets (0: no limit)") \
    X(DUMP_FILE_SECONDS, "dump.file_seconds", INT, 300, 0, 31536000, "", "s", \
      "Packet dump: start a new file when the current one spans this much packet time (0: no limit)") \
    X(DUMP_FILE_BYTES, "dump.file_bytes", INT, 0, 0, INT64_MAX, "", "bytes", \
      "Packet dump: start a new file before one would exceed this size (0: no limit)") \
    X(DUMP_RING_FILES, "dump.ring_files", INT, 0, 0, 1000000, "", "files", \
      "Packet dump: keep at most this many files, deleting the oldest (0: no limit)") \
    X(DUMP_RING_BYTES, "dump.ring_bytes", INT, 0, 0, INT64_MAX, "", "bytes", \
      "Packet dump: keep the files within this many bytes, deleting the oldest (0: no limit)") \
    X(DUMP_HOSTS, "dump.hosts", STRING, 0, 0, 0, "", "", \
      "Packet dump: only flows with a client or server in these networks (comma-separated CIDR)") \
    X(DUMP_L7, "dump.l7", STRING, 0, 0, 0, "", "", \
      "Packet dump: only flows of these applications (comma-separated: TLS.YouTube, YouTube, TLS)") \
    X(DUMP_CATEGORIES, "dump.categories", STRING, 0, 0, 0, "", "", \
      "Packet dump: only flows of these categories (comma-separated, e.g. Streaming)") \
    X(DUMP_UNKNOWN, "dump.unknown", BOOL, 0, 0, 1, "", "", \
      "Packet dump: only flows whose application is Unknown") \
    X(DUMP_RISKY, "dump.risky", BOOL, 0, 0, 1, "", "", \
      "Packet dump: only flows with at least one nDPI risk") \
    X(DUMP_FLOW_PACKETS, "dump.flow_packets", INT, 0, 0, INT64_MAX, "", "packets", \
      "Packet dump: write only the first packets of each flow, counting the rest (0: all)") \
    X(DUMP_MARKED_ONLY, "dump.marked_only", BOOL, 0, 0, 1, "", "", \
      "Packet dump: only packets of hosts and flows marked for dumping (ntc_dump_mark_*)") \
    X(DUMP_ALERT_SAMPLING, "dump.alert_sampling", INT, 1, 1, 1000000, "", "", \
      "Packet dump: write 1 of this many packets of alert-marked hosts and flows") \
    X(DUMP_MAX_MARKS, "dump.max_marks", INT, 65536, 1, 16777216, "", "marks", \
      "Packet dump: most hosts and flows marked at once") \
    X(DUMP_BUFFER_BYTES, "dump.buffer_bytes", INT, 16777216, 0, INT64_MAX, "", "bytes", \
      "Packet dump: memory for packets held until their flow's application is known") \
    X(ALERT_ENABLE, "alert.enable", BOOL, 1, 0, 1, "", "", \
      "Raise alerts (detectors and rules); off: no alert is raised and alerts cost nothing") \
    X(ALERT_RULES_FILE, "alert.rules_file", STRING, 0, 0, 0, "", "", \
      "Threshold and blacklist rules file (empty: none); reloadable at run time") \
    X(ALERT_REPEAT_INTERVAL, "alert.repeat_interval", INT, 60, 0, 86400, "", "s", \
      "An alert equal to one delivered less than this ago is counted, not delivered (0: all)") \
    X(ALERT_QUEUE_MAX, "alert.queue_max", INT, 1024, 0, 1048576, "", "alerts", \
      "Alerts kept for ntc_engine_alert_pop(); when full, new ones are dropped (0: no queue)") \
    X(ALERT_TRACK_MAX, "alert.track_max", INT, 16384, 16, 16777216, "", "entries", \
      "Most hosts, host pairs and rule targets whose detector or threshold state is kept") \
    X(ALERT_FLOOD_WINDOW, "alert.flood_window", INT, 3, 1, 3600, "", "s", \
      "Window of the SYN and ICMP flood detectors") \
    X(ALERT_SYN_FLOOD_THRESHOLD, "alert.syn_flood_threshold", INT, 50, 0, INT32_MAX, "", "SYNs", \
      "SYNs a host sends (flooder) or receives (victim) in a flood window to alert (0: off)") \
    X(ALERT_ICMP_FLOOD_THRESHOLD, "alert.icmp_flood_threshold", INT, 50, 0, INT32_MAX, "", "packets", \
      "ICMP echo requests a host sends or receives in a flood window to alert (0: off)") \
    X(ALERT_SCAN_WINDOW, "alert.scan_window", INT, 60, 1, 86400, "", "s", \
      "Window of the port scan, host scan and server reset detectors") \
    X(ALERT_PORT_SCAN_THRESHOLD, "alert.port_scan_threshold", INT, 25, 0, 65536, "", "ports", \
      "Ports of one host a host tries (SYN) without connecting, in a scan window, to alert (0: off)") \
    X(ALERT_HOST_SCAN_THRESHOLD, "alert.host_scan_threshold", INT, 25, 0, INT32_MAX, "", "hosts", \
      "Hosts a host tries (SYN) without connecting, in a scan window, to alert (0: off)") \
    X(ALERT_SERVER_RESET_THRESHOLD, "alert.server_reset_threshold", INT, 25, 0, INT32_MAX, "", "connections", \
      "New TCP connections a host answers with a reset in a scan window to alert (0: off)") \
    X(ALERT_FLOW_RISK, "alert.flow_risk", BOOL, 1, 0, 1, "", "", \
      "Alert on flows nDPI finds risks in (one alert per flow, with the risks and their scores)") \
    X(ALERT_DANGEROUS_APPS, "alert.dangerous_apps", BOOL, 1, 0, 1, "", "", \
      "Alert on flows of a Dangerous, Potentially Dangerous or Unsafe application (e.g. Tor)") \
    X(ALERT_RETRANS_PERCENT, "alert.retrans_percent", INT, 10, 0, 100, "", "%", \
      "Alert on a TCP flow whose retransmissions exceed this % of a direction's packets (0: off)") \
    X(ALERT_RETRANS_MIN_PACKETS, "alert.retrans_min_packets", INT, 20, 1, INT32_MAX, "", "packets", \
      "Packets a direction needs before its retransmission rate is judged") \
    X(ALERT_JSONL, "alert.jsonl", STRING, 0, 0, 0, "", "", \
      "Append every alert as a JSON line to this file (empty: off)") \
    X(ALERT_SYSLOG, "alert.syslog", STRING, 0, 0, 0, "", "", \
      "Send every alert to syslog in RFC 5424 format: unix:PATH (e.g. unix:/dev/log) or udp:HOST:PORT") \
    X(ALERT_SYSLOG_FACILITY, "alert.syslog_facility", INT, 1, 0, 23, "", "", \
      "Syslog facility number of the alerts (1 user, 3 daemon, 16-23 local0-local7)") \
    X(ALERT_EXEC, "alert.exec", STRING, 0, 0, 0, "", "", \
      "Run this shell command for every alert: the alert as JSON on stdin and NTC_ALERT_* variables") \
    X(ALERT_EXEC_MAX, "alert.exec_max", INT, 4, 1, 256, "", "commands", \
      "Most alert.exec commands running at once; alerts beyond are not run (counted)") \
    X(ALERT_EXEC_TIMEOUT, "alert.exec_timeout", INT, 10, 1, 3600, "", "s", \
      "An alert.exec command still running after this long (wall time) is killed") \
    X(SNAPSHOT_MAX_FLOWS, "snapshot.max_flows", INT, 10000, 0, 1048576, "", "flows", \
      "Most recently active flows copied into each snapshot for reader threads") \
    X(SNAPSHOT_MAX_HOSTS, "snapshot.max_hosts", INT, 10000, 0, 1048576, "", "hosts", \
      "Most recently active hosts copied into each snapshot") \
    X(ENGINE_CLOCK_RESYNC, "engine.clock_resync", INT, 3600, 1, 31536000, "", "s", \
      "A packet this far behind the clock restarts it (the flows of the old time end)") \
    X(ENGINE_HASH_SEED, "engine.hash_seed", INT, 0, 0, INT64_MAX, "", "", \
      "Seed of the flow/host hashes (0: random per engine, the safe choice)") \
    X(COLLECT_MAX_EXPORTERS, "collect.max_exporters", INT, 1024, 1, 1048576, "", "exporters", \
      "Exporters (address, port, domain) and ZMQ source ids a collector keeps state for") \
    X(COLLECT_MAX_TEMPLATES, "collect.max_templates", INT, 4096, 1, 1048576, "", "templates", \
      "NetFlow v9/IPFIX templates a collector holds over all its exporters") \
    X(COLLECT_TEMPLATE_TIMEOUT, "collect.template_timeout", INT, 1800, 1, 604800, "", "s", \
      "Templates and exporters not heard from for this long are forgotten") \
    X(COLLECT_MAX_MESSAGE, "collect.max_message", INT, 1048576, 1024, 67108864, "", "bytes", \
      "Largest ZMQ message payload accepted, after decompression (larger ones are skipped)") \
    X(COLLECT_SOCKET_BUFFER_KB, "collect.socket_buffer_kb", INT, 4096, 0, 1048576, "", "KiB", \
      "Receive buffer of a collector's UDP socket (0: system default)") \
    X(EXPORT_ZMQ_FORMAT, "export.zmq_format", STRING, 0, 0, 0, "tlv", "", \
      "ZMQ export payload: tlv (what current ntopng reads) or json (numeric element ids)") \
    X(EXPORT_ZMQ_COMPRESS, "export.zmq_compress", BOOL, 0, 0, 1, "", "", \
      "Compress ZMQ export payloads with zlib") \
    X(EXPORT_ZMQ_FLOWS, "export.zmq_flows_per_message", INT, 64, 1, 4096, "", "flows", \
      "Flows batched into one ZMQ message (a partial batch is sent every second)") \
    X(EXPORT_ZMQ_QUEUE, "export.zmq_queue", INT, 10000, 1, 1048576, "", "messages", \
      "ZMQ messages queued for slow subscribers; past this new ones are dropped (counted)") \
    X(EXPORT_ZMQ_WAIT, "export.zmq_wait", INT, 0, 0, 60000, "", "ms", \
      "Before the first ZMQ message, wait this long at most for a subscriber (0: never wait)") \
    X(EXPORT_SOURCE_ID, "export.source_id", INT, 0, 0, 4294967295LL, "", "", \
      "ZMQ source_id, IPFIX observation domain and NetFlow v9 source id of exports") \
    X(EXPORT_BIFLOW, "export.biflow", BOOL, 1, 0, 1, "", "", \
      "IPFIX/NetFlow v9: one record per flow with OUT_BYTES/OUT_PKTS (false: two uniflows)") \
    X(EXPORT_TEMPLATE_REFRESH, "export.template_refresh", INT, 60, 1, 86400, "", "s", \
      "IPFIX/NetFlow v9 templates are sent again at least this often (and every 100 datagrams)") \
    X(EXPORT_MTU, "export.mtu", INT, 1400, 512, 65000, "", "bytes", \
      "Largest IPFIX/NetFlow v9 datagram sent")

typedef enum ntc__cfg_id {
#define NTC__X_ENUM(id, ...) NTC__CFG_##id,
    NTC__CONFIG_OPTIONS(NTC__X_ENUM)
#undef NTC__X_ENUM
    NTC__CFG_COUNT
} ntc__cfg_id;

struct ntc_config;
/** Value of an INT/BOOL option by index (engine use; the config is already validated). */
int64_t ntc__config_int(const struct ntc_config *cfg, ntc__cfg_id id);
/** Value of a STRING option by index (never NULL). */
const char *ntc__config_str(const struct ntc_config *cfg, ntc__cfg_id id);
/** Deep copy (NULL when out of memory). */
struct ntc_config *ntc__config_dup(const struct ntc_config *cfg);

#endif
