/* libntopcore — error codes.
 *
 * Every function that can fail returns an int: 0 on success, a negative NTC_E* code on failure.
 * Codes are append-only: a value, once published, never changes meaning. Handles keep a message
 * with detail about their last error (ntc_engine_errmsg(), ntc_config_errmsg()).
 *
 * Thread-safety: ntc_strerror() may be called from any thread.
 */
#ifndef NTOPCORE_ERROR_H
#define NTOPCORE_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/** Result codes. 0 is success; all errors are negative. */
typedef enum ntc_error {
    NTC_OK = 0,           /**< success */
    NTC_EINVAL = -1,      /**< an argument is invalid (NULL handle, bad value) */
    NTC_ENOMEM = -2,      /**< out of memory */
    NTC_EIO = -3,         /**< an input/output operation failed (open, read, capture) */
    NTC_EFORMAT = -4,     /**< input data is malformed (corrupt capture file, bad config line) */
    NTC_ENOTSUP = -5,     /**< not supported (unknown link type, feature not built in) */
    NTC_ERANGE = -6,      /**< a value is outside the allowed bounds */
    NTC_ENOKEY = -7,      /**< unknown configuration key */
    NTC_ETYPE = -8,       /**< configuration value of the wrong type */
    NTC_EOF = -9,         /**< no more input: every source has finished */
    NTC_EFULL = -10,      /**< a configured limit was reached */
    NTC_ESTATE = -11      /**< the call is not valid in the object's current state */
} ntc_error;

/** A short, static English description of an NTC_E* code (or "unknown error"). Never NULL. */
const char *ntc_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
