/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The admin commands for a team's reference data and its devices, called by the dispatcher in
 * mend-hq-admin.c. Each takes the words after its own name. */
#pragma once

#include "mend-hq-private.h"

G_BEGIN_DECLS

/* mend-hq-admin-reference.c: the dispatcher's one entry point into these commands. Sets
 * @out_handled when @argv names one of them; then the result is the command's. */
gboolean mend_hq_admin_reference_main (PGconn *conn,
                                       int argc,
                                       char **argv,
                                       gboolean *out_handled,
                                       GError **error);

/* Shared by the commands: "--name VALUE" options, the team named by id or name, and lists
 * applied in one transaction. */
typedef struct
{
  const char *name;
  const char **value;
} MendHqOption;

gboolean mend_hq_admin_parse_options (int argc,
                                      char **argv,
                                      const MendHqOption *options,
                                      const char **out_positional,
                                      GError **error);
char *mend_hq_admin_find_team (PGconn *conn, const char *team, GError **error);
gboolean mend_hq_admin_apply (PGconn *conn, const char *team, JsonObject *lists, GError **error);

/* mend-hq-admin-devices.c */
gboolean mend_hq_admin_device_list (PGconn *conn, GError **error);
gboolean mend_hq_admin_device_revoke (PGconn *conn, const char *device, GError **error);

/* mend-hq-admin-import.c */
gboolean
mend_hq_admin_site_import (PGconn *conn, const char *path, const char *team, GError **error);
gboolean
mend_hq_admin_person_import (PGconn *conn, const char *path, const char *team, GError **error);

/* mend-hq-admin-csv.c: RFC 4180 records, each with the line it starts on. */
typedef struct
{
  guint line;
  GPtrArray *fields; /* (element-type utf8) */
} MendHqCsvRecord;

GPtrArray *mend_hq_csv_parse (const char *text, gsize length, GError **error);

G_END_DECLS
