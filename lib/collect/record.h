/* Private: building an ntc_flow_record from the elements of a collected record, whatever carried
 * them (NetFlow v9/IPFIX fields, TLV items, JSON members). Every value is checked: a field of the
 * wrong size or text that does not parse is ignored and counted in `bad_fields`; a record without
 * both addresses, or whose times go backwards, is refused by ntc__recb_finish(). Strings are
 * copied into the builder (bounded), so the record stays valid until the next reset. */
#ifndef NTC_LIB_COLLECT_RECORD_H
#define NTC_LIB_COLLECT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "ntopcore/engine.h"
#include "ntopcore/l7.h"

#define NTC__RECB_STRBUF 4096   /* bytes of metadata strings kept per record */
#define NTC__RECB_MAX_STR 1024  /* longest metadata value kept (longer ones are cut) */

typedef struct ntc__recb {
    ntc_flow_record rec;
    ntc_flow_meta_value meta[NTC_META_COUNT];
    char strbuf[NTC__RECB_STRBUF];
    size_t strused;
    char l7_proto_name[128];
    uint32_t bad_fields;        /* values ignored because of their size or syntax */
    /* context */
    int switched_secs;          /* FIRST/LAST_SWITCHED are epoch seconds (JSON, TLV), else uptime ms */
    int have_base;
    uint64_t uptime_base_ms;    /* epoch ms at uptime 0 (NetFlow v9 header, IPFIX systemInitTime) */
    /* what was seen */
    uint8_t rank_first, rank_last;  /* resolution of first/last: 0 none, 1 s, 2 ms, 3 us */
    uint8_t have_addr[4];           /* IPv4 source, destination, IPv6 source, destination */
    uint8_t addr4[2][4], addr6[2][16];
    uint8_t icmp_port_convention;   /* NetFlow/IPFIX: ICMP type and code may be in the dst port */
    uint8_t ipver_field;
    uint8_t have_in_bytes, have_in_pkts, have_cli_flags, have_srv_flags, have_vlan;
    uint8_t tcp_flags;
    uint8_t have_l7_ids, have_how;
    uint8_t have_icmp;
    uint16_t icmp_type_code;    /* type << 8 | code */
    uint16_t l7_master, l7_app;
    uint8_t how;
    uint64_t uptime_first, uptime_last;
    uint8_t have_uptime_first, have_uptime_last;
} ntc__recb;

/** Start a record. switched_secs: FIRST_SWITCHED/LAST_SWITCHED are epoch seconds (ZMQ) rather than
 * milliseconds of exporter uptime (NetFlow v9, IPFIX). uptime_base_ms: epoch milliseconds at uptime
 * 0 when known (have_base). */
void ntc__recb_init(ntc__recb *b, int switched_secs, int have_base, uint64_t uptime_base_ms);

/** A numeric value of element el (see export/elements.h). */
void ntc__recb_num(ntc__recb *b, uint32_t el, uint64_t v);

/** A binary value as NetFlow v9/IPFIX/TLV carry it: big-endian integers of 1 to 8 bytes, addresses
 * of 4 or 16 bytes, strings (up to the first NUL). */
void ntc__recb_raw(ntc__recb *b, uint32_t el, const uint8_t *p, size_t n);

/** A text value (JSON strings): numbers in decimal, dotted or colon addresses, names. */
void ntc__recb_text(ntc__recb *b, uint32_t el, const char *s, size_t n);

/** Finish: fill the derived fields (IP version, times, application ids from names) and point
 * b->rec at the metadata. default_us is used for missing times (the export time). Returns 0, or
 * -1 when the record cannot be a flow (no addresses, mixed IP versions, last before first). */
int ntc__recb_finish(ntc__recb *b, const char *source, uint64_t export_us, uint64_t default_us);

#endif
