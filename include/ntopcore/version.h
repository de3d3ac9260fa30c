/* libntopcore — version macros and run-time version query.
 *
 * Thread-safety: every function here may be called from any thread at any time.
 */
#ifndef NTOPCORE_VERSION_H
#define NTOPCORE_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

/** Major version. The ABI (soname libntopcore.so.0) stays stable within a major version. */
#define NTC_VERSION_MAJOR 0
/** Minor version: grows when API is added. */
#define NTC_VERSION_MINOR 1
/** Patch version: grows with fixes only. */
#define NTC_VERSION_PATCH 0
/** The version as one comparable number: major * 10000 + minor * 100 + patch. */
#define NTC_VERSION_NUMBER (NTC_VERSION_MAJOR * 10000 + NTC_VERSION_MINOR * 100 + NTC_VERSION_PATCH)

/** Version number of the library actually linked (compare with NTC_VERSION_NUMBER). */
int ntc_version(void);

/** Version of the linked library as a static string, e.g. "0.1.0". Never NULL. */
const char *ntc_version_string(void);

#ifdef __cplusplus
}
#endif
#endif
