/* Private: capture sources through libpcap (files and live interfaces).
 * Not part of the public API. Only lib/capture includes <pcap.h>. */
#ifndef NTC_LIB_CAPTURE_H
#define NTC_LIB_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/** A set of sources read together: files merged in packet-time order, live interfaces polled. */
typedef struct ntc__capture ntc__capture;

/** One packet handed to the consumer. data is valid only during the callback. */
typedef struct ntc__cap_pkt {
    uint64_t ts_us;        /**< microseconds since the epoch */
    uint32_t caplen;
    uint32_t wirelen;
    int linktype;          /**< LINKTYPE_ value (ntc_linktype numbers), not a DLT_ value */
    const uint8_t *data;
} ntc__cap_pkt;

/** Options for live sources. */
typedef struct ntc__live_opts {
    int snaplen;           /**< bytes captured per packet */
    int promisc;           /**< promiscuous mode */
    int buffer_mb;         /**< kernel buffer size in MiB (0: libpcap default) */
} ntc__live_opts;

ntc__capture *ntc__capture_new(void);
void ntc__capture_free(ntc__capture *cap);

/** Open a capture file (pcap or pcapng); filter may be NULL or "". On error returns a negative
 * NTC_E* code and writes a message naming the file into err. */
int ntc__capture_add_file(ntc__capture *cap, const char *path, const char *filter, char *err,
                          size_t errlen);

/** Open a live interface, non-blocking. On error, a negative code and a message naming it. */
int ntc__capture_add_live(ntc__capture *cap, const char *ifname, const ntc__live_opts *opts,
                          const char *filter, char *err, size_t errlen);

/** Sources still open. */
int ntc__capture_count(const ntc__capture *cap);

/** Number of live sources still open. */
int ntc__capture_live_count(const ntc__capture *cap);

/** Deliver up to `budget` packets to fn: file packets in time order across files; live sources
 * are waited on with poll() for at most timeout_ms (0 none, -1 forever) when no file source is
 * open. Returns the number of packets delivered (>= 0), NTC_EOF when no source is left, or a
 * negative error when a source failed (that source is closed, others stay; err says which source
 * and after how many of its packets). Packets delivered before the failure were handed to fn. */
int ntc__capture_poll(ntc__capture *cap, int timeout_ms, unsigned budget,
                      void (*fn)(void *user, const ntc__cap_pkt *pkt), void *user,
                      char *err, size_t errlen);

/** Deliver file packets only up to time limit_us (inclusive); later ones stay pending until the
 * limit is raised. UINT64_MAX (the default) means no limit. Live sources are not affected. Used to
 * replay files at their recorded pace. */
void ntc__capture_set_file_limit(ntc__capture *cap, uint64_t limit_us);

/** Time of the next file packet (the earliest pending one across files, reading ahead one packet
 * per file if needed) into *ts_us. Returns 1 when there is one, 0 when no file packet is left,
 * or a negative error (as ntc__capture_poll(), the failed file is closed). */
int ntc__capture_next_file_ts(ntc__capture *cap, uint64_t *ts_us, char *err, size_t errlen);

/** Kernel counters summed over live sources (also those closed since). */
void ntc__capture_stats(ntc__capture *cap, uint64_t *received, uint64_t *dropped,
                        uint64_t *ifdropped);

/** A source that is not libpcap (a flow collector, lib/collect): a descriptor to wait on and a
 * read function. It is polled with the live sources and counts as one of them. */
typedef struct ntc__ext_ops {
    /** Read what is ready without blocking, handing at most `budget` items to whoever the source
     * feeds. Returns the number of items (>= 0), or a negative NTC_E* code for a fatal error
     * (message in err; the source is then closed). */
    int (*read)(void *ctx, unsigned budget, char *err, size_t errlen);
    /** Free the source (its descriptor included). */
    void (*free)(void *ctx);
} ntc__ext_ops;

/** Add an external source waited on through fd (level-triggered; an edge-triggered descriptor
 * must be read until empty, which the budget may prevent: a read that fills its budget is called
 * again without waiting). Takes ownership of ctx (ops->free on close or error). */
int ntc__capture_add_ext(ntc__capture *cap, const char *name, int fd, const ntc__ext_ops *ops,
                         void *ctx, char *err, size_t errlen);

/** Call fn for every IPv4/IPv6 address of the live interface ifname (network byte order, IPv4 in
 * 4 bytes). Returns the number of addresses, or a negative code. */
int ntc__capture_iface_addresses(const char *ifname,
                                 void (*fn)(void *user, int ip_version, const uint8_t *addr),
                                 void *user);

#endif
