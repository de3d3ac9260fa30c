/* libntopcore — umbrella header: includes every public header.
 *
 * All public symbols start with ntc_ (functions, types) or NTC_ (macros, enum values).
 */
#ifndef NTOPCORE_NTOPCORE_H
#define NTOPCORE_NTOPCORE_H

#include "version.h"
#include "error.h"
#include "config.h"
#include "flow.h"
#include "host.h"
#include "iface.h"
#include "l7.h"
#include "alert.h"
#include "engine.h"
#include "export.h"
#include "dump.h"
#include "flow_exporter.h"

#endif
