/* Private: packet decoding (link layer, IP, tunnels, fragments, L4 ports and flags).
 * Not part of the public API. Used only by the engine (lib/core). */
#ifndef NTC_LIB_DECODE_H
#define NTC_LIB_DECODE_H

#include <stddef.h>
#include <stdint.h>

/** Fragment tracking state (remembers the ports of first fragments). One per engine. */
typedef struct ntc__decoder ntc__decoder;

/** Result of ntc__decode(). */
typedef enum ntc__dec_result {
    NTC__DEC_IP = 0,     /**< an IP packet, described by ntc__pkt */
    NTC__DEC_NONIP = 1,  /**< a well-formed frame that carries no IP (ARP, STP, LLC, ...) */
    NTC__DEC_ERROR = 2   /**< malformed or truncated: pkt->error holds the ntc_decode_error */
} ntc__dec_result;

/** Fragment status of a decoded packet. */
enum {
    NTC__FRAG_NONE = 0,     /**< not a fragment */
    NTC__FRAG_FIRST = 1,    /**< first fragment (offset 0, more fragments): ports read, remembered */
    NTC__FRAG_LATER = 2,    /**< later fragment; ports taken from the remembered first fragment */
    NTC__FRAG_ORPHAN = 3    /**< later fragment whose first fragment was not seen: ports are 0 */
};

/** A decoded packet. Pointers point into the caller's frame and live as long as it does. */
typedef struct ntc__pkt {
    const uint8_t *src_mac;   /**< Ethernet source MAC of the outermost frame, NULL if none */
    const uint8_t *dst_mac;   /**< Ethernet destination MAC, NULL if none */
    uint16_t vlan;            /**< innermost 802.1Q/802.1ad VLAN id (12 bits), 0 if untagged */
    uint8_t has_vlan;         /**< at least one VLAN tag */
    uint8_t has_mpls;         /**< an MPLS label stack was crossed */
    uint8_t has_pppoe;        /**< a PPPoE session header was crossed */
    uint8_t tunnel;           /**< ntc_tunnel of the outermost tunnel crossed (0 none) */
    uint8_t error;            /**< ntc_decode_error, valid when the result is NTC__DEC_ERROR */
    uint8_t frag;             /**< NTC__FRAG_* of the innermost IP header */
    uint32_t outer_ip_len;    /**< IP length of the outermost IP header */
    /* Innermost IP header: the flow key comes from here. */
    uint8_t ip_version;       /**< 4 or 6 */
    uint8_t l4_proto;         /**< IP protocol after IPv6 extension headers */
    uint8_t src[16];          /**< source address, network order; IPv4 in the first 4 bytes, rest 0 */
    uint8_t dst[16];
    uint32_t ip_len;          /**< total length of the innermost IP packet, header included */
    uint16_t sport, dport;    /**< host order. ICMP/ICMPv6 echo request/reply: the echo id in both;
                                   other ICMP and protocols without ports: 0 */
    uint8_t tcp_flags;        /**< TCP flags byte (FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 ...) */
    uint8_t icmp_type, icmp_code;
    uint32_t tcp_seq, tcp_ack;/**< host order (TCP only) */
    uint16_t tcp_win;         /**< raw window field, host order (TCP only) */
    const uint8_t *l4;        /**< L4 header in the frame; NULL for later fragments */
    uint32_t l4_caplen;       /**< captured bytes from l4 on, capped at the IP length */
    const uint8_t *payload;   /**< L4 payload (after the TCP/UDP/ICMP header); NULL if none */
    uint32_t payload_caplen;  /**< captured payload bytes */
    uint32_t payload_len;     /**< payload length according to the IP length */
    uint8_t frag_dropped;     /**< first fragment decoded but not remembered (table full): the
                                   engine counts NTC_DECODE_FRAG_DROPPED; the result stays IP */
    const uint8_t *l3;        /**< innermost IP header in the frame (what DPI inspects) */
    uint32_t l3_caplen;       /**< captured bytes from l3 on, capped at the IP length */
} ntc__pkt;

/** Create decoder state: at most frag_max remembered first fragments, each kept frag_timeout_us. */
ntc__decoder *ntc__decoder_new(uint32_t frag_max, uint64_t frag_timeout_us);
void ntc__decoder_free(ntc__decoder *d);

/** Number of first fragments remembered now (for tests and stats). */
uint32_t ntc__decoder_frag_count(const ntc__decoder *d);

/** Decode one frame of the given LINKTYPE_ (ntc_linktype) captured at ts_us. caplen bytes are in
 * data; wirelen is the original length (>= caplen). Fills *out and returns a ntc__dec_result.
 * Never reads outside data[0, caplen). */
ntc__dec_result ntc__decode(ntc__decoder *d, int linktype, uint64_t ts_us, const uint8_t *data,
                            uint32_t caplen, uint32_t wirelen, ntc__pkt *out);

#endif
