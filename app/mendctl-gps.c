/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include "mend-gps-source.h"
#include "mend-time.h"
#include "mendctl-private.h"

/* `mendctl gps`, and the fix every recording command takes from gpsd. */

/* How long a recording command waits for gpsd's next report when not told to wait for a fix:
 * gpsd reports once a second, so this sees one report without keeping the depot waiting. */
#define REPORT_WAIT_MS 1500

/* How long to wait for a complete fix once a first, partial one has come. */
#define GRACE_MS 1200

typedef struct
{
  GMainLoop *loop;
  MendGpsSource *source;
  gboolean timed_out;
  guint grace_id;
} Waiting;

static gboolean
grace_over_cb (gpointer user_data)
{
  Waiting *w = user_data;

  w->grace_id = 0;
  g_main_loop_quit (w->loop);
  return G_SOURCE_REMOVE;
}

static void
state_changed_cb (MendGpsSource *source, GParamSpec *pspec, gpointer user_data)
{
  Waiting *w = user_data;

  /* The first failed connection is the answer: gpsd is not there. */
  if (mend_gps_source_get_state (source) == MEND_GPS_STATE_DISCONNECTED)
    g_main_loop_quit (w->loop);
}

static void
fix_cb (MendGpsSource *source, gpointer user_data)
{
  Waiting *w = user_data;
  MendFix fix;

  /* gpsd's first report after connecting often lacks the error estimate and the satellite
   * count, which come with the next cycle; a record is worth one more second for them. */
  mend_gps_source_get_fix (source, &fix);
  if (!isnan (fix.horizontal_error) && fix.satellites >= 0)
    g_main_loop_quit (w->loop);
  else if (w->grace_id == 0)
    w->grace_id = g_timeout_add (GRACE_MS, grace_over_cb, w);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Waiting *w = user_data;

  w->timed_out = TRUE;
  g_main_loop_quit (w->loop);
  return G_SOURCE_REMOVE;
}

/* Follows gpsd until it gives a fix, refuses the connection, or @wait_ms passes. */
static MendGpsSource *
follow_gpsd (const char *host, const char *port, guint wait_ms, gboolean *out_timed_out)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  MendGpsSource *source = mend_gps_source_new (host, port);
  Waiting w = { loop, source, FALSE, 0 };
  guint timeout_id;

  g_signal_connect (source, "notify::state", G_CALLBACK (state_changed_cb), &w);
  g_signal_connect (source, "fix", G_CALLBACK (fix_cb), &w);
  timeout_id = g_timeout_add (wait_ms, timeout_cb, &w);
  mend_gps_source_start (source);
  g_main_loop_run (loop);
  if (!w.timed_out)
    g_source_remove (timeout_id);
  g_clear_handle_id (&w.grace_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (source, &w);
  *out_timed_out = w.timed_out;
  return source;
}

static gboolean
parse_address (const char *address, char **host, char **port, GError **error)
{
  return mend_gps_parse_address (address ? address : MEND_GPS_DEFAULT_ADDRESS, host, port, error);
}

/**
 * mendctl_gps_entries:
 * @with_reason: include --reason, for records that may be made outside a site
 *
 * Returns: the options every recording command takes for its fix. --gpsd and --no-gps may
 *   also be given before the command, for every command of a script.
 */
GOptionEntry *
mendctl_gps_entries (MendctlContext *ctx, gboolean with_reason)
{
  static GOptionEntry entries[5];
  guint n = 0;

  entries[n++] = (GOptionEntry){
    .long_name = "gpsd",
    .arg = G_OPTION_ARG_STRING,
    .arg_data = &ctx->gpsd,
    .description = "gpsd to take the fix from (default localhost:2947)",
    .arg_description = "HOST:PORT",
  };
  entries[n++] = (GOptionEntry){
    .long_name = "no-gps",
    .arg = G_OPTION_ARG_NONE,
    .arg_data = &ctx->no_gps,
    .description = "Record without asking gpsd",
  };
  entries[n++] = (GOptionEntry){
    .long_name = "wait-fix",
    .arg = G_OPTION_ARG_INT,
    .arg_data = &ctx->wait_fix,
    .description = "Wait up to this long for a fix first",
    .arg_description = "SECONDS",
  };
  /* `void` has a --reason of its own, for the void. */
  if (with_reason)
    entries[n++] = (GOptionEntry){
      .long_name = "reason",
      .arg = G_OPTION_ARG_STRING,
      .arg_data = &ctx->reason,
      .description = "Why, when recorded outside the site's boundary",
      .arg_description = "TEXT",
    };
  entries[n] = (GOptionEntry){ NULL };
  return entries;
}

/**
 * mendctl_take_fix:
 * @out_fix: (out): the fix for the record, or why there is none
 *
 * Asks gpsd for the fix unless --no-gps was given. Recording never fails for want of a fix:
 * the record says plainly that there was none, and why.
 */
gboolean
mendctl_take_fix (MendctlContext *ctx, MendFix *out_fix, GError **error)
{
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  g_autoptr (MendGpsSource) source = NULL;
  gboolean timed_out = FALSE;
  guint wait_ms = ctx->wait_fix > 0 ? (guint)ctx->wait_fix * 1000 : REPORT_WAIT_MS;

  if (ctx->no_gps)
    {
      mend_fix_init (out_fix, MEND_FIX_STATE_OFF, "recorded with --no-gps");
      return TRUE;
    }
  if (!parse_address (ctx->gpsd, &host, &port, error))
    return FALSE;

  source = follow_gpsd (host, port, wait_ms, &timed_out);
  mend_gps_source_get_fix (source, out_fix);
  if (ctx->wait_fix > 0 && out_fix->state != MEND_FIX_STATE_FIX)
    fprintf (stderr, "mendctl: no fix within %d s (%s); recording without one\n", ctx->wait_fix,
             out_fix->note);
  mend_gps_source_stop (source);
  return TRUE;
}

static void
print_fix_json (const MendFix *fix, MendGpsState state)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  mendctl_builder_add_string (b, "state", mend_gps_state_to_string (state));
  mendctl_builder_add_fix (b, fix, "time");
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  mendctl_print_json (root);
}

static void
print_fix_text (const MendFix *fix, MendGpsState state)
{
  g_autofree char *time = fix->gnss_time_ms ? mend_time_format_ms (fix->gnss_time_ms) : NULL;

  if (!mend_fix_has_position (fix))
    {
      printf ("%s: %s\n", mend_gps_state_to_string (state), fix->note);
      return;
    }
  printf ("%s: %.7f, %.7f", mend_gps_state_to_string (state), fix->latitude, fix->longitude);
  if (!isnan (fix->altitude))
    printf (", altitude %.1f m", fix->altitude);
  if (!isnan (fix->horizontal_error))
    printf (", ±%.1f m", fix->horizontal_error);
  printf (", %dD", fix->mode);
  if (fix->satellites >= 0)
    printf (", %d satellites", fix->satellites);
  if (time != NULL)
    printf (", GNSS time %s", time);
  printf ("\n");
}

int
mendctl_gps (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *address = NULL;
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  g_autoptr (MendGpsSource) source = NULL;
  int wait_fix = 5;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "gpsd", 0, 0, G_OPTION_ARG_STRING, &address, "gpsd (default localhost:2947)", "HOST:PORT" },
    { "wait-fix", 0, 0, G_OPTION_ARG_INT, &wait_fix, "How long to wait for a fix (default 5)",
      "SECONDS" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL },
  };
  GError *error = NULL;
  gboolean timed_out = FALSE;
  MendGpsState state;
  MendFix fix;
  int status;

  if (!mendctl_parse_options ("gps", "", entries, NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (wait_fix < 0)
    return mendctl_usage_error ("gps", "--wait-fix cannot be negative");
  /* `mendctl --gpsd HOST:PORT gps` as well as `mendctl gps --gpsd HOST:PORT`. */
  if (!parse_address (address ? address : ctx->gpsd, &host, &port, &error))
    {
      status = mendctl_usage_error ("gps", "%s", error->message);
      g_error_free (error);
      return status;
    }

  source = follow_gpsd (host, port, (guint)wait_fix * 1000, &timed_out);
  state = mend_gps_source_get_state (source);
  mend_gps_source_get_fix (source, &fix);
  mend_gps_source_stop (source);

  if (state == MEND_GPS_STATE_DISCONNECTED)
    {
      fprintf (stderr, "mendctl: %s\n", fix.note);
      return MENDCTL_EXIT_NO_GPSD;
    }
  if (json)
    print_fix_json (&fix, state);
  else
    print_fix_text (&fix, state);
  return state == MEND_GPS_STATE_FIX ? MENDCTL_EXIT_OK : MENDCTL_EXIT_NO_FIX;
}
