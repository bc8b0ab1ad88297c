/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the files of mend-hq share: the database helpers, the admin and serve entry points, and
 * the request and response types the handlers use. */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>
#include <microhttpd.h>

#include "mend-wire.h"

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
int mend_hq_db_latest_version (void);
gboolean mend_hq_db_exec (PGconn *conn, const char *sql, GError **error);
gboolean mend_hq_db_check (PGresult *result, ExecStatusType expected, GError **error);
char *mend_hq_db_error_text (const PGresult *result);
/* One statement of mend_hq_db_pipeline(); the arrays as PQexecParams() takes them. */
typedef struct
{
  const char *sql;
  int n_params;
  const char *const *values;
  const int *lengths;
  const int *formats;
} MendHqStatement;
gboolean mend_hq_db_pipeline (PGconn *conn,
                              const MendHqStatement *statements,
                              guint n,
                              PGresult **out_results,
                              GError **error);
PGconn *mend_hq_db_thread_conn (const char *conninfo, GError **error);
void mend_hq_sha256 (const char *text, guint8 out_digest[32]);
char *mend_hq_random_code (void);
char *mend_hq_random_token (void);

/* mend-hq-admin.c */
int mend_hq_admin_main (const char *conninfo, int argc, char **argv);

/* mend-hq-config.c: the options of `serve`, from the command line and a config file. */
typedef struct
{
  char *database;
  char *listen;
  char *blobs; /* nullable: then blob endpoints answer 503 */
  char *tls_cert;
  char *tls_key;
  char *metrics_allow; /* addresses or CIDR masks, comma-separated */
  int threads;
  int timeout_s;     /* a connection idle this long is closed */
  int device_rate;   /* requests a minute per device, 0 for no limit */
  int device_burst;  /* requests at once per device */
  int enrol_rate;    /* enrolment attempts a minute per address, 0 for no limit */
  int partial_ttl_s; /* a partial blob untouched this long is deleted */
} MendHqServeOptions;

void mend_hq_serve_options_init (MendHqServeOptions *out_options);
void mend_hq_serve_options_clear (MendHqServeOptions *self);
gboolean mend_hq_serve_options_parse (MendHqServeOptions *out_options,
                                      int argc,
                                      char **argv,
                                      GError **error);
char *mend_hq_config_database (const char *path, GError **error);

/* mend-hq-server.c */
int mend_hq_serve_main (const MendHqServeOptions *options);

typedef struct _MendHqBlobUpload MendHqBlobUpload;

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
  unsigned int status;      /* the answer's, for the log line */
  const char *endpoint;     /* the metrics label of path (mend_hq_metrics_endpoint()) */
  char client_address[64];  /* the peer's IP address, as text */
  gboolean tls;             /* the request came over TLS */
  MendHqBlobUpload *upload; /* a PATCH body being streamed to disk */
} MendHqRequest;

/* An answer: status, body (JSON unless @content_type says otherwise) and extra headers. */
typedef struct
{
  unsigned int status;
  GBytes *body;
  const char *allow;         /* for 405 */
  gboolean www_authenticate; /* for 401 */
  const char *content_type;  /* default application/json */
  int retry_after_s;         /* for 429 and 503, when > 0 */
  GPtrArray *headers;        /* more headers: name, value, name, value… */
} MendHqAnswer;

void mend_hq_answer_header (MendHqAnswer *answer, const char *name, const char *value);

void mend_hq_answer_error (MendHqAnswer *answer,
                           const MendHqRequest *request,
                           const char *code,
                           const char *message);
void mend_hq_answer_json (MendHqAnswer *answer, unsigned int status, GBytes *body);
void mend_hq_answer_body_refused (MendHqAnswer *answer,
                                  const MendHqRequest *request,
                                  const GError *error);

/* The authenticated device behind a bearer token, or FALSE (and a 401 answer) when there is
 * none, it is unknown or it is revoked; also FALSE, with a 429 answer, when the device is over
 * its request rate, so every device endpoint is rate limited. */
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

/* mend-hq-purges.c: what a device reports it has purged (sync/PROTOCOL.md section 14). */
void mend_hq_handle_purges (PGconn *conn,
                            const MendHqDevice *device,
                            const MendHqRequest *request,
                            gboolean is_post,
                            MendHqAnswer *answer);

/* mend-hq-dashboard*.c: the staff dashboard, every path outside /api/ (DESIGN.md section 7). */
gboolean mend_hq_dashboard_owns (const char *path);
void mend_hq_dashboard_handle (PGconn *conn,
                               struct MHD_Connection *connection,
                               const MendHqRequest *request,
                               const char *blobs,
                               MendHqAnswer *answer);

/* mend-hq-admin-users.c: `admin user …`, staff who log in to the dashboard. */
gboolean mend_hq_admin_users (PGconn *conn, int argc, char **argv, GError **error);

/* mend-hq-keys.c: HQ's X25519 key pair (PROTOCOL.md section 9). */
gboolean mend_hq_keys_ensure (PGconn *conn, GError **error);
char *mend_hq_keys_dup_public (PGconn *conn, GError **error);
gboolean mend_hq_keys_rotate (PGconn *conn, char **out_key_id, GError **error);
gboolean mend_hq_keys_list (PGconn *conn, GError **error);
GHashTable *mend_hq_keys_load (PGconn *conn, GError **error);
/* mend-hq-breach.c: what each device was sent, for a breach report. */
gboolean mend_hq_breach_record_manifest (PGconn *conn,
                                         const char *device_id,
                                         JsonArray *participants,
                                         JsonObject *deleted,
                                         gboolean full,
                                         GError **error);
gboolean mend_hq_breach_query (PGconn *conn,
                               const char *device_id,
                               PGresult **out_device,
                               PGresult **out_people,
                               PGresult **out_sessions,
                               GError **error);
char *mend_hq_breach_held (const char *recorded,
                           const char *purged,
                           const char *last_purged,
                           const char *last_sync);
gboolean mend_hq_admin_device_report (PGconn *conn, const char *device_id, GError **error);
/* mend-hq-admin-keys.c: `admin keys list|rotate`. */
gboolean mend_hq_admin_keys (PGconn *conn, const char *command, GError **error);
char *mend_hq_keys_open (GHashTable *ring, const char *key_id, const char *sealed, GError **error);

/* mend-hq-reference.c: a team's reference data written from manifest-shaped lists
 * (data/README.md, "Manifest"), inside the caller's transaction. */
gboolean
mend_hq_reference_apply (PGconn *conn, const char *team, JsonObject *lists, GError **error);
gboolean
mend_hq_reference_check_text (const char *path, const char *text, gsize length, GError **error);

/* mend-hq-manifest.c: GET /api/v1/manifest (section 12). */
void mend_hq_handle_manifest (PGconn *conn,
                              const MendHqDevice *device,
                              const MendHqRequest *request,
                              const char *since,
                              MendHqAnswer *answer);

/* mend-hq-rules.c: HQ's rules at step 6 of section 10. */
gboolean mend_hq_rules_check (PGconn *conn,
                              const char *team,
                              const MendWireEvent *event,
                              char **out_refusal,
                              GError **error);

/* mend-hq-limits.c: request rates (section 8). */
void mend_hq_limits_init (int device_per_minute, int device_burst, int enrol_per_minute);
gboolean mend_hq_limits_refuse_device (const char *device_id,
                                       const MendHqRequest *request,
                                       MendHqAnswer *answer);
gboolean mend_hq_limits_refuse_enrol (const MendHqRequest *request, MendHqAnswer *answer);

/* mend-hq-metrics.c: GET /metrics (section 13) and the counters behind it. */
const char *mend_hq_metrics_endpoint (const char *path);
gboolean mend_hq_metrics_allow (const char *list, GError **error);
void mend_hq_metrics_request (const char *endpoint, unsigned int status, double seconds);
void mend_hq_metrics_event (const char *result);
void mend_hq_metrics_chain_break (void);
void mend_hq_metrics_blob_bytes (guint64 n);
void mend_hq_metrics_blob_completed (void);
void mend_hq_metrics_blob_mismatch (void);
void mend_hq_metrics_partial_expired (void);
void mend_hq_metrics_rate_limited (const char *endpoint);
void mend_hq_handle_metrics (PGconn *conn, const MendHqRequest *request, MendHqAnswer *answer);

/* mend-hq-blobs.c: HEAD and PATCH /api/v1/blobs/{sha256} (section 11). */
gboolean mend_hq_blobs_start (const char *dir, int ttl_s, GError **error);
void mend_hq_blobs_stop (void);
void mend_hq_handle_blob_head (PGconn *conn,
                               struct MHD_Connection *connection,
                               const MendHqRequest *request,
                               MendHqAnswer *answer);
gboolean mend_hq_blob_patch_begin (PGconn *conn,
                                   struct MHD_Connection *connection,
                                   MendHqRequest *request,
                                   MendHqAnswer *answer);
void mend_hq_blob_patch_write (MendHqBlobUpload *upload, const char *data, size_t size);
void mend_hq_blob_patch_finish (MendHqBlobUpload *upload,
                                const MendHqRequest *request,
                                MendHqAnswer *answer);
void mend_hq_blob_upload_free (MendHqBlobUpload *upload);

G_END_DECLS
