/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What mendctl's command files share. */
#pragma once

#include <json-glib/json-glib.h>

#include "mend-store.h"

G_BEGIN_DECLS

/* Exit codes, part of mendctl's interface for scripts. */
enum
{
  MENDCTL_EXIT_OK = 0,
  MENDCTL_EXIT_REFUSED = 1,
  MENDCTL_EXIT_USAGE = 2,
  MENDCTL_EXIT_STORE = 3,
  /* `mendctl gps` only */
  MENDCTL_EXIT_NO_FIX = 3,
  MENDCTL_EXIT_NO_GPSD = 4,
  /* `mendctl gps`, `photo capture`: the device is missing or failing */
  MENDCTL_EXIT_NO_DEVICE = 4,
  /* `mendctl sync` (and `enrol`): something still waits for the network; HQ refused
   * something (parked); the device must be enrolled again. */
  MENDCTL_EXIT_WAITING = 5,
  MENDCTL_EXIT_PARKED = 6,
  MENDCTL_EXIT_REENROL = 7,
};

typedef struct
{
  char *db_path;
  char *supervisor_id;
  MendStore *store;

  /* Where recording commands take their fix (mendctl_gps_entries()). */
  char *gpsd;
  gboolean no_gps;
  int wait_fix;
  char *reason;
} MendctlContext;

typedef int (*MendctlCommandFunc) (MendctlContext *ctx, int argc, char **argv);

typedef struct
{
  const char *name;
  const char *arguments;
  const char *summary;
  MendctlCommandFunc run;
} MendctlCommand;

/* mendctl.c */
MendStore *mendctl_open_store (MendctlContext *ctx, GError **error);
int mendctl_fail (GError *error);
int mendctl_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);
gboolean mendctl_parse_options (const char *command,
                                const char *arguments,
                                GOptionEntry *entries,
                                GOptionEntry *more_entries,
                                int *argc,
                                char ***argv,
                                int min_positional,
                                int max_positional,
                                int *out_exit);
void mendctl_print_json (JsonNode *node);
char *mendctl_resolve_person (MendctlContext *ctx, const char *session_id, const char *person);
void mendctl_builder_add_time (JsonBuilder *b, const char *name, gint64 ms);
void mendctl_builder_add_string (JsonBuilder *b, const char *name, const char *value);
void mendctl_builder_add_int (JsonBuilder *b, const char *name, gint64 value);
void mendctl_builder_add_fix (JsonBuilder *b, const MendFix *fix, const char *time_name);

/* mendctl-gps.c */
int mendctl_gps (MendctlContext *ctx, int argc, char **argv);
GOptionEntry *mendctl_gps_entries (MendctlContext *ctx, gboolean with_reason);
gboolean mendctl_take_fix (MendctlContext *ctx, MendFix *out_fix, GError **error);

/* mendctl-geofence.c */
int mendctl_geofence (MendctlContext *ctx, int argc, char **argv);

/* mendctl-photo.c */
int mendctl_photo (MendctlContext *ctx, int argc, char **argv);
int mendctl_photos (MendctlContext *ctx, int argc, char **argv);

/* mendctl-record.c */
int mendctl_start (MendctlContext *ctx, int argc, char **argv);
int mendctl_end (MendctlContext *ctx, int argc, char **argv);
int mendctl_check_in (MendctlContext *ctx, int argc, char **argv);
int mendctl_brief (MendctlContext *ctx, int argc, char **argv);
int mendctl_check_out (MendctlContext *ctx, int argc, char **argv);
int mendctl_absent (MendctlContext *ctx, int argc, char **argv);
int mendctl_tally (MendctlContext *ctx, int argc, char **argv);
int mendctl_void (MendctlContext *ctx, int argc, char **argv);

/* mendctl-query.c */
int mendctl_sites (MendctlContext *ctx, int argc, char **argv);
int mendctl_sessions (MendctlContext *ctx, int argc, char **argv);
int mendctl_roster (MendctlContext *ctx, int argc, char **argv);
int mendctl_tallies (MendctlContext *ctx, int argc, char **argv);
int mendctl_events (MendctlContext *ctx, int argc, char **argv);
int mendctl_status (MendctlContext *ctx, int argc, char **argv);

/* mendctl-export.c */

/* mendctl-salvage.c */
int mendctl_export_salvage (MendctlContext *ctx, const char *out_dir);

/* mendctl-sync.c */
int mendctl_enrol (MendctlContext *ctx, int argc, char **argv);
int mendctl_sync (MendctlContext *ctx, int argc, char **argv);
void mendctl_sync_status_json (MendStore *store, JsonBuilder *b);
void mendctl_sync_status_text (MendStore *store);

/* mendctl-retention.c */
int mendctl_purge (MendctlContext *ctx, int argc, char **argv);

/* mendctl-store.c */
int mendctl_init (MendctlContext *ctx, int argc, char **argv);
int mendctl_demo (MendctlContext *ctx, int argc, char **argv);
int mendctl_verify (MendctlContext *ctx, int argc, char **argv);
int mendctl_rebuild (MendctlContext *ctx, int argc, char **argv);
int mendctl_export (MendctlContext *ctx, int argc, char **argv);

G_END_DECLS
