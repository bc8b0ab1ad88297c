/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <stdio.h>

#include "mend-store-clock.h"
#include "mend-sync-engine.h"
#include "mend-sync-token.h"
#include "mend-time.h"
#include "mendctl-private.h"

/* mendctl enrol and sync: the same engine the app runs, on a main loop of its own, for a depot
 * dock or a timer. `status` shows the same counts through mendctl_sync_status_*(). */

typedef struct
{
  GMainLoop *loop;
  GAsyncResult *result;
} Waiter;

static void
done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->result = g_object_ref (result);
  g_main_loop_quit (waiter->loop);
}

static void
waiter_run (Waiter *waiter)
{
  waiter->loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (waiter->loop);
  g_main_loop_unref (waiter->loop);
}

static int
sync_exit_for_error (GError *error)
{
  int code = MENDCTL_EXIT_STORE;

  if (error->domain == MEND_SYNC_ERROR)
    switch (error->code)
      {
      case MEND_SYNC_ERROR_BAD_URL:
        code = MENDCTL_EXIT_USAGE;
        break;
      case MEND_SYNC_ERROR_NETWORK:
      case MEND_SYNC_ERROR_NOT_PROTOCOL:
      case MEND_SYNC_ERROR_UNAVAILABLE:
        code = MENDCTL_EXIT_WAITING;
        break;
      case MEND_SYNC_ERROR_REFUSED:
      case MEND_SYNC_ERROR_DEMO_STORE:
        code = MENDCTL_EXIT_REFUSED;
        break;
      case MEND_SYNC_ERROR_UNAUTHORIZED:
      case MEND_SYNC_ERROR_NOT_ENROLLED:
      case MEND_SYNC_ERROR_TOKEN_FILE:
        code = MENDCTL_EXIT_REENROL;
        break;
      default:
        break;
      }
  fprintf (stderr, "mendctl: %s\n", error->message);
  g_error_free (error);
  return code;
}

int
mendctl_enrol (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *hq = NULL;
  g_autofree char *code = NULL;
  g_autofree char *name = NULL;
  g_autofree char *ca_file = NULL;
  g_autoptr (MendSyncEngine) engine = NULL;
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autofree char *token_path = NULL;
  Waiter waiter = { 0 };
  GError *error = NULL;
  int status;
  GOptionEntry entries[] = {
    { "hq", 0, 0, G_OPTION_ARG_STRING, &hq, "HQ's address (https://…)", "URL" },
    { "code", 0, 0, G_OPTION_ARG_STRING, &code, "The one-time enrolment code", "CODE" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "How HQ shows this device", "NAME" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Trust these CAs for HQ", "FILE" },
    { NULL },
  };

  if (!mendctl_parse_options ("enrol", "--hq URL --code CODE", entries, NULL, &argc, &argv, 0, 0,
                              &status))
    return status;
  if (hq == NULL || code == NULL)
    return mendctl_usage_error ("enrol", "--hq and --code are required");
  if (mendctl_open_store (ctx, &error) == NULL)
    return mendctl_fail (error);

  engine = mend_sync_engine_new (ctx->store);
  mend_sync_engine_enrol_async (engine, hq, code, name, ca_file, NULL, done_cb, &waiter);
  waiter_run (&waiter);
  enrolment = mend_sync_engine_enrol_finish (engine, waiter.result, &error);
  g_clear_object (&waiter.result);
  if (enrolment == NULL)
    return sync_exit_for_error (error);

  token_path = mend_sync_token_path (mend_store_get_path (ctx->store));
  printf ("Enrolled device %s with %s, team %s (%s).\n"
          "Its token is in %s, readable by you only.\n",
          mend_store_get_device_id (ctx->store), enrolment->hq_url, enrolment->team_name,
          enrolment->team_id, token_path);
  return MENDCTL_EXIT_OK;
}

static void
add_counts (JsonBuilder *b, const MendSyncCounts *counts)
{
  mendctl_builder_add_int (b, "events_pending", counts->events_pending);
  mendctl_builder_add_int (b, "events_parked", counts->events_parked);
  mendctl_builder_add_int (b, "events_acknowledged", counts->events_acknowledged);
  mendctl_builder_add_int (b, "photos_waiting", counts->photos_waiting);
  mendctl_builder_add_int (b, "photos_uploaded", counts->photos_uploaded);
  mendctl_builder_add_int (b, "photos_held", counts->photos_held);
  mendctl_builder_add_int (b, "photos_problem", counts->photos_problem);
  mendctl_builder_add_int (b, "bytes_waiting", counts->bytes_waiting);
  json_builder_set_member_name (b, "parked");
  json_builder_begin_array (b);
  for (guint i = 0; i < counts->parked->len; i++)
    {
      const MendSyncParked *p = g_ptr_array_index (counts->parked, i);

      json_builder_begin_object (b);
      mendctl_builder_add_int (b, "seq", p->seq);
      mendctl_builder_add_string (b, "id", p->event_id);
      mendctl_builder_add_string (b, "kind", p->kind);
      mendctl_builder_add_string (b, "message", p->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "photo_problems");
  json_builder_begin_array (b);
  for (guint i = 0; i < counts->problems->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (counts->problems, i));
  json_builder_end_array (b);
}

static void
print_counts (const MendSyncCounts *counts)
{
  printf ("Waiting:      %" G_GINT64_FORMAT " events, %" G_GINT64_FORMAT
          " photos (%" G_GINT64_FORMAT " bytes)\n"
          "HQ holds:     %" G_GINT64_FORMAT " events, %" G_GINT64_FORMAT " photos\n",
          counts->events_pending, counts->photos_waiting, counts->bytes_waiting,
          counts->events_acknowledged, counts->photos_uploaded);
  if (counts->events_parked > 0)
    printf ("Refused:      %" G_GINT64_FORMAT " events parked with HQ's reason\n",
            counts->events_parked);
  for (guint i = 0; i < counts->parked->len; i++)
    {
      const MendSyncParked *p = g_ptr_array_index (counts->parked, i);

      printf ("  seq %" G_GINT64_FORMAT " %s (%s): %s\n", p->seq, p->kind, p->event_id, p->message);
    }
  if (counts->photos_held > 0)
    printf ("Held back:    %" G_GINT64_FORMAT " photos whose events HQ refused\n",
            counts->photos_held);
  for (guint i = 0; i < counts->problems->len; i++)
    printf ("Photo problem: %s\n", (const char *)g_ptr_array_index (counts->problems, i));
}

static int
exit_for_state (MendSyncState state)
{
  switch (state)
    {
    case MEND_SYNC_STATE_COMPLETE:
      return MENDCTL_EXIT_OK;
    case MEND_SYNC_STATE_WAITING:
      return MENDCTL_EXIT_WAITING;
    case MEND_SYNC_STATE_PARKED:
      return MENDCTL_EXIT_PARKED;
    case MEND_SYNC_STATE_REENROL:
      return MENDCTL_EXIT_REENROL;
    default:
      g_assert_not_reached ();
    }
}

int
mendctl_sync (MendctlContext *ctx, int argc, char **argv)
{
  g_autoptr (MendSyncEngine) engine = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  Waiter waiter = { 0 };
  GError *error = NULL;
  gboolean json = FALSE;
  int batch = MEND_SYNC_DEFAULT_BATCH;
  int timeout = 30;
  int status;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the report as JSON", NULL },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Events per request (1–500)", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      "Give up on HQ after this many seconds without progress", "S" },
    { NULL },
  };

  if (!mendctl_parse_options ("sync", "", entries, NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (batch < 1 || batch > 500 || timeout < 1)
    return mendctl_usage_error ("sync", "--batch is 1 to 500 and --timeout at least 1");
  if (mendctl_open_store (ctx, &error) == NULL)
    return mendctl_fail (error);

  engine = mend_sync_engine_new (ctx->store);
  mend_sync_engine_set_batch_size (engine, batch);
  mend_sync_engine_set_timeouts (engine, timeout, timeout);
  mend_sync_engine_run_async (engine, NULL, done_cb, &waiter);
  waiter_run (&waiter);
  report = mend_sync_engine_run_finish (engine, waiter.result, &error);
  g_clear_object (&waiter.result);
  if (report == NULL)
    return sync_exit_for_error (error);

  if (report->clock_warning)
    fprintf (stderr,
             "mendctl: warning: this device's clock is %" G_GINT64_FORMAT
             " s off HQ's; set it right, or records will carry a wrong time\n",
             report->clock_skew_ms / 1000);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (b);
      mendctl_builder_add_string (b, "state", mend_sync_state_to_string (report->state));
      mendctl_builder_add_int (b, "acknowledged_now", report->events_acknowledged);
      mendctl_builder_add_int (b, "parked_now", report->events_parked);
      mendctl_builder_add_int (b, "photos_uploaded_now", report->photos_uploaded);
      mendctl_builder_add_int (b, "purge_runs_reported_now", report->purge_runs_sent);
      mendctl_builder_add_int (b, "bytes_sent", (gint64)report->bytes_sent);
      json_builder_set_member_name (b, "manifest_applied");
      json_builder_add_boolean_value (b, report->manifest_applied);
      mendctl_builder_add_string (b, "stopped", report->stopped);
      mendctl_builder_add_int (b, "retry_after_s", report->retry_after_s);
      json_builder_set_member_name (b, "clock_skew_ms");
      if (report->has_clock_skew)
        json_builder_add_int_value (b, report->clock_skew_ms);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "clock_warning");
      json_builder_add_boolean_value (b, report->clock_warning);
      add_counts (b, report->counts);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      mendctl_print_json (root);
    }
  else
    {
      printf ("Sync:         %s\n"
              "This pass:    %" G_GINT64_FORMAT " events acknowledged, %" G_GINT64_FORMAT
              " parked, %" G_GINT64_FORMAT " photos sent%s\n",
              mend_sync_state_to_string (report->state), report->events_acknowledged,
              report->events_parked, report->photos_uploaded,
              report->manifest_applied ? ", reference data pulled" : "");
      print_counts (report->counts);
      if (report->stopped != NULL)
        printf ("Stopped:      %s\n", report->stopped);
    }
  return exit_for_state (report->state);
}

/**
 * mendctl_sync_status_json:
 *
 * Adds a "sync" member to `mendctl status --json`: the enrolment and the same counts as
 * `mendctl sync`.
 */
void
mendctl_sync_status_json (MendStore *store, JsonBuilder *b)
{
  g_autoptr (MendSyncEnrolment) e = mend_store_sync_get_enrolment (store, NULL);
  g_autoptr (MendSyncCounts) counts = mend_store_sync_get_counts (store, NULL);

  json_builder_set_member_name (b, "sync");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "enrolled");
  json_builder_add_boolean_value (b, e != NULL);
  if (e != NULL)
    {
      mendctl_builder_add_string (b, "hq", e->hq_url);
      mendctl_builder_add_string (b, "team_id", e->team_id);
      mendctl_builder_add_string (b, "team_name", e->team_name);
      json_builder_set_member_name (b, "reenrol_needed");
      json_builder_add_boolean_value (b, e->reenrol_needed);
      mendctl_builder_add_time (b, "last_success", e->last_success_ms);
      mendctl_builder_add_time (b, "last_attempt", e->last_attempt_ms);
      mendctl_builder_add_string (b, "last_error", e->last_error);
      mendctl_builder_add_time (b, "manifest_at", e->manifest_at_ms);
      json_builder_set_member_name (b, "clock_skew_ms");
      if (e->has_clock_skew)
        json_builder_add_int_value (b, e->clock_skew_ms);
      else
        json_builder_add_null_value (b);
    }
  if (counts != NULL)
    add_counts (b, counts);
  json_builder_end_object (b);
}

void
mendctl_sync_status_text (MendStore *store)
{
  g_autoptr (MendSyncEnrolment) e = mend_store_sync_get_enrolment (store, NULL);
  g_autoptr (MendSyncCounts) counts = mend_store_sync_get_counts (store, NULL);

  if (e == NULL)
    printf ("HQ:           not enrolled\n");
  else
    {
      g_autofree char *success
          = e->last_success_ms > 0 ? mend_time_format_ms (e->last_success_ms) : g_strdup ("never");

      printf ("HQ:           %s, team %s%s\n"
              "Last sync:    %s\n",
              e->hq_url, e->team_name, e->reenrol_needed ? " (must enrol again)" : "", success);
      if (e->last_error != NULL)
        printf ("Last stop:    %s\n", e->last_error);
      if (e->has_clock_skew && ABS (e->clock_skew_ms) > MEND_CLOCK_SKEW_LIMIT_MS)
        {
          g_autofree char *off = mend_clock_describe_skew (e->clock_skew_ms);

          printf ("Clock:        %s against HQ's at the last sync\n", off);
        }
    }
  if (counts != NULL)
    print_counts (counts);
}
