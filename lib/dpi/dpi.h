/* Private: application classification with nDPI. This folder is the only place that includes nDPI
 * headers; the rest of the library sees our stable ids (l7_tables.h), names and metadata.
 *
 * Per flow, nDPI's state exists only while the flow is being classified: it is created with the
 * flow's first packet, fed until the verdict is complete (or a give-up limit), then the results
 * (ids, category, breed, risks, metadata strings) are copied into the flow and nDPI's state freed. */
#ifndef NTC_LIB_DPI_H
#define NTC_LIB_DPI_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"

struct ntc_config;
struct ntc_flow;

/** One engine's classifier (an nDPI detection module plus our id maps). */
typedef struct ntc__dpi ntc__dpi;

/** Per-flow classification state (wraps nDPI's flow struct). */
typedef struct ntc__dpi_flow ntc__dpi_flow;

/** Result fields kept in every flow (24 bytes). Ids are ours (l7_tables.h). */
typedef struct ntc__flow_l7 {
    uint16_t master, app;     /* application ids; 0 = Unknown */
    uint16_t category;        /* category id */
    uint8_t breed;            /* ntc_l7_breed */
    uint8_t how;              /* ntc_l7_how */
    uint16_t risk_score;
    uint16_t dpi_packets;     /* packets given to nDPI */
    uint32_t pad;
    uint64_t risk;            /* bitmap of risk ids */
} ntc__flow_l7;

/** Metadata strings of a flow, stored in one allocation. */
typedef struct ntc__flow_meta {
    uint16_t count;
    uint16_t size;            /* bytes of the whole block */
    struct {
        uint8_t key;          /* ntc_meta */
        uint8_t pad;
        uint16_t off;         /* offset of the NUL-terminated value from the block start */
    } ent[];
} ntc__flow_meta;

/** Create the classifier from the dpi.* keys (protocols/categories files are loaded here). On
 * error returns a negative code and writes a message naming the file/key into err. */
int ntc__dpi_new(ntc__dpi **out, const struct ntc_config *cfg, char *err, size_t errlen);
void ntc__dpi_free(ntc__dpi *d);

/** Feed one packet of a flow still being classified (f->dpi != NULL). dir 0 = client->server.
 * Returns 1 when the verdict became final (f->dpi is then NULL and f->l7 / f->meta are set). */
int ntc__dpi_packet(ntc__dpi *d, struct ntc_flow *f, const ntc__pkt *p, uint64_t ts_us);

/** End classification now (flow ending, flush): give up, guess, keep the results. */
void ntc__dpi_finish(ntc__dpi *d, struct ntc_flow *f);

/** Start classification of a new flow (allocates nDPI state). 0, or NTC_ENOMEM (the flow then
 * stays unclassified). */
int ntc__dpi_flow_start(ntc__dpi *d, struct ntc_flow *f);

/** Free the per-flow DPI state and metadata (flow removal). */
void ntc__dpi_flow_release(struct ntc_flow *f);

/** Deep-copy the metadata of src into dst (snapshots). 0 or NTC_ENOMEM. */
int ntc__dpi_meta_dup(struct ntc_flow *dst, const struct ntc_flow *src);

/** Value of a metadata key, or NULL. */
const char *ntc__meta_get(const ntc__flow_meta *m, int key);

/** Bytes of nDPI's per-flow state (what a flow costs while it is being classified). */
size_t ntc__dpi_state_bytes(void);

/** Score nDPI gives one risk id alone (0 for ids it does not know). */
uint16_t ntc__dpi_risk_score(unsigned risk);

/** Default category id of application `id` (custom protocols included); 0 when unknown or d is
 * NULL (DPI off). Linear in the number of protocols: for set-up, not per packet. */
uint16_t ntc__dpi_app_category(const ntc__dpi *d, uint16_t id);
/* nDPI's breed (ntc breed numbering) of one of our application ids, or -1 when unknown. */
int ntc__dpi_app_breed(const ntc__dpi *d, uint16_t id);

/** Number of application ids known to this classifier (frozen table + custom protocols). */
uint16_t ntc__dpi_app_count(const ntc__dpi *d);

/** Name of an application id, including custom protocols loaded by this classifier. */
const char *ntc__dpi_app_name(const ntc__dpi *d, uint16_t id);

#endif
