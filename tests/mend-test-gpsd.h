/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A fake GPS for tests and benchmarks: NMEA logs written here, played to a real gpsd by
 * gpsfake on a loopback port of its own.
 *
 * What gpsfake and gpsd 3.22 do, found by trying them:
 * - gpsfake plays the log from the moment it starts, whether or not a client listens, and
 *   without -1 loops it for ever: the end of a log is never the end of the stream. gpsd opens
 *   the fake device only when a client asks to WATCH (up to a second after it connects), so
 *   what was played before is lost.
 * - The first reports after that can be partial: "3D" with no position (a GSA before any GGA),
 *   "2D" with no error estimate (a lone RMC), no time until an RMC brings the date.
 * - A receiver without a fix (GGA quality 0, RMC status V) makes gpsd report mode 1, "no fix":
 *   not a stale fix. Sentences with no position in them (an empty GSV) make gpsd send nothing.
 * - mend_test_nmea_append_pause() holds gpsfake while gpsd and its clients stay connected and
 *   gpsd sends nothing at all: the way to let a fix go stale.
 * - Killing gpsfake alone leaves its gpsd running; killing their process group stops both, and
 *   a new gpsfake listens on the same port about 0.2 s later.
 * - Both leave something behind: gpsfake a control socket in $TMPDIR, gpsd a System V shared
 *   memory segment per port. The harness clears up both. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every epoch (one second of receiver output) is GGA, GSA, two GSV and RMC. gpsfake sleeps
 * its cycle time after each sentence, so a cycle of 1 / this many seconds plays one fix a
 * second. */
#define MEND_TEST_NMEA_SENTENCES_PER_EPOCH 5
#define MEND_TEST_NMEA_MAX_SATELLITES      8

/* Spring Rise Park, the demo site (data/mend-demo.c). */
#define MEND_TEST_PARK_LATITUDE  52.4064
#define MEND_TEST_PARK_LONGITUDE (-0.7061)

typedef struct
{
  double latitude; /* degrees, WGS 84 */
  double longitude;
  double altitude; /* metres above mean sea level */
} MendTestPoint;

typedef struct
{
  gint64 start_ms;         /* UTC time of the first point, a whole second */
  double hdop;             /* horizontal dilution of precision */
  int satellites;          /* satellites used, 0 to MEND_TEST_NMEA_MAX_SATELLITES */
  double geoid_separation; /* metres, ellipsoid above mean sea level */
  guint lead_in_s;         /* pause before the first epoch */
  guint pause_after_s;     /* pause after the last epoch, before the log starts again */
} MendTestNmeaOptions;

void mend_test_nmea_options_init (MendTestNmeaOptions *options);

char *mend_test_nmea_sentence (const char *body);
guint8 mend_test_nmea_checksum (const char *body);
void mend_test_nmea_append_gga (GString *out,
                                gint64 time_ms,
                                const MendTestPoint *point,
                                int quality,
                                int satellites,
                                double hdop,
                                double geoid_separation);
void mend_test_nmea_append_rmc (GString *out, gint64 time_ms, const MendTestPoint *point);
void mend_test_nmea_append_gsa (GString *out, int mode, int satellites, double hdop);
void mend_test_nmea_append_gsv (GString *out, int satellites_used);
void mend_test_nmea_append_epoch (GString *out,
                                  gint64 time_ms,
                                  const MendTestPoint *point,
                                  const MendTestNmeaOptions *options);
void mend_test_nmea_append_pause (GString *out, guint seconds);

gboolean mend_test_nmea_write_walk (const char *path,
                                    const MendTestPoint *points,
                                    guint n_points,
                                    gboolean with_fix,
                                    const MendTestNmeaOptions *options,
                                    GError **error);

MendTestPoint mend_test_point_offset (const MendTestPoint *from, double north_m, double east_m);
void mend_test_walk_circle (const MendTestPoint *centre,
                            double radius_m,
                            MendTestPoint *out_points,
                            guint n_points);
double mend_test_distance_m (double lat1, double lon1, double lat2, double lon2);

/* gpsfake and its gpsd, in a process group of their own. */
typedef struct _MendTestGpsd MendTestGpsd;

guint16 mend_test_free_port (void);
gboolean mend_test_wait_listening (guint16 port, guint timeout_ms);

MendTestGpsd *mend_test_gpsd_new (const char *work_dir, guint16 port);
gboolean
mend_test_gpsd_start (MendTestGpsd *self, const char *log_path, double cycle_s, GError **error);
void mend_test_gpsd_set_lifetime (MendTestGpsd *self, guint seconds);
void mend_test_gpsd_stop (MendTestGpsd *self);
void mend_test_gpsd_kill (MendTestGpsd *self);
gboolean mend_test_gpsd_is_running (MendTestGpsd *self);
guint16 mend_test_gpsd_get_port (MendTestGpsd *self);
const char *mend_test_gpsd_get_port_string (MendTestGpsd *self);
void mend_test_gpsd_free (MendTestGpsd *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendTestGpsd, mend_test_gpsd_free)

G_END_DECLS
