/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include "mend-storage-check.h"
#include "mend-store-clock.h"
#include "mend-time.h"
#include "mendctl-private.h"

/* Commands that read: plain text for people, --json for scripts. */

static GOptionEntry *
json_entries (gboolean *json)
{
  static GOptionEntry entries[2];

  entries[0] = (GOptionEntry){ "json", 0, 0, G_OPTION_ARG_NONE, json, "Print JSON", NULL };
  entries[1] = (GOptionEntry){ NULL };
  return entries;
}

int
mendctl_sites (MendctlContext *ctx, int argc, char **argv)
{
  g_autoptr (GPtrArray) sites = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) root = NULL;
  GError *error = NULL;
  gboolean json = FALSE;
  int status;

  if (!mendctl_parse_options ("sites", "", json_entries (&json), NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || (sites = mend_store_list_sites (ctx->store, &error)) == NULL)
    return mendctl_fail (error);

  if (!json)
    {
      for (guint i = 0; i < sites->len; i++)
        {
          MendSite *site = g_ptr_array_index (sites, i);
          printf ("%-24s %s%s\n", site->id, site->name, site->demo ? " (demo outline)" : "");
        }
      return MENDCTL_EXIT_OK;
    }

  b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < sites->len; i++)
    {
      MendSite *site = g_ptr_array_index (sites, i);
      JsonNode *boundary = json_from_string (site->boundary, NULL);

      json_builder_begin_object (b);
      mendctl_builder_add_string (b, "id", site->id);
      mendctl_builder_add_string (b, "name", site->name);
      mendctl_builder_add_string (b, "address", site->address);
      json_builder_set_member_name (b, "boundary");
      json_builder_add_value (b, boundary ? boundary : json_node_new (JSON_NODE_NULL));
      json_builder_set_member_name (b, "centre");
      if (isnan (site->centre_lat) || isnan (site->centre_lon))
        json_builder_add_null_value (b);
      else
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "lat");
          json_builder_add_double_value (b, site->centre_lat);
          json_builder_set_member_name (b, "lon");
          json_builder_add_double_value (b, site->centre_lon);
          json_builder_end_object (b);
        }
      json_builder_set_member_name (b, "demo");
      json_builder_add_boolean_value (b, site->demo);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  mendctl_print_json (root);
  return MENDCTL_EXIT_OK;
}

int
mendctl_sessions (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *date = NULL;
  gboolean all = FALSE;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "date", 0, 0, G_OPTION_ARG_STRING, &date,
      "YYYY-MM-DD, today, tomorrow or yesterday (default today)", "D" },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, "Every session in the store", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL },
  };
  g_autoptr (GPtrArray) sessions = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) root = NULL;
  GError *error = NULL;
  gint64 from = G_MININT64;
  gint64 to = G_MAXINT64;
  int status;

  if (!mendctl_parse_options ("sessions", "", entries, NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (all && date != NULL)
    return mendctl_usage_error ("sessions", "--date and --all cannot be used together");
  if (!all && !mend_time_local_day_bounds (date ? date : "today", &from, &to, &error))
    return mendctl_fail (error);
  if (mendctl_open_store (ctx, &error) == NULL
      || (sessions = mend_store_list_sessions (ctx->store, from, to, &error)) == NULL)
    return mendctl_fail (error);

  if (!json)
    {
      for (guint i = 0; i < sessions->len; i++)
        {
          MendSessionRow *s = g_ptr_array_index (sessions, i);
          g_autofree char *starts = mend_time_format_ms (s->starts_at_ms);
          g_autofree char *ends = mend_time_format_hh_mm (s->ends_at_ms);

          printf ("%s  %.10s %.5s–%s  %s  [%s] expected %d, on site %d, done %d, absent %d\n",
                  s->id, starts, starts + 11, ends, s->site_name,
                  mend_session_state_to_string (s->state), s->expected, s->on_site, s->done,
                  s->absent);
        }
      if (sessions->len == 0)
        fprintf (stderr, "No sessions%s.\n", all ? "" : " on that day");
      return MENDCTL_EXIT_OK;
    }

  b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < sessions->len; i++)
    {
      MendSessionRow *s = g_ptr_array_index (sessions, i);

      json_builder_begin_object (b);
      mendctl_builder_add_string (b, "id", s->id);
      mendctl_builder_add_string (b, "site", s->site_name);
      mendctl_builder_add_string (b, "site_id", s->site_id);
      mendctl_builder_add_string (b, "supervisor", s->supervisor_name);
      mendctl_builder_add_string (b, "supervisor_id", s->supervisor_id);
      mendctl_builder_add_time (b, "starts_at", s->starts_at_ms);
      mendctl_builder_add_time (b, "ends_at", s->ends_at_ms);
      mendctl_builder_add_string (b, "state", mend_session_state_to_string (s->state));
      mendctl_builder_add_int (b, "expected", s->expected);
      mendctl_builder_add_int (b, "on_site", s->on_site);
      mendctl_builder_add_int (b, "done", s->done);
      mendctl_builder_add_int (b, "absent", s->absent);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  mendctl_print_json (root);
  return MENDCTL_EXIT_OK;
}

static char *
format_minutes (int minutes)
{
  return g_strdup_printf ("%dh%02d", minutes / 60, minutes % 60);
}

int
mendctl_roster (MendctlContext *ctx, int argc, char **argv)
{
  g_autoptr (GPtrArray) roster = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) root = NULL;
  GError *error = NULL;
  gboolean json = FALSE;
  int status;

  if (!mendctl_parse_options ("roster", "SESSION", json_entries (&json), NULL, &argc, &argv, 1, 1,
                              &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || (roster = mend_store_list_roster (ctx->store, argv[1], &error)) == NULL)
    return mendctl_fail (error);

  if (!json)
    {
      for (guint i = 0; i < roster->len; i++)
        {
          MendRosterRow *r = g_ptr_array_index (roster, i);
          g_autofree char *credited = format_minutes (r->minutes_credited);
          g_autofree char *owed = format_minutes (r->minutes_owed);

          printf ("%-14s %-12s %-20s %-8s credited %s, still owed %s\n", r->participant_id,
                  r->case_ref, r->name ? r->name : "(restricted)",
                  mend_attendance_state_to_string (r->state), credited, owed);
        }
      return MENDCTL_EXIT_OK;
    }

  b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < roster->len; i++)
    {
      MendRosterRow *r = g_ptr_array_index (roster, i);

      json_builder_begin_object (b);
      mendctl_builder_add_string (b, "participant_id", r->participant_id);
      mendctl_builder_add_string (b, "case_ref", r->case_ref);
      mendctl_builder_add_string (b, "name", r->name);
      json_builder_set_member_name (b, "restricted");
      json_builder_add_boolean_value (b, r->restricted);
      mendctl_builder_add_string (b, "state", mend_attendance_state_to_string (r->state));
      json_builder_set_member_name (b, "briefed");
      json_builder_add_boolean_value (b, r->briefed);
      mendctl_builder_add_time (b, "arrived_at", r->arrived_at_ms);
      mendctl_builder_add_time (b, "finished_at", r->finished_at_ms);
      mendctl_builder_add_int (b, "penalty_minutes", r->penalty_minutes);
      mendctl_builder_add_string (b, "outcome", r->outcome);
      mendctl_builder_add_string (b, "quality", r->quality);
      mendctl_builder_add_string (b, "behaviour", r->behaviour);
      mendctl_builder_add_int (b, "minutes_credited", r->minutes_credited);
      mendctl_builder_add_int (b, "minutes_owed", r->minutes_owed);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  mendctl_print_json (root);
  return MENDCTL_EXIT_OK;
}

int
mendctl_tallies (MendctlContext *ctx, int argc, char **argv)
{
  g_autoptr (GPtrArray) tallies = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) root = NULL;
  GError *error = NULL;
  gboolean json = FALSE;
  int status;

  if (!mendctl_parse_options ("tallies", "SESSION", json_entries (&json), NULL, &argc, &argv, 1, 1,
                              &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || (tallies = mend_store_list_tallies (ctx->store, argv[1], &error)) == NULL)
    return mendctl_fail (error);

  if (!json)
    {
      for (guint i = 0; i < tallies->len; i++)
        {
          MendTallyRow *t = g_ptr_array_index (tallies, i);
          printf ("%-12s %6" G_GINT64_FORMAT " %-6s %s\n", t->id, t->total, t->unit, t->label);
        }
      return MENDCTL_EXIT_OK;
    }

  b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < tallies->len; i++)
    {
      MendTallyRow *t = g_ptr_array_index (tallies, i);

      json_builder_begin_object (b);
      mendctl_builder_add_string (b, "id", t->id);
      mendctl_builder_add_string (b, "label", t->label);
      mendctl_builder_add_string (b, "unit", t->unit);
      mendctl_builder_add_int (b, "total", t->total);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  mendctl_print_json (root);
  return MENDCTL_EXIT_OK;
}

/* The fix as recorded: always its state, the position when there was one, and why not. */
static void
add_fix (JsonBuilder *b, const MendEventRow *e)
{
  json_builder_set_member_name (b, "fix");
  json_builder_begin_object (b);
  mendctl_builder_add_string (b, "state", mend_fix_state_to_string (e->fix.state));
  mendctl_builder_add_fix (b, &e->fix, "gnss_time");
  json_builder_set_member_name (b, "clock_skew_ms");
  if (e->has_clock_skew)
    json_builder_add_int_value (b, e->clock_skew_ms);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
}

int
mendctl_events (MendctlContext *ctx, int argc, char **argv)
{
  g_autofree char *session = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_STRING, &session, "Only this session's events", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL },
  };
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) root = NULL;
  GError *error = NULL;
  int status;

  if (!mendctl_parse_options ("events", "", entries, NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || (events = mend_store_list_events (ctx->store, session, &error)) == NULL)
    return mendctl_fail (error);

  if (!json)
    {
      for (guint i = 0; i < events->len; i++)
        {
          MendEventRow *e = g_ptr_array_index (events, i);
          g_autofree char *at = mend_time_format_ms (e->occurred_at_ms);

          printf ("%5" G_GINT64_FORMAT "  %s  %s  %-22s %s %s %s%s\n", e->seq, e->id, at, e->kind,
                  e->session_id ? e->session_id : "-", e->participant_id ? e->participant_id : "-",
                  e->payload, e->voided_by ? "  [voided]" : "");
        }
      return MENDCTL_EXIT_OK;
    }

  b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < events->len; i++)
    {
      MendEventRow *e = g_ptr_array_index (events, i);
      JsonNode *payload = json_from_string (e->payload, NULL);

      json_builder_begin_object (b);
      mendctl_builder_add_int (b, "seq", e->seq);
      mendctl_builder_add_string (b, "id", e->id);
      mendctl_builder_add_string (b, "kind", e->kind);
      mendctl_builder_add_string (b, "session", e->session_id);
      mendctl_builder_add_string (b, "participant", e->participant_id);
      mendctl_builder_add_string (b, "supervisor", e->supervisor_id);
      mendctl_builder_add_time (b, "occurred_at", e->occurred_at_ms);
      mendctl_builder_add_time (b, "recorded_at", e->recorded_at_ms);
      add_fix (b, e);
      json_builder_set_member_name (b, "payload");
      json_builder_add_value (b, payload ? payload : json_node_new (JSON_NODE_NULL));
      mendctl_builder_add_string (b, "prev_hash", e->prev_hash);
      mendctl_builder_add_string (b, "hash", e->hash);
      mendctl_builder_add_string (b, "sync_state", e->sync_state);
      mendctl_builder_add_string (b, "voided_by", e->voided_by);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  mendctl_print_json (root);
  return MENDCTL_EXIT_OK;
}

int
mendctl_status (MendctlContext *ctx, int argc, char **argv)
{
  g_autoptr (MendStatus) s = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *storage_detail = NULL;
  MendStorageVerdict storage;
  MendGpsClock gps_clock;
  GError *error = NULL;
  gboolean json = FALSE;
  int status;

  if (!mendctl_parse_options ("status", "", json_entries (&json), NULL, &argc, &argv, 0, 0,
                              &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || (s = mend_store_get_status (ctx->store, &error)) == NULL
      || !mend_store_get_gps_clock (ctx->store, &gps_clock, &error))
    return mendctl_fail (error);
  {
    g_autofree char *folder = g_path_get_dirname (s->path);

    storage = mend_storage_check_folder (folder, NULL, &storage_detail);
  }

  if (!json)
    {
      printf ("Store:        %s%s\n"
              "Device:       %s\n"
              "Schema:       %d\n"
              "Reference:    %" G_GINT64_FORMAT " sessions, %" G_GINT64_FORMAT " people\n"
              "Events:       %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT
              " waiting to sync, %" G_GINT64_FORMAT " refused by HQ, %" G_GINT64_FORMAT
              " acknowledged)\n"
              "Chain head:   seq %" G_GINT64_FORMAT " %s\n",
              s->path, s->demo ? " (demo data)" : "", s->device_id, s->schema_version,
              s->n_sessions, s->n_participants, s->n_events, s->n_pending, s->n_parked,
              s->n_acknowledged, s->head_seq, s->head_hash);
      printf ("Storage:      %s (%s)\n", mend_storage_verdict_to_string (storage), storage_detail);
      if (gps_clock.known && gps_clock.skew_ms != 0)
        {
          g_autofree char *off = mend_clock_describe_skew (gps_clock.skew_ms);

          printf ("Clock:        %s against satellite time (record %" G_GINT64_FORMAT
                  "): records keep their order, but set the date and time\n",
                  off, gps_clock.seq);
        }
      mendctl_sync_status_text (ctx->store);
      return MENDCTL_EXIT_OK;
    }

  b = json_builder_new ();
  json_builder_begin_object (b);
  mendctl_builder_add_string (b, "path", s->path);
  mendctl_builder_add_string (b, "device_id", s->device_id);
  mendctl_builder_add_int (b, "schema_version", s->schema_version);
  json_builder_set_member_name (b, "demo");
  json_builder_add_boolean_value (b, s->demo);
  mendctl_builder_add_int (b, "events", s->n_events);
  mendctl_builder_add_int (b, "pending", s->n_pending);
  mendctl_builder_add_int (b, "parked", s->n_parked);
  mendctl_builder_add_int (b, "acknowledged", s->n_acknowledged);
  mendctl_builder_add_int (b, "head_seq", s->head_seq);
  mendctl_builder_add_string (b, "head_hash", s->head_hash);
  mendctl_builder_add_int (b, "sessions", s->n_sessions);
  mendctl_builder_add_int (b, "participants", s->n_participants);
  json_builder_set_member_name (b, "storage_encrypted");
  json_builder_add_boolean_value (b, storage == MEND_STORAGE_ENCRYPTED);
  /* Device minus satellite time at the newest record with a fix, when over the limit; 0 when
   * within it; null when no record had a fix. */
  json_builder_set_member_name (b, "gps_clock_skew_ms");
  if (gps_clock.known)
    json_builder_add_int_value (b, gps_clock.skew_ms);
  else
    json_builder_add_null_value (b);
  mendctl_builder_add_string (b, "storage", storage_detail);
  mendctl_sync_status_json (ctx->store, b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  mendctl_print_json (root);
  return MENDCTL_EXIT_OK;
}
