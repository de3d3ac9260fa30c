/* pktgen: craft packets layer by layer for tests, and write them to pcap/pcapng files.
 *
 * Usage: pg_init(), push layers from the outside in (pg_eth, pg_vlan, pg_ipv4, pg_udp, pg_data,
 * ...), then pg_finish() to fill length fields and checksums. Fields that name the next protocol
 * (ethertype, IP protocol / next header, PPP protocol, GRE protocol type, BSD AF, MPLS
 * bottom-of-stack) are filled from the layer pushed next, unless the caller gave a non-zero value.
 * Every layer is taken to run to the end of the frame; pg_pad() after pg_finish() adds trailer
 * bytes (Ethernet padding) that no length covers. Each push returns the offset of its header, so a
 * test can patch bytes after pg_finish() (pg_put16 ...) to make a packet malformed.
 *
 * Nothing here is thread-safe; everything is for tests. A pg_pkt is large (PG_MAX_FRAME): keep it
 * static or on the heap when you need many.
 */
#ifndef NTC_TESTS_PKTGEN_H
#define NTC_TESTS_PKTGEN_H

#include <stddef.h>
#include <stdint.h>

#define PG_MAX_FRAME 16384
#define PG_MAX_LAYERS 32

/** IPv4 address literal: PG_IP4(192, 168, 1, 1) is a const uint8_t[4]. */
#define PG_IP4(a, b, c, d) ((const uint8_t[4]){(a), (b), (c), (d)})
/** MAC literal. */
#define PG_MAC(a, b, c, d, e, f) ((const uint8_t[6]){(a), (b), (c), (d), (e), (f)})

/* TCP flags */
#define PG_FIN 0x01
#define PG_SYN 0x02
#define PG_RST 0x04
#define PG_PSH 0x08
#define PG_ACK 0x10
#define PG_URG 0x20

typedef enum pg_kind {
    PG_K_ETH = 1, PG_K_ETH8023, PG_K_LLC, PG_K_SNAP, PG_K_VLAN, PG_K_MPLS, PG_K_PPPOE, PG_K_SLL,
    PG_K_SLL2, PG_K_NULL, PG_K_ARP, PG_K_IPV4, PG_K_IPV6, PG_K_IPV6_EXT, PG_K_IPV6_FRAG, PG_K_TCP,
    PG_K_UDP, PG_K_ICMP, PG_K_ICMP6, PG_K_GRE, PG_K_GTPU, PG_K_VXLAN, PG_K_DATA, PG_K_CAPWAP,
    PG_K_WLAN
} pg_kind;

typedef struct pg_layer {
    pg_kind kind;
    size_t off;
    uint8_t next_explicit; /* the caller gave the next-protocol value */
    uint8_t aux;           /* per kind: NULL byte order, GRE checksum present */
} pg_layer;

typedef struct pg_pkt {
    uint8_t data[PG_MAX_FRAME];
    size_t len;
    pg_layer layers[PG_MAX_LAYERS];
    int nlayers;
    int overflow; /**< a push did not fit: the packet is incomplete */
} pg_pkt;

typedef struct pg_ipv4_opt {
    uint8_t proto;          /**< 0: from the next layer */
    uint8_t tos;
    uint8_t ttl;            /**< 0: 64 */
    uint16_t id;
    uint16_t frag_off;      /**< fragment offset in 8-byte units */
    uint8_t mf, df;         /**< more-fragments, don't-fragment flags */
    const uint8_t *options; /**< IPv4 options, zero-padded to a multiple of 4 */
    size_t options_len;     /**< at most 40 */
} pg_ipv4_opt;

typedef struct pg_ipv6_opt {
    uint8_t next;           /**< 0: from the next layer (59 if none) */
    uint8_t tclass;
    uint32_t flow_label;
    uint8_t hop_limit;      /**< 0: 64 */
} pg_ipv6_opt;

typedef struct pg_tcp_opt {
    uint32_t seq, ack;
    uint8_t flags;          /**< PG_SYN | PG_ACK ... */
    uint16_t win;
    uint16_t urg;
    const uint8_t *options; /**< TCP options, zero-padded (EOL) to a multiple of 4 */
    size_t options_len;     /**< at most 40 */
} pg_tcp_opt;

typedef struct pg_gre_opt {
    uint16_t proto;         /**< 0: from the next layer */
    uint8_t csum;           /**< C bit: checksum (computed) + reserved1 */
    uint8_t has_key, has_seq;
    uint32_t key, seq;
    uint8_t version;        /**< 0 normally */
} pg_gre_opt;

typedef struct pg_gtpu_ext {
    uint8_t type;           /**< extension header type (0x85 PDU session container, ...) */
    uint8_t len4;           /**< length in 4-byte units (>= 1) */
    const uint8_t *content; /**< len4*4-2 bytes, NULL for zeros */
} pg_gtpu_ext;

typedef struct pg_gtpu_opt {
    uint8_t msg_type;       /**< 0: 0xFF (G-PDU) */
    uint8_t has_seq, has_npdu;
    uint16_t seq;
    uint8_t npdu;
    int n_ext;              /**< extension headers (at most 4), chained in order */
    pg_gtpu_ext ext[4];
} pg_gtpu_opt;

/** CAPWAP data channel header (RFC 5415 section 4.3). HLEN is computed from the optional
 * fields; the T flag (native frame) is set when the next layer is pg_wlan(), clear otherwise. */
typedef struct pg_capwap_opt {
    uint8_t wbid;             /**< wireless binding id; 0 gives 1 (IEEE 802.11) */
    uint8_t rid;              /**< radio id (5 bits) */
    uint8_t frag, last, keepalive; /**< F, L, K flags */
    uint16_t frag_id, frag_off; /**< fragment id, offset (13 bits, 8-byte units) */
    const uint8_t *radio_mac; /**< M flag and Radio MAC Address field when radio_mac_len != 0 */
    uint8_t radio_mac_len;    /**< 6 or 8 */
    const uint8_t *wsi;       /**< W flag and Wireless Specific Information when wsi_len != 0 */
    uint8_t wsi_len;
} pg_capwap_opt;

/* IEEE 802.11 frame control flags (second byte) */
#define PG_WLAN_TODS 0x01
#define PG_WLAN_FROMDS 0x02
#define PG_WLAN_RETRY 0x08
#define PG_WLAN_PROTECTED 0x40
#define PG_WLAN_ORDER 0x80

/** Fields of an IEEE 802.11 MAC header other than frame control. NULL addresses are zeros. */
typedef struct pg_wlan_opt {
    const uint8_t *addr1, *addr2, *addr3, *addr4;
    uint16_t seq_ctrl;        /**< sequence control (little-endian on the wire) */
    uint16_t qos;             /**< QoS control (0x0080: A-MSDU present) */
    uint32_t htc;             /**< HT control */
} pg_wlan_opt;

void pg_init(pg_pkt *p);

/* Link layers. `type`/`proto` 0 means "from the next layer". */
size_t pg_eth(pg_pkt *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
size_t pg_eth_8023(pg_pkt *p, const uint8_t dst[6], const uint8_t src[6]); /**< length field */
size_t pg_llc(pg_pkt *p, uint8_t dsap, uint8_t ssap, uint8_t ctrl);
size_t pg_snap(pg_pkt *p, uint32_t oui, uint16_t type); /**< AA AA 03 + OUI + type */
size_t pg_vlan(pg_pkt *p, uint16_t tpid, uint8_t pcp, uint16_t vid, uint16_t type); /**< tpid 0: 0x8100 */
size_t pg_mpls(pg_pkt *p, uint32_t label, uint8_t tc, uint8_t ttl); /**< S bit automatic */
size_t pg_pppoe(pg_pkt *p, uint16_t session, uint16_t ppp_proto);
size_t pg_sll(pg_pkt *p, uint16_t pkttype, uint16_t hatype, const uint8_t *addr, uint8_t addrlen,
              uint16_t proto);
size_t pg_sll2(pg_pkt *p, uint16_t proto, uint32_t ifindex, uint16_t hatype, uint8_t pkttype,
               const uint8_t *addr, uint8_t addrlen);
/** BSD NULL / LOOP header: af 0 = from the next layer (2, or 30 for IPv6). */
size_t pg_null(pg_pkt *p, uint32_t af, int big_endian);
size_t pg_arp(pg_pkt *p, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
              const uint8_t tha[6], const uint8_t tpa[4]);

/* Network layers. opt may be NULL. */
size_t pg_ipv4(pg_pkt *p, const uint8_t src[4], const uint8_t dst[4], const pg_ipv4_opt *opt);
size_t pg_ipv6(pg_pkt *p, const uint8_t src[16], const uint8_t dst[16], const pg_ipv6_opt *opt);
/** IPv6 extension header of `len` bytes (0/43/60/135/139/140: multiple of 8; 51 AH: multiple of
 * 4, >= 12), zero-filled (Pad1 options). */
size_t pg_ipv6_ext(pg_pkt *p, uint8_t type, size_t len);
/** IPv6 fragment header. next 0: from the next layer. */
size_t pg_ipv6_frag(pg_pkt *p, uint16_t offset8, int more, uint32_t id, uint8_t next);

/* Transport. */
size_t pg_tcp(pg_pkt *p, uint16_t sport, uint16_t dport, const pg_tcp_opt *opt);
size_t pg_udp(pg_pkt *p, uint16_t sport, uint16_t dport);
/** ICMP / ICMPv6 header: the 4 bytes after the checksum hold id and seq (echo). */
size_t pg_icmp(pg_pkt *p, uint8_t type, uint8_t code, uint16_t id, uint16_t seq);
size_t pg_icmp6(pg_pkt *p, uint8_t type, uint8_t code, uint16_t id, uint16_t seq);

/* Tunnels. */
size_t pg_gre(pg_pkt *p, const pg_gre_opt *opt);
size_t pg_gtpu(pg_pkt *p, uint32_t teid, const pg_gtpu_opt *opt);
size_t pg_vxlan(pg_pkt *p, uint32_t vni);
size_t pg_capwap(pg_pkt *p, const pg_capwap_opt *opt); /**< opt may be NULL */
/** IEEE 802.11 MAC header, no FCS, frame control in the standard byte order (type 0 management,
 * 1 control, 2 data; flags PG_WLAN_*). Its length: management 24; control 10 for CTS and ACK
 * (subtypes 12, 13), 16 otherwise; data 24, +6 (address 4) with ToDS and FromDS, +2 (QoS
 * control) for QoS subtypes (8-15), +4 (HT control) for those with the order flag. An LLC/SNAP
 * header (pg_snap) usually follows a data header. opt may be NULL. */
size_t pg_wlan(pg_pkt *p, uint8_t type, uint8_t subtype, uint8_t flags, const pg_wlan_opt *opt);

/* Payload. */
size_t pg_data(pg_pkt *p, const void *data, size_t len);
size_t pg_str(pg_pkt *p, const char *s);
size_t pg_fill(pg_pkt *p, uint8_t byte, size_t len);

/** Fill lengths and checksums, innermost layer first. Returns 0, or -1 if the packet overflowed. */
int pg_finish(pg_pkt *p);
/** Append zero bytes until the frame is at least min_len long (after pg_finish). */
void pg_pad(pg_pkt *p, size_t min_len);

/* Patching after pg_finish (offsets from the pushes). Out-of-range writes are ignored. */
void pg_put8(pg_pkt *p, size_t off, uint8_t v);
void pg_put16(pg_pkt *p, size_t off, uint16_t v);
void pg_put32(pg_pkt *p, size_t off, uint32_t v);
/** Recompute the IPv4 header checksum of the header at off. */
void pg_ipv4_csum(pg_pkt *p, size_t off);
/** Internet checksum (RFC 1071) of len bytes, folded, not complemented, starting from sum. */
uint32_t pg_csum_add(uint32_t sum, const uint8_t *data, size_t len);
uint16_t pg_csum_fold(uint32_t sum);
/** Parse an IPv6 address text into out; returns 0 or -1. */
int pg_in6(const char *text, uint8_t out[16]);

/** Split the IPv4 packet at ip_off of a finished `whole` into fragments of `chunk` payload bytes
 * (a multiple of 8; the last may be shorter). Bytes before ip_off are copied unchanged into each
 * fragment (link-layer length fields are not updated). Returns the number of fragments written
 * into frags[0..max), or -1. */
int pg_ipv4_fragment(const pg_pkt *whole, size_t ip_off, size_t chunk, pg_pkt *frags, int max);
/** Same for IPv6: inserts a fragment header (identification id) right after the fixed header;
 * everything after the fixed header is treated as fragmentable. */
int pg_ipv6_fragment(const pg_pkt *whole, size_t ip_off, size_t chunk, uint32_t id, pg_pkt *frags,
                     int max);

/* Capture files. */
typedef struct pg_pcap pg_pcap;
/** Classic pcap, microsecond timestamps, host byte order. NULL on error. */
pg_pcap *pg_pcap_open(const char *path, uint32_t linktype, uint32_t snaplen);
/** pcapng: one section, one interface (microsecond resolution), Enhanced Packet Blocks. */
pg_pcap *pg_pcapng_open(const char *path, uint32_t linktype, uint32_t snaplen);
/** Write one packet; caplen is cut to the snaplen. Returns 0 or -1. */
int pg_pcap_write(pg_pcap *w, uint64_t ts_us, const void *data, uint32_t caplen, uint32_t wirelen);
int pg_pcap_write_pkt(pg_pcap *w, uint64_t ts_us, const pg_pkt *p);
/** Flush and close; returns 0 or -1 (write error). NULL is a no-op returning 0. */
int pg_pcap_close(pg_pcap *w);

#endif
