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
    X(SNAPSHOT_MAX_FLOWS, "snapshot.max_flows", INT, 10000, 0, 1048576, "", "flows", \
      "Most recently active flows copied into each snapshot for reader threads") \
    X(SNAPSHOT_MAX_HOSTS, "snapshot.max_hosts", INT, 10000, 0, 1048576, "", "hosts", \
      "Most recently active hosts copied into each snapshot") \
    X(ENGINE_CLOCK_RESYNC, "engine.clock_resync", INT, 3600, 1, 31536000, "", "s", \
      "A packet this far behind the clock restarts it (the flows of the old time end)") \
    X(ENGINE_HASH_SEED, "engine.hash_seed", INT, 0, 0, INT64_MAX, "", "", \
      "Seed of the flow/host hashes (0: random per engine, the safe choice)")

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
