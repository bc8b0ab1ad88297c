/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The device's position, from gpsd through libgps, on the GLib main loop. GLib only. */
#pragma once

#include <gio/gio.h>

#include "mend-fix.h"

G_BEGIN_DECLS

#define MEND_GPS_ERROR (mend_gps_error_quark ())

typedef enum
{
  MEND_GPS_ERROR_BAD_ADDRESS,
  MEND_GPS_ERROR_UNREACHABLE,
  MEND_GPS_ERROR_NO_FIX,
} MendGpsError;

/* Where the source stands; see mend_gps_source_get_state(). */
typedef enum
{
  MEND_GPS_STATE_DISCONNECTED,
  MEND_GPS_STATE_NO_FIX,
  MEND_GPS_STATE_FIX,
  MEND_GPS_STATE_STALE,
} MendGpsState;

#define MEND_GPS_DEFAULT_ADDRESS     "localhost:2947"
#define MEND_GPS_DEFAULT_STALE_AFTER 10 /* seconds */
#define MEND_GPS_RECONNECT_MIN       1  /* seconds */
#define MEND_GPS_RECONNECT_MAX       30 /* seconds */

#define MEND_TYPE_GPS_STATE  (mend_gps_state_get_type ())
#define MEND_TYPE_GPS_SOURCE (mend_gps_source_get_type ())

G_DECLARE_FINAL_TYPE (MendGpsSource, mend_gps_source, MEND, GPS_SOURCE, GObject)

GQuark mend_gps_error_quark (void);
GType mend_gps_state_get_type (void) G_GNUC_CONST;
const char *mend_gps_state_to_string (MendGpsState state);

gboolean
mend_gps_parse_address (const char *address, char **out_host, char **out_port, GError **error);

MendGpsSource *mend_gps_source_new (const char *host, const char *port);
MendGpsSource *mend_gps_source_new_for_settings (GSettings *settings, GError **error);
void mend_gps_source_start (MendGpsSource *self);
void mend_gps_source_stop (MendGpsSource *self);
MendGpsState mend_gps_source_get_state (MendGpsSource *self);
gboolean mend_gps_source_get_fix (MendGpsSource *self, MendFix *out_fix);
guint mend_gps_source_get_stale_after (MendGpsSource *self);
void mend_gps_source_set_stale_after (MendGpsSource *self, guint seconds);
const char *mend_gps_source_get_host (MendGpsSource *self);
const char *mend_gps_source_get_port (MendGpsSource *self);
guint64 mend_gps_source_get_n_messages (MendGpsSource *self);
guint mend_gps_source_get_n_connects (MendGpsSource *self);

G_END_DECLS
