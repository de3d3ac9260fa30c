/* libntopcore — configuration.
 *
 * A configuration is a set of dotted keys ("flow.idle_timeout", "host.local_networks", ...) with
 * typed values. Every key is described by one option table (name, type, default, bounds, one-line
 * doc) which the library publishes through ntc_config_option_count()/ntc_config_option_at(), so
 * tools, bindings and docs are driven by the same list. Unknown keys and out-of-range values are
 * errors whose message (ntc_config_errmsg()) names the key.
 *
 * Ownership: strings passed in are copied. Strings returned are borrowed: they stay valid until the
 * next call that modifies the configuration, or ntc_config_free().
 * Thread-safety: a configuration may be used by one thread at a time. The option table functions
 * may be called from any thread. An engine copies the configuration it is created with.
 */
#ifndef NTOPCORE_CONFIG_H
#define NTOPCORE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque configuration handle. */
typedef struct ntc_config ntc_config;

/** Value types of configuration options. */
typedef enum ntc_config_type {
    NTC_CONFIG_INT = 1,    /**< signed 64-bit integer with inclusive bounds */
    NTC_CONFIG_BOOL = 2,   /**< true/false (also accepted as text: 1/0, yes/no, on/off) */
    NTC_CONFIG_STRING = 3  /**< free text (e.g. a list of networks, a BPF filter) */
} ntc_config_type;

/** Description of one option, as returned by ntc_config_option_at(). All strings are static. */
typedef struct ntc_config_option {
    const char *key;           /**< dotted key, e.g. "flow.idle_timeout" */
    ntc_config_type type;      /**< value type */
    int64_t def_int;           /**< default for INT and BOOL options */
    int64_t min;               /**< inclusive lower bound (INT) */
    int64_t max;               /**< inclusive upper bound (INT) */
    const char *def_string;    /**< default for STRING options ("" when empty) */
    const char *unit;          /**< unit for INT options ("s", "ms", "flows", ...) or "" */
    const char *doc;           /**< one-line description */
} ntc_config_option;

/** Number of options in the option table. */
size_t ntc_config_option_count(void);

/** The option at index i (0 <= i < count), or NULL when out of range. The pointer is static. */
const ntc_config_option *ntc_config_option_at(size_t i);

/** The option named key, or NULL if no such option exists. */
const ntc_config_option *ntc_config_option_find(const char *key);

/** Create a configuration holding every option's default. Returns NULL only when out of memory. */
ntc_config *ntc_config_new(void);

/** Free a configuration. ntc_config_free(NULL) is a no-op. */
void ntc_config_free(ntc_config *cfg);

/** Set an INT option. NTC_ENOKEY, NTC_ETYPE or NTC_ERANGE on error (see ntc_config_errmsg());
 * NTC_EINVAL for a NULL configuration or key (also for the other setters). */
int ntc_config_set_int(ntc_config *cfg, const char *key, int64_t value);

/** Set a BOOL option (value is 0 or 1). */
int ntc_config_set_bool(ntc_config *cfg, const char *key, int value);

/** Set a STRING option. The string is copied. Values are checked where the option has a syntax
 * (for example host.local_networks must be a comma-separated list of CIDR networks). */
int ntc_config_set_string(ntc_config *cfg, const char *key, const char *value);

/** Set any option from its text form, parsing according to the option's type. */
int ntc_config_set(ntc_config *cfg, const char *key, const char *text);

/** Read an INT or BOOL option into *out. NTC_ENOKEY for an unknown key, NTC_ETYPE for a STRING
 * option, NTC_EINVAL for NULL arguments. */
int ntc_config_get_int(const ntc_config *cfg, const char *key, int64_t *out);

/** Read a STRING option. Returns NULL if the key is unknown or not a string. Borrowed. */
const char *ntc_config_get_string(const ntc_config *cfg, const char *key);

/** Load a "key = value" file: one setting per line, '#' starts a comment, blank lines ignored,
 * values may be double-quoted. Stops at the first bad line; the error message names the file,
 * the line number and the key. Settings before the bad line stay applied. */
int ntc_config_load_file(ntc_config *cfg, const char *path);

/** Message describing the last error on this configuration ("" if none). Borrowed. */
const char *ntc_config_errmsg(const ntc_config *cfg);

#ifdef __cplusplus
}
#endif
#endif
