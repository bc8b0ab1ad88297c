/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mendctl"

#include "config.h"

#include <stdio.h>

#include "mend-demo.h"
#include "mend-time.h"
#include "mendctl-private.h"

/* Commands about the store as a whole. */

int
mendctl_init (MendctlContext *ctx, int argc, char **argv)
{
  GError *error = NULL;
  int status;

  if (!mendctl_parse_options ("init", "", NULL, NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL)
    return mendctl_fail (error);
  printf ("Store ready: %s (device %s, schema %d)\n", mend_store_get_path (ctx->store),
          mend_store_get_device_id (ctx->store), MEND_STORE_SCHEMA_VERSION);
  return MENDCTL_EXIT_OK;
}

int
mendctl_demo (MendctlContext *ctx, int argc, char **argv)
{
  g_autoptr (GPtrArray) sessions = NULL;
  const MendDemoSupervisor *supervisors;
  GError *error = NULL;
  gint64 from, to;
  guint n;
  int status;

  if (!mendctl_parse_options ("demo", "", NULL, NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL || !mend_store_load_demo (ctx->store, &error)
      || !mend_time_local_day_bounds ("today", &from, &to, &error)
      || (sessions = mend_store_list_sessions (ctx->store, from, to, &error)) == NULL)
    return mendctl_fail (error);

  printf ("Demo data loaded into %s (approximate outlines, invented people).\n\n"
          "Supervisors and their PINs:\n",
          mend_store_get_path (ctx->store));
  supervisors = mend_demo_supervisors (&n);
  for (guint i = 0; i < n; i++)
    printf ("  %-8s %-16s PIN %s\n", supervisors[i].id, supervisors[i].name, supervisors[i].pin);
  printf ("\nToday's sessions:\n");
  for (guint i = 0; i < sessions->len; i++)
    {
      MendSessionRow *s = g_ptr_array_index (sessions, i);
      g_autofree char *starts = mend_time_format_hh_mm (s->starts_at_ms);
      g_autofree char *ends = mend_time_format_hh_mm (s->ends_at_ms);

      printf ("  %s  %s–%s  %s\n", s->id, starts, ends, s->site_name);
    }
  return MENDCTL_EXIT_OK;
}

int
mendctl_verify (MendctlContext *ctx, int argc, char **argv)
{
  GError *error = NULL;
  gint64 n_events = 0;
  int status;

  if (!mendctl_parse_options ("verify", "", NULL, NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || !mend_store_verify (ctx->store, &n_events, &error))
    return mendctl_fail (error);
  printf ("OK: store intact, hash chain of %" G_GINT64_FORMAT " events verified\n", n_events);
  return MENDCTL_EXIT_OK;
}

int
mendctl_rebuild (MendctlContext *ctx, int argc, char **argv)
{
  GError *error = NULL;
  int status;

  if (!mendctl_parse_options ("rebuild", "", NULL, NULL, &argc, &argv, 0, 0, &status))
    return status;
  if (mendctl_open_store (ctx, &error) == NULL
      || !mend_store_rebuild_projections (ctx->store, &error))
    return mendctl_fail (error);
  printf ("Projections rebuilt from the event log\n");
  return MENDCTL_EXIT_OK;
}
