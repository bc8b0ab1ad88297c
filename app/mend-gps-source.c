/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-gps"

#include "config.h"

#include "mend-gps-source.h"

#include <errno.h>
#include <gps.h>
#include <math.h>
#include <string.h>

#include <glib-unix.h>

/* MendGpsSource follows gpsd on the main loop. The connection is made on a worker thread
 * (gps_open() connects a blocking socket, and gpsd may be on another host); after that the
 * socket is non-blocking and every readable wake-up drains all complete messages, because
 * gps_read() parses one line per call. Staleness is a watchdog whose deadline moves with each
 * fix, so following gpsd costs no wake-ups of our own while reports keep coming. */

struct _MendGpsSource
{
  GObject parent_instance;

  char *host;
  char *port;
  guint stale_after;

  gboolean running;
  MendGpsState state;
  char *last_error;
  guint backoff;
  GMainContext *context; /* where start() was called; every source goes there */
  GSource *reconnect;
  GCancellable *connecting;

  struct gps_data_t *gps;
  GSource *watch;

  GSource *watchdog;
  gboolean have_position;
  MendFix position;
  gint64 position_received_us; /* monotonic */
  int satellites_seen;

  guint64 n_messages;
  guint n_connects;
};

G_DEFINE_FINAL_TYPE (MendGpsSource, mend_gps_source, G_TYPE_OBJECT)

G_DEFINE_QUARK (mend_gps_error, mend_gps_error)

G_DEFINE_ENUM_TYPE (MendGpsState,
                    mend_gps_state,
                    G_DEFINE_ENUM_VALUE (MEND_GPS_STATE_DISCONNECTED, "disconnected"),
                    G_DEFINE_ENUM_VALUE (MEND_GPS_STATE_NO_FIX, "no-fix"),
                    G_DEFINE_ENUM_VALUE (MEND_GPS_STATE_FIX, "fix"),
                    G_DEFINE_ENUM_VALUE (MEND_GPS_STATE_STALE, "stale"))

enum
{
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_STATE,
  PROP_STALE_AFTER,
  N_PROPS,
};

enum
{
  SIGNAL_FIX,
  N_SIGNALS,
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

static void connect_now (MendGpsSource *self);

const char *
mend_gps_state_to_string (MendGpsState state)
{
  switch (state)
    {
    case MEND_GPS_STATE_DISCONNECTED:
      return "disconnected";
    case MEND_GPS_STATE_NO_FIX:
      return "no fix";
    case MEND_GPS_STATE_FIX:
      return "fix";
    case MEND_GPS_STATE_STALE:
      return "stale";
    default:
      g_return_val_if_reached ("unknown");
    }
}

/**
 * mend_gps_parse_address:
 * @address: "HOST:PORT", "HOST" (port 2947) or "[IPv6]:PORT"
 *
 * Returns: %TRUE with @out_host and @out_port set, or %FALSE with a clear message.
 */
gboolean
mend_gps_parse_address (const char *address, char **out_host, char **out_port, GError **error)
{
  g_autofree char *host = NULL;
  const char *port = DEFAULT_GPSD_PORT;
  const char *colon;

  if (address == NULL || *address == '\0')
    goto bad;
  if (address[0] == '[')
    {
      const char *end = strchr (address, ']');

      if (end == NULL || end == address + 1)
        goto bad;
      host = g_strndup (address + 1, end - address - 1);
      if (end[1] == ':')
        port = end + 2;
      else if (end[1] != '\0')
        goto bad;
    }
  else if ((colon = strrchr (address, ':')) != NULL)
    {
      host = g_strndup (address, colon - address);
      port = colon + 1;
    }
  else
    host = g_strdup (address);

  if (*host == '\0' || *port == '\0' || strspn (port, "0123456789") != strlen (port)
      || g_ascii_strtoull (port, NULL, 10) == 0 || g_ascii_strtoull (port, NULL, 10) > 65535)
    goto bad;
  *out_host = g_steal_pointer (&host);
  *out_port = g_strdup (port);
  return TRUE;

bad:
  g_set_error (error, MEND_GPS_ERROR, MEND_GPS_ERROR_BAD_ADDRESS,
               "“%s” is not a gpsd address (expected HOST:PORT, such as %s)",
               address ? address : "", MEND_GPS_DEFAULT_ADDRESS);
  return FALSE;
}

static void
set_state (MendGpsSource *self, MendGpsState state)
{
  if (self->state == state)
    return;
  g_debug ("gpsd %s:%s: %s → %s", self->host, self->port, mend_gps_state_to_string (self->state),
           mend_gps_state_to_string (state));
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

static void
set_last_error (MendGpsSource *self, const char *message)
{
  g_free (self->last_error);
  self->last_error = g_strdup (message);
}

/* Only when armed: every change of a ready time wakes the main loop. */
static void
disarm_watchdog (MendGpsSource *self)
{
  if (self->watchdog != NULL && g_source_get_ready_time (self->watchdog) != -1)
    g_source_set_ready_time (self->watchdog, -1);
}

static void
close_connection (MendGpsSource *self)
{
  /* The watch goes first: its fd must not be polled once gps_close() has closed it. */
  if (self->watch != NULL)
    {
      g_source_destroy (self->watch);
      g_clear_pointer (&self->watch, g_source_unref);
    }
  if (self->gps != NULL)
    {
      gps_close (self->gps);
      g_clear_pointer (&self->gps, g_free);
    }
  disarm_watchdog (self);
  self->have_position = FALSE;
}

static gboolean
reconnect_cb (gpointer user_data)
{
  MendGpsSource *self = user_data;

  g_clear_pointer (&self->reconnect, g_source_unref);
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (MendGpsSource *self)
{
  if (!self->running || self->reconnect != NULL)
    return;
  g_debug ("gpsd %s:%s: trying again in %u s", self->host, self->port, self->backoff);
  self->reconnect = g_timeout_source_new_seconds (self->backoff);
  g_source_set_callback (self->reconnect, reconnect_cb, self, NULL);
  g_source_set_name (self->reconnect, "[mend] gpsd reconnect");
  g_source_attach (self->reconnect, self->context);
  self->backoff = MIN (self->backoff * 2, MEND_GPS_RECONNECT_MAX);
}

static void
lose_connection (MendGpsSource *self, const char *why)
{
  close_connection (self);
  set_last_error (self, why);
  set_state (self, MEND_GPS_STATE_DISCONNECTED);
  schedule_reconnect (self);
}

static gint64
timespec_to_ms (const struct timespec *ts)
{
  return (gint64)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

static double
finite_or_nan (double value)
{
  return isfinite (value) ? value : NAN;
}

/* A TPV report: a position when the receiver has a 2D or 3D fix, else "no fix". */
static void
take_report (MendGpsSource *self)
{
  struct gps_fix_t *report = &self->gps->fix;

  if (report->mode < MODE_2D || !isfinite (report->latitude) || !isfinite (report->longitude))
    {
      self->have_position = FALSE;
      disarm_watchdog (self);
      set_state (self, MEND_GPS_STATE_NO_FIX);
      return;
    }

  mend_fix_init (&self->position, MEND_FIX_STATE_FIX, NULL);
  self->position.mode = report->mode >= MODE_3D ? 3 : 2;
  self->position.latitude = report->latitude;
  self->position.longitude = report->longitude;
  self->position.altitude
      = report->mode >= MODE_3D
            ? finite_or_nan (isfinite (report->altMSL) ? report->altMSL : report->altHAE)
            : NAN;
  self->position.horizontal_error = finite_or_nan (report->eph);
  self->position.gnss_time_ms = report->time.tv_sec > 0 ? timespec_to_ms (&report->time) : 0;
  /* A fix from no satellites is not a count worth keeping. */
  self->position.satellites = self->satellites_seen > 0 ? self->satellites_seen : -1;
  self->position_received_us = g_get_monotonic_time ();
  self->have_position = TRUE;

  /* Arm the watchdog only when it is not armed: moving its ready time wakes the main loop,
   * and a fix a second must not cost a wake-up a second. It re-arms itself (see stale_cb()). */
  if (g_source_get_ready_time (self->watchdog) == -1)
    g_source_set_ready_time (self->watchdog, self->position_received_us
                                                 + (gint64)self->stale_after * G_USEC_PER_SEC);
  set_state (self, MEND_GPS_STATE_FIX);
  g_signal_emit (self, signals[SIGNAL_FIX], 0);
}

static gboolean
readable_cb (int fd, GIOCondition condition, gpointer user_data)
{
  MendGpsSource *self = user_data;
  int n;

  /* Drain: each gps_read() parses one line, and several may have arrived in one packet. */
  for (;;)
    {
      self->gps->set = 0;
      n = gps_read (self->gps, NULL, 0);
      if (n <= 0)
        break;
      self->n_messages++;
      if (self->gps->set & SATELLITE_SET)
        self->satellites_seen = self->gps->satellites_used;
      if (self->gps->set & MODE_SET)
        take_report (self);
      if (self->gps == NULL)
        return G_SOURCE_REMOVE; /* a handler stopped us */
    }

  if (n < 0 || (condition & (G_IO_HUP | G_IO_ERR)))
    {
      g_autofree char *why
          = g_strdup_printf ("gpsd at %s:%s closed the connection", self->host, self->port);
      /* Returning G_SOURCE_REMOVE destroys it; only our reference is left to drop. */
      g_clear_pointer (&self->watch, g_source_unref);
      lose_connection (self, why);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
open_in_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  MendGpsSource *self = source_object;
  struct gps_data_t *gps = g_new0 (struct gps_data_t, 1);

  /* Never gps_close() after a failed gps_open(): there is nothing to close. */
  if (gps_open (self->host, self->port, gps) != 0)
    {
      const char *why = gps_errstr (errno);

      g_free (gps);
      g_task_return_new_error (task, MEND_GPS_ERROR, MEND_GPS_ERROR_UNREACHABLE,
                               "gpsd is not reachable at %s:%s (%s)", self->host, self->port, why);
      return;
    }
  if (gps_stream (gps, WATCH_ENABLE | WATCH_JSON, NULL) != 0)
    {
      gps_close (gps);
      g_free (gps);
      g_task_return_new_error (task, MEND_GPS_ERROR, MEND_GPS_ERROR_UNREACHABLE,
                               "gpsd at %s:%s did not accept the watch request", self->host,
                               self->port);
      return;
    }
  g_task_return_pointer (task, gps, NULL);
}

static void
opened_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  MendGpsSource *self = MEND_GPS_SOURCE (object);
  g_autoptr (GError) error = NULL;
  struct gps_data_t *gps = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_task_get_task_data (G_TASK (result)) != self->connecting || !self->running)
    {
      /* Stopped, or restarted, while this attempt was under way. */
      if (gps != NULL)
        {
          gps_close (gps);
          g_free (gps);
        }
      return;
    }
  g_clear_object (&self->connecting);

  if (gps == NULL)
    {
      lose_connection (self, error->message);
      /* Say so even when the state was already "disconnected": whoever waits for the answer
       * to this attempt gets one. */
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
      return;
    }

  self->gps = gps;
  self->backoff = MEND_GPS_RECONNECT_MIN;
  set_last_error (self, NULL);
  g_unix_set_fd_nonblocking (gps->gps_fd, TRUE, NULL);
  {
    g_autoptr (GSource) watch = g_unix_fd_source_new (gps->gps_fd, G_IO_IN | G_IO_HUP | G_IO_ERR);

    /* Not blocked while dispatching, so GLib need not wake the loop to re-add the fd after
     * each message: one wake-up per gpsd message. The callback never recurses into it. */
    g_source_set_can_recurse (watch, TRUE);
    g_source_set_callback (watch, G_SOURCE_FUNC (readable_cb), self, NULL);
    g_source_set_name (watch, "[mend] gpsd");
    g_source_attach (watch, self->context);
    self->watch = g_steal_pointer (&watch);
  }
  set_state (self, MEND_GPS_STATE_NO_FIX);
}

static void
connect_now (MendGpsSource *self)
{
  g_autoptr (GTask) task = NULL;

  self->n_connects++;
  g_clear_object (&self->connecting);
  self->connecting = g_cancellable_new ();
  /* The answer comes back on our context, whichever context runs this. */
  g_main_context_push_thread_default (self->context);
  task = g_task_new (self, self->connecting, opened_cb, NULL);
  g_main_context_pop_thread_default (self->context);
  /* A connection made after a stop is still handed back, so opened_cb() can close it. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_source_tag (task, connect_now);
  g_task_set_task_data (task, g_object_ref (self->connecting), g_object_unref);
  g_task_run_in_thread (task, open_in_thread);
}

static gboolean
watchdog_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs watchdog_funcs = {
  .dispatch = watchdog_dispatch,
};

static gboolean
stale_cb (gpointer user_data)
{
  MendGpsSource *self = user_data;
  gint64 deadline = self->position_received_us + (gint64)self->stale_after * G_USEC_PER_SEC;

  if (!self->have_position || self->state != MEND_GPS_STATE_FIX)
    return G_SOURCE_CONTINUE;
  /* Fixes kept coming since the watchdog was armed: wait for the newest one to age. Setting
   * the ready time from inside our own dispatch does not wake the loop. */
  if (g_get_monotonic_time () < deadline)
    g_source_set_ready_time (self->watchdog, deadline);
  else
    set_state (self, MEND_GPS_STATE_STALE);
  return G_SOURCE_CONTINUE;
}

/**
 * mend_gps_source_start:
 *
 * Starts following gpsd on the thread-default main context: connects, and keeps reconnecting
 * (1 s, then doubling to 30 s) for as long as gpsd is absent.
 */
void
mend_gps_source_start (MendGpsSource *self)
{
  g_return_if_fail (MEND_IS_GPS_SOURCE (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->backoff = MEND_GPS_RECONNECT_MIN;
  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();
  if (self->watchdog == NULL)
    {
      self->watchdog = g_source_new (&watchdog_funcs, sizeof (GSource));
      g_source_set_callback (self->watchdog, stale_cb, self, NULL);
      g_source_set_name (self->watchdog, "[mend] gps staleness");
      g_source_attach (self->watchdog, self->context);
    }
  connect_now (self);
}

/**
 * mend_gps_source_stop:
 *
 * Stops following gpsd and closes the connection; the state becomes disconnected.
 */
void
mend_gps_source_stop (MendGpsSource *self)
{
  g_return_if_fail (MEND_IS_GPS_SOURCE (self));

  self->running = FALSE;
  if (self->connecting != NULL)
    g_cancellable_cancel (self->connecting);
  g_clear_object (&self->connecting);
  if (self->reconnect != NULL)
    {
      g_source_destroy (self->reconnect);
      g_clear_pointer (&self->reconnect, g_source_unref);
    }
  close_connection (self);
  set_state (self, MEND_GPS_STATE_DISCONNECTED);
}

/**
 * mend_gps_source_get_fix:
 * @out_fix: (out): the fix to record, or why there is none
 *
 * Returns: %TRUE when @out_fix holds a position, current or stale.
 */
gboolean
mend_gps_source_get_fix (MendGpsSource *self, MendFix *out_fix)
{
  g_autofree char *note = NULL;

  g_return_val_if_fail (MEND_IS_GPS_SOURCE (self), FALSE);
  g_return_val_if_fail (out_fix != NULL, FALSE);

  switch (self->state)
    {
    case MEND_GPS_STATE_DISCONNECTED:
      note = self->last_error != NULL
                 ? g_strdup (self->last_error)
                 : g_strdup_printf ("not connected to gpsd at %s:%s", self->host, self->port);
      mend_fix_init (out_fix, MEND_FIX_STATE_NO_GPSD, note);
      return FALSE;

    case MEND_GPS_STATE_NO_FIX:
      if (self->satellites_seen > 0)
        note = g_strdup_printf ("the receiver has no fix (%d satellites in use)",
                                self->satellites_seen);
      mend_fix_init (out_fix, MEND_FIX_STATE_NO_FIX, note ? note : "the receiver has no fix yet");
      return FALSE;

    case MEND_GPS_STATE_FIX:
    case MEND_GPS_STATE_STALE:
      *out_fix = self->position;
      out_fix->age_ms = (g_get_monotonic_time () - self->position_received_us) / 1000;
      if (self->state == MEND_GPS_STATE_STALE)
        {
          out_fix->state = MEND_FIX_STATE_STALE;
          g_snprintf (out_fix->note, sizeof out_fix->note,
                      "the last fix is %" G_GINT64_FORMAT " s old (limit %u s)",
                      out_fix->age_ms / 1000, self->stale_after);
        }
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

MendGpsState
mend_gps_source_get_state (MendGpsSource *self)
{
  g_return_val_if_fail (MEND_IS_GPS_SOURCE (self), MEND_GPS_STATE_DISCONNECTED);
  return self->state;
}

guint
mend_gps_source_get_stale_after (MendGpsSource *self)
{
  g_return_val_if_fail (MEND_IS_GPS_SOURCE (self), 0);
  return self->stale_after;
}

/**
 * mend_gps_source_set_stale_after:
 * @seconds: a fix older than this is stale (at least 1)
 */
void
mend_gps_source_set_stale_after (MendGpsSource *self, guint seconds)
{
  g_return_if_fail (MEND_IS_GPS_SOURCE (self));
  g_return_if_fail (seconds >= 1);

  if (self->stale_after == seconds)
    return;
  self->stale_after = seconds;
  if (self->watchdog != NULL && self->have_position)
    g_source_set_ready_time (self->watchdog,
                             self->position_received_us + (gint64)seconds * G_USEC_PER_SEC);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STALE_AFTER]);
}

const char *
mend_gps_source_get_host (MendGpsSource *self)
{
  g_return_val_if_fail (MEND_IS_GPS_SOURCE (self), NULL);
  return self->host;
}

const char *
mend_gps_source_get_port (MendGpsSource *self)
{
  g_return_val_if_fail (MEND_IS_GPS_SOURCE (self), NULL);
  return self->port;
}

/**
 * mend_gps_source_get_n_messages:
 *
 * Returns: how many messages were read from gpsd, for diagnostics and the benchmark.
 */
guint64
mend_gps_source_get_n_messages (MendGpsSource *self)
{
  g_return_val_if_fail (MEND_IS_GPS_SOURCE (self), 0);
  return self->n_messages;
}

/**
 * mend_gps_source_get_n_connects:
 *
 * Returns: how many times a connection to gpsd was attempted.
 */
guint
mend_gps_source_get_n_connects (MendGpsSource *self)
{
  g_return_val_if_fail (MEND_IS_GPS_SOURCE (self), 0);
  return self->n_connects;
}

/**
 * mend_gps_source_new:
 * @host: (nullable): gpsd's host, "localhost" when %NULL
 * @port: (nullable): gpsd's port, "2947" when %NULL
 */
MendGpsSource *
mend_gps_source_new (const char *host, const char *port)
{
  return g_object_new (MEND_TYPE_GPS_SOURCE, "host", host, "port", port, NULL);
}

/**
 * mend_gps_source_new_for_settings:
 * @settings: a #GSettings for the `org.mendapp.Mend` schema
 *
 * Makes a source for the gpsd the app is configured to use. The staleness limit follows the
 * setting as it changes; a new address takes effect with a new source.
 *
 * Returns: (transfer full) (nullable): the source, or %NULL when the address is not valid.
 */
MendGpsSource *
mend_gps_source_new_for_settings (GSettings *settings, GError **error)
{
  g_autofree char *address = g_settings_get_string (settings, "gpsd-address");
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  MendGpsSource *self;

  if (!mend_gps_parse_address (address, &host, &port, error))
    return NULL;
  self = mend_gps_source_new (host, port);
  g_settings_bind (settings, "gps-stale-seconds", self, "stale-after", G_SETTINGS_BIND_GET);
  return self;
}

static void
mend_gps_source_dispose (GObject *object)
{
  MendGpsSource *self = MEND_GPS_SOURCE (object);

  mend_gps_source_stop (self);
  if (self->watchdog != NULL)
    {
      g_source_destroy (self->watchdog);
      g_clear_pointer (&self->watchdog, g_source_unref);
    }
  G_OBJECT_CLASS (mend_gps_source_parent_class)->dispose (object);
}

static void
mend_gps_source_finalize (GObject *object)
{
  MendGpsSource *self = MEND_GPS_SOURCE (object);

  g_free (self->host);
  g_free (self->port);
  g_free (self->last_error);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (mend_gps_source_parent_class)->finalize (object);
}

static void
mend_gps_source_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MendGpsSource *self = MEND_GPS_SOURCE (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_string (value, self->port);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STALE_AFTER:
      g_value_set_uint (value, self->stale_after);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mend_gps_source_set_property (GObject *object,
                              guint prop_id,
                              const GValue *value,
                              GParamSpec *pspec)
{
  MendGpsSource *self = MEND_GPS_SOURCE (object);

  switch (prop_id)
    {
    case PROP_HOST:
      self->host = g_strdup (g_value_get_string (value) ? g_value_get_string (value) : "localhost");
      break;
    case PROP_PORT:
      self->port
          = g_strdup (g_value_get_string (value) ? g_value_get_string (value) : DEFAULT_GPSD_PORT);
      break;
    case PROP_STALE_AFTER:
      mend_gps_source_set_stale_after (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mend_gps_source_class_init (MendGpsSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mend_gps_source_dispose;
  object_class->finalize = mend_gps_source_finalize;
  object_class->get_property = mend_gps_source_get_property;
  object_class->set_property = mend_gps_source_set_property;

  props[PROP_HOST]
      = g_param_spec_string ("host", NULL, NULL, NULL,
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_PORT]
      = g_param_spec_string ("port", NULL, NULL, NULL,
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_STATE]
      = g_param_spec_enum ("state", NULL, NULL, MEND_TYPE_GPS_STATE, MEND_GPS_STATE_DISCONNECTED,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_STALE_AFTER]
      = g_param_spec_uint ("stale-after", NULL, NULL, 1, G_MAXUINT, MEND_GPS_DEFAULT_STALE_AFTER,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * MendGpsSource::fix:
   *
   * A new position arrived; read it with mend_gps_source_get_fix().
   */
  signals[SIGNAL_FIX] = g_signal_new ("fix", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                      NULL, NULL, G_TYPE_NONE, 0);
}

static void
mend_gps_source_init (MendGpsSource *self)
{
  self->stale_after = MEND_GPS_DEFAULT_STALE_AFTER;
  self->state = MEND_GPS_STATE_DISCONNECTED;
  self->satellites_seen = -1;
  mend_fix_init (&self->position, MEND_FIX_STATE_NO_FIX, NULL);
}
