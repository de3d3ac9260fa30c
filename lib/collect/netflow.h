/* Private: NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) message parsing, with the
 * template cache. No sockets here: a datagram and the exporter's address go in, flow records come
 * out through a callback, so the parser is tested and fuzzed on its own.
 *
 * Templates are kept per exporter — (address, port, protocol version, observation domain / source
 * id / v5 engine) — so one exporter's templates never affect another's. Both the exporters and the
 * templates live in seeded hash tables of fixed size with hard caps (collect.max_exporters,
 * collect.max_templates); a template has at most NTC__NF_MAX_FIELDS fields. Exporters and templates
 * not heard from for collect.template_timeout are forgotten (oldest first, looked at on every
 * datagram); at a cap, an exporter or template that cannot be placed is refused and counted.
 * Malformed messages, sets and records are counted in the stats (collect_errors) and skipped. */
#ifndef NTC_LIB_COLLECT_NETFLOW_H
#define NTC_LIB_COLLECT_NETFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "ntopcore/engine.h"
#include "ntopcore/iface.h"

#define NTC__NF_MAX_FIELDS 256

typedef struct ntc__nf ntc__nf;

typedef void (*ntc__record_fn)(void *user, const ntc_flow_record *rec);

typedef struct ntc__nf_limits {
    uint32_t max_exporters;
    uint32_t max_templates;
    uint64_t timeout_us;        /* exporters and templates idle this long are forgotten */
    uint64_t seed;              /* hash seed */
} ntc__nf_limits;

/** Create a parser; counters go to st (collect_messages, collect_errors, collect_lost,
 * collect_no_template, collect_refused), which must outlive it. NULL when out of memory. */
ntc__nf *ntc__nf_new(const ntc__nf_limits *lim, ntc_iface_stats *st);
void ntc__nf_free(ntc__nf *nf);

/** Parse one datagram received from (ip_version, addr, port) at now_us (the receiver's clock, for
 * ageing). Every flow record found goes to fn. Returns the number of records handed to fn, or -1
 * when the datagram was malformed as a whole (counted). */
int ntc__nf_datagram(ntc__nf *nf, int ip_version, const uint8_t *addr, uint16_t port,
                     const uint8_t *d, size_t n, uint64_t now_us, ntc__record_fn fn, void *user);

/** Templates and exporters held now. */
size_t ntc__nf_template_count(const ntc__nf *nf);
size_t ntc__nf_exporter_count(const ntc__nf *nf);

#endif
