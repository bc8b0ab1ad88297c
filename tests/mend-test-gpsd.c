/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-test-gpsd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "mend-test-logs.h"

#define EARTH_RADIUS_M 6371008.8

/* gpsfake answers SIGTERM by stopping its gpsd and exiting within milliseconds; two seconds
 * means it is stuck (as `gpsfake -1` can be), and the group gets SIGKILL. */
#define STOP_GRACE_MS    2000
#define START_WAIT_MS    10000
#define POLL_INTERVAL_US (20 * 1000)
/* gpsfake runs under `timeout -s KILL`, which kills its whole process group when the time is
 * up: the last guard when the test process itself is killed and cannot clean up. */
#define DEFAULT_LIFETIME_S 300
#define MAX_GROUPS         16

/* Satellites the fake receiver sees; the first ones listed are the ones it uses. */
static const struct
{
  int prn, elevation, azimuth, snr;
} sky[MEND_TEST_NMEA_MAX_SATELLITES] = {
  { 2, 61, 48, 45 },   { 5, 40, 112, 43 }, { 7, 33, 201, 41 },  { 12, 72, 284, 46 },
  { 15, 25, 318, 39 }, { 20, 18, 77, 37 }, { 24, 48, 163, 42 }, { 29, 11, 236, 35 },
};

void
mend_test_nmea_options_init (MendTestNmeaOptions *options)
{
  *options = (MendTestNmeaOptions){
    .start_ms = g_get_real_time () / G_USEC_PER_SEC * 1000,
    .hdop = 0.9,
    .satellites = 8,
    .geoid_separation = 47.0,
  };
}

guint8
mend_test_nmea_checksum (const char *body)
{
  guint8 sum = 0;

  for (const char *p = body; *p != '\0'; p++)
    sum ^= (guint8)*p;
  return sum;
}

/**
 * mend_test_nmea_sentence:
 * @body: what goes between `$` and `*`, such as "GPGSV,1,1,00"
 *
 * Returns: (transfer full): the sentence with its checksum and CR LF.
 */
char *
mend_test_nmea_sentence (const char *body)
{
  return g_strdup_printf ("$%s*%02X\r\n", body, mend_test_nmea_checksum (body));
}

static void
append_sentence (GString *out, const GString *body)
{
  g_autofree char *sentence = mend_test_nmea_sentence (body->str);

  g_string_append (out, sentence);
}

/* NMEA numbers always use a decimal point, whatever the locale. */
static void
append_fixed (GString *body, double value, int decimals)
{
  char format[8];
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    return;
  g_snprintf (format, sizeof format, "%%.%df", decimals);
  g_string_append (body, g_ascii_formatd (buffer, sizeof buffer, format, value));
}

static void
append_time (GString *body, gint64 time_ms)
{
  gint64 day_ms = time_ms % (24 * 3600 * 1000);

  g_string_append_printf (body, "%02d%02d%02d.%02d", (int)(day_ms / 3600000),
                          (int)(day_ms / 60000 % 60), (int)(day_ms / 1000 % 60),
                          (int)(day_ms % 1000 / 10));
}

static void
append_date (GString *body, gint64 time_ms)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (time_ms / 1000);

  g_string_append_printf (body, "%02d%02d%02d", g_date_time_get_day_of_month (dt),
                          g_date_time_get_month (dt), g_date_time_get_year (dt) % 100);
}

/* ddmm.mmmmm: five decimals of minutes keep the position to about 2 cm, so a test can compare
 * what gpsd reports with the point it asked for to 1e-6 degrees (the usual four decimals
 * would round by up to 0.8e-6). Integers avoid a carry like 52°59.999995' printing as 60'. */
static void
append_coordinate (GString *body, double degrees, int degree_digits, char positive, char negative)
{
  gint64 total = llround (fabs (degrees) * 60.0 * 100000.0);
  gint64 whole_degrees = total / (60 * 100000);
  gint64 rest = total % (60 * 100000);

  g_string_append_printf (body, "%0*d%02d.%05d,%c", degree_digits, (int)whole_degrees,
                          (int)(rest / 100000), (int)(rest % 100000),
                          degrees < 0 ? negative : positive);
}

static void
append_position (GString *body, const MendTestPoint *point)
{
  append_coordinate (body, point->latitude, 2, 'N', 'S');
  g_string_append_c (body, ',');
  append_coordinate (body, point->longitude, 3, 'E', 'W');
}

/**
 * mend_test_nmea_append_gga:
 * @point: (nullable): the position, or %NULL with @quality 0 for no fix
 * @quality: 0 no fix, 1 GPS fix, 2 DGPS
 *
 * Global positioning fix data: time, position, quality, satellites, HDOP and altitude.
 */
void
mend_test_nmea_append_gga (GString *out,
                           gint64 time_ms,
                           const MendTestPoint *point,
                           int quality,
                           int satellites,
                           double hdop,
                           double geoid_separation)
{
  g_autoptr (GString) body = g_string_new ("GPGGA,");

  append_time (body, time_ms);
  g_string_append_c (body, ',');
  if (point != NULL && quality > 0)
    {
      append_position (body, point);
      g_string_append_printf (body, ",%d,%02d,", quality, satellites);
      append_fixed (body, hdop, 1);
      g_string_append_c (body, ',');
      append_fixed (body, point->altitude, 1);
      g_string_append (body, ",M,");
      append_fixed (body, geoid_separation, 1);
      g_string_append (body, ",M,,");
    }
  else
    {
      g_string_append_printf (body, ",,,,0,%02d,99.99,,M,,M,,", satellites);
    }
  append_sentence (out, body);
}

/**
 * mend_test_nmea_append_rmc:
 * @point: (nullable): the position (status A), or %NULL for no fix (status V)
 *
 * Recommended minimum data: the only common sentence with the date, so gpsd reports a time
 * only once it has seen one.
 */
void
mend_test_nmea_append_rmc (GString *out, gint64 time_ms, const MendTestPoint *point)
{
  g_autoptr (GString) body = g_string_new ("GPRMC,");

  append_time (body, time_ms);
  if (point != NULL)
    {
      g_string_append (body, ",A,");
      append_position (body, point);
      g_string_append (body, ",0.00,,");
    }
  else
    {
      g_string_append (body, ",V,,,,,,,");
    }
  append_date (body, time_ms);
  g_string_append (body, point != NULL ? ",,,A" : ",,,N");
  append_sentence (out, body);
}

/**
 * mend_test_nmea_append_gsa:
 * @mode: 1 no fix, 2 for 2D, 3 for 3D
 * @satellites: how many are used; their PRNs are the first of the fake sky
 *
 * DOP and active satellites.
 */
void
mend_test_nmea_append_gsa (GString *out, int mode, int satellites, double hdop)
{
  g_autoptr (GString) body = g_string_new (NULL);

  g_string_append_printf (body, "GPGSA,A,%d", mode);
  for (int i = 0; i < 12; i++)
    {
      g_string_append_c (body, ',');
      if (mode >= 2 && i < satellites && i < MEND_TEST_NMEA_MAX_SATELLITES)
        g_string_append_printf (body, "%02d", sky[i].prn);
    }
  if (mode >= 2)
    {
      g_string_append_c (body, ',');
      append_fixed (body, hdop * 1.6, 1);
      g_string_append_c (body, ',');
      append_fixed (body, hdop, 1);
      g_string_append_c (body, ',');
      append_fixed (body, hdop * 1.3, 1);
    }
  else
    {
      g_string_append (body, ",99.99,99.99,99.99");
    }
  append_sentence (out, body);
}

/**
 * mend_test_nmea_append_gsv:
 * @satellites_used: how many of the sky's satellites are used (they get a signal strength)
 *
 * Satellites in view, always two sentences of at least five satellites so every epoch has the
 * same number of sentences. gpsd only counts satellites used once it has seen them here.
 */
void
mend_test_nmea_append_gsv (GString *out, int satellites_used)
{
  int in_view = CLAMP (satellites_used + 2, 5, MEND_TEST_NMEA_MAX_SATELLITES);

  for (int message = 0; message < 2; message++)
    {
      g_autoptr (GString) body = g_string_new (NULL);

      g_string_append_printf (body, "GPGSV,2,%d,%02d", message + 1, in_view);
      for (int i = message * 4; i < MIN (in_view, message * 4 + 4); i++)
        {
          g_string_append_printf (body, ",%02d,%02d,%03d,", sky[i].prn, sky[i].elevation,
                                  sky[i].azimuth);
          /* A satellite that is not tracked has no signal strength. */
          if (i < satellites_used)
            g_string_append_printf (body, "%02d", sky[i].snr);
        }
      append_sentence (out, body);
    }
}

/**
 * mend_test_nmea_append_epoch:
 * @point: (nullable): where the receiver is, or %NULL when it has no fix
 *
 * One second of receiver output, %MEND_TEST_NMEA_SENTENCES_PER_EPOCH sentences.
 */
void
mend_test_nmea_append_epoch (GString *out,
                             gint64 time_ms,
                             const MendTestPoint *point,
                             const MendTestNmeaOptions *options)
{
  int used = point != NULL ? CLAMP (options->satellites, 0, MEND_TEST_NMEA_MAX_SATELLITES) : 0;

  mend_test_nmea_append_gga (out, time_ms, point, point != NULL ? 1 : 0, used, options->hdop,
                             options->geoid_separation);
  mend_test_nmea_append_gsa (out, point != NULL ? 3 : 1, used, options->hdop);
  mend_test_nmea_append_gsv (out, used);
  mend_test_nmea_append_rmc (out, time_ms, point);
}

/**
 * mend_test_nmea_append_pause:
 *
 * A line that makes gpsfake stop for @seconds before going on, while gpsd, its device and
 * its clients stay connected and gpsd sends nothing.
 *
 * gpsfake drops comment lines when it loads a log, except those containing "Date:", and
 * sleeps before playing a line containing "%Delay:", taking the number from the line's second
 * word. gpsd ignores the line itself (a comment). Hence the odd spelling. It must end in a
 * bare LF: with CR LF, as sentences end, gpsfake 3.22 plays on without pausing.
 */
void
mend_test_nmea_append_pause (GString *out, guint seconds)
{
  g_string_append_printf (out, "#%%Delay: %u Date:\n", seconds);
}

/**
 * mend_test_nmea_write_walk:
 * @points: (array length=n_points) (nullable): where the receiver is, one point a second;
 *   only their number counts without a fix
 * @with_fix: %FALSE for a receiver that sees satellites but has no fix
 * @options: (nullable): times, quality and pauses; %NULL for mend_test_nmea_options_init()
 *
 * Writes an NMEA log for gpsfake. Point i is at `options->start_ms + i` seconds.
 */
gboolean
mend_test_nmea_write_walk (const char *path,
                           const MendTestPoint *points,
                           guint n_points,
                           gboolean with_fix,
                           const MendTestNmeaOptions *options,
                           GError **error)
{
  g_autoptr (GString) log = g_string_new (NULL);
  MendTestNmeaOptions defaults;

  g_return_val_if_fail (points != NULL || !with_fix, FALSE);

  if (options == NULL)
    {
      mend_test_nmea_options_init (&defaults);
      options = &defaults;
    }
  if (options->lead_in_s > 0)
    mend_test_nmea_append_pause (log, options->lead_in_s);
  for (guint i = 0; i < n_points; i++)
    mend_test_nmea_append_epoch (log, options->start_ms + (gint64)i * 1000,
                                 with_fix ? &points[i] : NULL, options);
  if (options->pause_after_s > 0)
    mend_test_nmea_append_pause (log, options->pause_after_s);
  return g_file_set_contents (path, log->str, log->len, error);
}

/**
 * mend_test_point_offset:
 *
 * Returns: the point @north_m metres north and @east_m metres east of @from (negative for
 *   south and west), at the same altitude.
 */
MendTestPoint
mend_test_point_offset (const MendTestPoint *from, double north_m, double east_m)
{
  double lat = from->latitude * G_PI / 180.0;

  return (MendTestPoint){
    .latitude = from->latitude + north_m / EARTH_RADIUS_M * 180.0 / G_PI,
    .longitude = from->longitude + east_m / (EARTH_RADIUS_M * cos (lat)) * 180.0 / G_PI,
    .altitude = from->altitude,
  };
}

/* A slow walk round @centre: a supervisor pacing a site. */
void
mend_test_walk_circle (const MendTestPoint *centre,
                       double radius_m,
                       MendTestPoint *out_points,
                       guint n_points)
{
  for (guint i = 0; i < n_points; i++)
    {
      double angle = 2.0 * G_PI * i / n_points;

      out_points[i]
          = mend_test_point_offset (centre, radius_m * cos (angle), radius_m * sin (angle));
      out_points[i].altitude = centre->altitude + 0.1 * i;
    }
}

double
mend_test_distance_m (double lat1, double lon1, double lat2, double lon2)
{
  double p1 = lat1 * G_PI / 180.0, p2 = lat2 * G_PI / 180.0;
  double dp = p2 - p1, dl = (lon2 - lon1) * G_PI / 180.0;
  double a = sin (dp / 2) * sin (dp / 2) + cos (p1) * cos (p2) * sin (dl / 2) * sin (dl / 2);

  return 2.0 * EARTH_RADIUS_M * asin (MIN (1.0, sqrt (a)));
}

/* gpsfake ------------------------------------------------------------------------------- */

struct _MendTestGpsd
{
  char *work_dir;
  char *stderr_path;
  guint16 port;
  char *port_string;
  guint lifetime_s;
  /* `timeout`, leader of the process group that holds gpsfake and its gpsd; 0 when stopped */
  GPid pid;
};

/* The groups alive now, for the signal handler: a failed g_assert() aborts the test before
 * any teardown runs, and gpsfake, in a session of its own, would play on for ever. */
static volatile sig_atomic_t live_groups[MAX_GROUPS];
static volatile sig_atomic_t live_ports[MAX_GROUPS];

/* gpsd keeps its fix data in a System V shared memory segment whose key gpsfake derives from
 * the port, and leaves it behind when it exits: 24 KiB per port ever used, until the system
 * runs out of segments. */
static key_t
shm_key (guint16 port)
{
  return (key_t)(0x47700000 | port);
}

static void
kill_live_groups (int signum)
{
  for (guint i = 0; i < MAX_GROUPS; i++)
    if (live_groups[i] != 0)
      {
        int id = shmget (shm_key (live_ports[i]), 0, 0);

        kill (-(pid_t)live_groups[i], SIGKILL);
        /* Still attached by the dying gpsd: the kernel frees it once gpsd is gone. */
        if (id >= 0)
          shmctl (id, IPC_RMID, NULL);
      }
  signal (signum, SIG_DFL);
  raise (signum);
}

static void
prepare_process_once (void)
{
  static gsize installed = 0;
  static const int signals[] = { SIGABRT, SIGBUS, SIGINT, SIGSEGV, SIGTERM, SIGTRAP };

  if (!g_once_init_enter (&installed))
    return;
  /* gpsd is gpsfake's child, and gpsfake the child of `timeout`: killed together, the
   * orphans would go to init, which reaps when it gets round to it. As a subreaper this
   * process gets them instead and reaps them at once (stop_group()). */
  prctl (PR_SET_CHILD_SUBREAPER, 1);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      struct sigaction action = { .sa_handler = kill_live_groups };

      sigemptyset (&action.sa_mask);
      sigaction (signals[i], &action, NULL);
    }
  g_once_init_leave (&installed, 1);
}

static void
register_group (GPid pid, guint16 port, gboolean live)
{
  for (guint i = 0; i < MAX_GROUPS; i++)
    if (live_groups[i] == (live ? 0 : pid))
      {
        live_ports[i] = port;
        live_groups[i] = live ? pid : 0;
        return;
      }
  g_assert (!live);
}

/**
 * mend_test_free_port:
 *
 * A loopback port nobody listens on right now: the kernel's pick for port 0. Another process
 * could take it before it is used; on a test machine that is rare enough.
 */
guint16
mend_test_free_port (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert (fd >= 0);
  if (bind (fd, (struct sockaddr *)&addr, sizeof addr) != 0
      || getsockname (fd, (struct sockaddr *)&addr, &len) != 0)
    g_error ("Could not find a free port: %s", g_strerror (errno));
  close (fd);
  return ntohs (addr.sin_port);
}

static gboolean
port_answers (guint16 port)
{
  struct sockaddr_in addr = {
    .sin_family = AF_INET,
    .sin_port = htons (port),
    .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
  };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gboolean answers;

  g_assert (fd >= 0);
  answers = connect (fd, (struct sockaddr *)&addr, sizeof addr) == 0;
  close (fd);
  return answers;
}

/**
 * mend_test_wait_listening:
 *
 * Returns: whether something accepted a connection on 127.0.0.1:@port within @timeout_ms.
 */
gboolean
mend_test_wait_listening (guint16 port, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  while (!port_answers (port))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (POLL_INTERVAL_US);
    }
  return TRUE;
}

/**
 * mend_test_gpsd_new:
 * @work_dir: a folder of the test's own: gpsd's control socket and gpsfake's messages go
 *   there
 * @port: where gpsd listens on loopback; 0 for a free port
 */
MendTestGpsd *
mend_test_gpsd_new (const char *work_dir, guint16 port)
{
  MendTestGpsd *self = g_new0 (MendTestGpsd, 1);

  self->work_dir = g_strdup (work_dir);
  self->port = port != 0 ? port : mend_test_free_port ();
  self->port_string = g_strdup_printf ("%u", self->port);
  self->stderr_path = g_strdup_printf ("%s/gpsfake-%u.log", work_dir, self->port);
  self->lifetime_s = DEFAULT_LIFETIME_S;
  return self;
}

/**
 * mend_test_gpsd_set_lifetime:
 *
 * How long a gpsfake started after this may run before it is killed whatever happens
 * (default five minutes).
 */
void
mend_test_gpsd_set_lifetime (MendTestGpsd *self, guint seconds)
{
  self->lifetime_s = seconds;
}

guint16
mend_test_gpsd_get_port (MendTestGpsd *self)
{
  return self->port;
}

const char *
mend_test_gpsd_get_port_string (MendTestGpsd *self)
{
  return self->port_string;
}

/* Runs in the child between fork and exec: only async-signal-safe calls. A session of its own
 * makes gpsfake the leader of a new process group, which its gpsd joins, so one kill() on the
 * group reaches both even when gpsfake itself cannot pass it on. */
static void
child_setup (gpointer user_data)
{
  setsid ();
}

/* Whether gpsfake has exited, without reaping it: until it is reaped its pid, and so the
 * group's number, cannot be given to anyone else. */
static gboolean
leader_exited (MendTestGpsd *self)
{
  siginfo_t info = { 0 };

  if (waitid (P_PID, self->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return TRUE;
  return info.si_pid != 0;
}

gboolean
mend_test_gpsd_is_running (MendTestGpsd *self)
{
  return self->pid != 0 && !leader_exited (self);
}

static char *
read_messages (MendTestGpsd *self)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (self->stderr_path, &text, NULL, NULL))
    return g_strdup ("");
  return g_strstrip (g_steal_pointer (&text));
}

/**
 * mend_test_gpsd_start:
 * @log_path: an NMEA log; gpsfake plays it in a loop
 * @cycle_s: how long gpsfake waits after each sentence
 *
 * Starts `timeout -s KILL LIFETIME gpsfake -q -c CYCLE -P PORT LOG` in a new session and
 * waits until its gpsd accepts connections (about 0.2 s). Starting again after a stop or kill
 * reuses the same port.
 */
gboolean
mend_test_gpsd_start (MendTestGpsd *self, const char *log_path, double cycle_s, GError **error)
{
  g_autofree char *gpsfake = g_find_program_in_path ("gpsfake");
  g_autofree char *lifetime = g_strdup_printf ("%u", self->lifetime_s);
  char cycle[G_ASCII_DTOSTR_BUF_SIZE];
  g_auto (GStrv) envp = g_get_environ ();
  const char *argv[] = {
    "timeout", "-s", "KILL", lifetime,          NULL,     "-q",
    "-c",      NULL, "-P",   self->port_string, log_path, NULL,
  };
  int out_fd;
  gint64 deadline;

  g_return_val_if_fail (self->pid == 0, FALSE);

  prepare_process_once ();
  if (gpsfake == NULL)
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
                   "gpsfake is not installed (Debian package gpsd-clients)");
      return FALSE;
    }
  argv[4] = gpsfake;
  argv[7] = g_ascii_formatd (cycle, sizeof cycle, "%.3f", cycle_s);
  /* gpsfake names gpsd's control socket after its own pid in $TMPDIR and never removes it;
   * in the work folder it goes away with the test's files. */
  envp = g_environ_setenv (g_steal_pointer (&envp), "TMPDIR", self->work_dir, TRUE);

  out_fd = g_open (self->stderr_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (out_fd < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "Could not open %s: %s",
                   self->stderr_path, g_strerror (errno));
      return FALSE;
    }
  if (!g_spawn_async_with_pipes_and_fds (self->work_dir, argv, (const char *const *)envp,
                                         G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                                             | G_SPAWN_STDIN_FROM_DEV_NULL,
                                         child_setup, NULL, -1, out_fd, out_fd, NULL, NULL, 0,
                                         &self->pid, NULL, NULL, NULL, error))
    {
      close (out_fd);
      return FALSE;
    }
  close (out_fd);
  register_group (self->pid, self->port, TRUE);

  deadline = g_get_monotonic_time () + START_WAIT_MS * 1000;
  while (!port_answers (self->port))
    {
      if (leader_exited (self) || g_get_monotonic_time () > deadline)
        {
          g_autofree char *messages = NULL;
          gboolean exited = leader_exited (self);

          mend_test_gpsd_kill (self);
          messages = read_messages (self);
          g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "gpsfake on port %u %s: %s",
                       self->port, exited ? "exited" : "did not listen within 10 s", messages);
          return FALSE;
        }
      g_usleep (POLL_INTERVAL_US);
    }
  return TRUE;
}

/* gpsd's segment for our port is ours to remove once our gpsd is gone. */
static void
remove_shared_memory (MendTestGpsd *self)
{
  struct shmid_ds ds;
  int id = shmget (shm_key (self->port), 0, 0);

  if (id < 0 || shmctl (id, IPC_STAT, &ds) != 0 || ds.shm_nattch != 0)
    return;
  shmctl (id, IPC_RMID, NULL);
}

static void
stop_group (MendTestGpsd *self, gboolean gently)
{
  gint64 deadline;
  int status;

  if (self->pid == 0)
    return;

  if (gently)
    {
      kill (-self->pid, SIGTERM);
      deadline = g_get_monotonic_time () + STOP_GRACE_MS * 1000;
      while (!leader_exited (self) && g_get_monotonic_time () < deadline)
        g_usleep (POLL_INTERVAL_US / 2);
    }
  /* Whatever is left, gpsd included, goes now. The leader is not reaped yet, so the group
   * number still names our group and no one else's. */
  kill (-self->pid, SIGKILL);
  /* Everything in the group is our child by now (this process is a subreaper, see
   * prepare_process_once()): reap it all, so that nothing of it is left, even as a zombie
   * that init would take its time over. */
  deadline = g_get_monotonic_time () + STOP_GRACE_MS * 1000;
  while (kill (-self->pid, 0) == 0 && g_get_monotonic_time () < deadline)
    {
      while (waitpid (-self->pid, &status, WNOHANG) > 0)
        ;
      g_usleep (POLL_INTERVAL_US / 20);
    }
  register_group (self->pid, self->port, FALSE);
  self->pid = 0;
  remove_shared_memory (self);
}

/**
 * mend_test_gpsd_stop:
 *
 * Stops gpsfake and its gpsd: SIGTERM to the group, SIGKILL after two seconds.
 */
void
mend_test_gpsd_stop (MendTestGpsd *self)
{
  stop_group (self, TRUE);
}

/**
 * mend_test_gpsd_kill:
 *
 * Kills gpsfake and its gpsd at once with SIGKILL, as a crash would: clients see the
 * connection drop without a goodbye.
 */
void
mend_test_gpsd_kill (MendTestGpsd *self)
{
  stop_group (self, FALSE);
}

void
mend_test_gpsd_free (MendTestGpsd *self)
{
  if (self == NULL)
    return;
  mend_test_gpsd_stop (self);
  /* Its messages are kept for the search for personal data before the test's folder goes. */
  mend_test_log_keep_file ("gpsfake", self->stderr_path);
  g_free (self->work_dir);
  g_free (self->stderr_path);
  g_free (self->port_string);
  g_free (self);
}
