/* Private: the packet dumper's outputs — rotated pcap/pcapng files within a ring budget (files.c)
 * and a TAP interface (tap.c). Selection, held packets and marks are in dump.c. */
#ifndef NTC_LIB_DUMP_H
#define NTC_LIB_DUMP_H

#include <stddef.h>
#include <stdint.h>

/* ---- files ---- */

typedef struct ntc__dump_files ntc__dump_files;

typedef struct ntc__dump_files_cfg {
    const char *pattern;     /* strftime pattern */
    int pcapng;
    uint32_t snaplen;        /* written in the file headers (the packets are already cut) */
    uint64_t file_packets;   /* 0: no limit (same for the others) */
    uint64_t file_us;
    uint64_t file_bytes;
    uint64_t ring_files;
    uint64_t ring_bytes;
} ntc__dump_files_cfg;

/** Counters of the file output. */
typedef struct ntc__dump_files_stats {
    uint64_t opened, deleted, bytes, ring_files, ring_bytes, ring_peak, too_big;
} ntc__dump_files_stats;

/** Check the configuration (the pattern expands) and create the writer; no file is opened yet.
 * On error returns NTC_EINVAL/NTC_ENOMEM with a message in err. */
int ntc__dump_files_new(ntc__dump_files **out, const ntc__dump_files_cfg *c, char *err,
                        size_t errlen);

/** Write one packet (data already cut to the snaplen: caplen <= wirelen). Rotates and keeps the
 * ring as configured. Returns 0 written, 1 dropped (a file holding only this packet would exceed
 * the ring budget), or NTC_EIO (message in err; the writer then refuses every write). */
int ntc__dump_files_write(ntc__dump_files *w, uint64_t ts_us, int linktype, const uint8_t *data,
                          uint32_t caplen, uint32_t wirelen, char *err, size_t errlen);

/** Close the current file (the next write opens a new one). 0 or NTC_EIO. */
int ntc__dump_files_close(ntc__dump_files *w, char *err, size_t errlen);

/** Close and free (errors of the final close are lost: call ntc__dump_files_close first). */
void ntc__dump_files_free(ntc__dump_files *w);

void ntc__dump_files_stats_get(const ntc__dump_files *w, ntc__dump_files_stats *st);

/** Name of the current file, or "". */
const char *ntc__dump_files_current(const ntc__dump_files *w);

/* ---- TAP ---- */

typedef struct ntc__dump_tap ntc__dump_tap;

/** Open (create if missing) the TAP interface `name` and bring it up. NTC_EIO/NTC_ENOTSUP/
 * NTC_EINVAL/NTC_ENOMEM with a message in err. */
int ntc__dump_tap_open(ntc__dump_tap **out, const char *name, char *err, size_t errlen);

/** Send one frame as Ethernet (dir 0: from the client, 1: from the server, -1: unknown). Never
 * blocks. 0 sent, -1 refused or not convertible to Ethernet. */
int ntc__dump_tap_send(ntc__dump_tap *t, int dir, int linktype, const uint8_t *data,
                       uint32_t caplen);

void ntc__dump_tap_close(ntc__dump_tap *t);

#endif
