/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the files of mend-hq share: the database helpers, the admin and serve entry points, and
 * the request and response types the handlers use. */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>
#include <microhttpd.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)

#define MEND_HQ_ERROR (mend_hq_error_quark ())

typedef enum
{
  MEND_HQ_ERROR_DATABASE,
  MEND_HQ_ERROR_USAGE,
  MEND_HQ_ERROR_NOT_FOUND,
} MendHqError;

GQuark mend_hq_error_quark (void);

/* mend-hq-db.c */
PGconn *mend_hq_db_connect (const char *conninfo, GError **error);
gboolean mend_hq_db_migrate (PGconn *conn, GError **error);
int mend_hq_db_schema_version (PGconn *conn, GError **error);
gboolean mend_hq_db_exec (PGconn *conn, const char *sql, GError **error);
gboolean mend_hq_db_check (PGresult *result, ExecStatusType expected, GError **error);
PGconn *mend_hq_db_thread_conn (const char *conninfo, GError **error);
void mend_hq_sha256 (const char *text, guint8 out_digest[32]);
char *mend_hq_random_code (void);
char *mend_hq_random_token (void);

/* mend-hq-admin.c */
int mend_hq_admin_main (const char *conninfo, int argc, char **argv);

/* mend-hq-server.c */
int mend_hq_serve_main (const char *conninfo, const char *listen);

/* One request as the handlers see it: the body read so far, and the answer to send. */
typedef struct
{
  const char *conninfo;
  char *method;
  char *path;
  char request_id[65];
  GByteArray *body;
  gboolean too_large;
  gint64 started_us;
  unsigned int status; /* the answer's, for the log line */
} MendHqRequest;

/* An answer: status, body (JSON unless @content_type says otherwise) and extra headers. */
typedef struct
{
  unsigned int status;
  GBytes *body;
  const char *allow;         /* for 405 */
  gboolean www_authenticate; /* for 401 */
  const char *content_type;  /* default application/json */
} MendHqAnswer;

void mend_hq_answer_error (MendHqAnswer *answer,
                           const MendHqRequest *request,
                           const char *code,
                           const char *message);
void mend_hq_answer_json (MendHqAnswer *answer, unsigned int status, GBytes *body);
void mend_hq_answer_body_refused (MendHqAnswer *answer,
                                  const MendHqRequest *request,
                                  const GError *error);

/* The authenticated device behind a bearer token, or FALSE (and a 401 answer) when there is
 * none, it is unknown or it is revoked. */
typedef struct
{
  char *device_id;
  char *team_id;
} MendHqDevice;

gboolean mend_hq_authenticate (PGconn *conn,
                               struct MHD_Connection *connection,
                               const MendHqRequest *request,
                               MendHqDevice *out_device,
                               MendHqAnswer *answer);
void mend_hq_device_clear (MendHqDevice *device);

/* mend-hq-enrol.c, mend-hq-events.c */
void mend_hq_handle_enrol (PGconn *conn, const MendHqRequest *request, MendHqAnswer *answer);
void mend_hq_handle_events (PGconn *conn,
                            const MendHqDevice *device,
                            const MendHqRequest *request,
                            MendHqAnswer *answer);

G_END_DECLS
