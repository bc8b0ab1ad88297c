/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A real HQ for integration tests: a throwaway PostgreSQL cluster on a private socket folder,
 * a database initialised by `mend-hq admin init`, and `mend-hq serve` on a loopback port the
 * kernel picks. Torn down by a reaper process even when the test dies half way. */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

typedef struct
{
  char *dir;      /* the cluster, its socket and the server's files */
  char *conninfo; /* libpq connection string of the test database */
  guint16 port;   /* where mend-hq listens on 127.0.0.1 */
  GSubprocess *server;
  GSubprocess *reaper;
  char *blobs;           /* the server's --blobs folder */
  GPtrArray *serve_args; /* more words for `mend-hq serve`, kept for restarts */
  char *cafile;          /* when set, requests go over https and trust this certificate */
} MendTestHq;

/* One HTTP exchange with the server. */
typedef struct
{
  long status;
  GString *body;
  int n_date;  /* how many Date headers the answer had */
  char *date;  /* the last one */
  char *allow; /* the Allow header, or NULL */
  gboolean www_authenticate;
  GHashTable *headers; /* lower-case name → the last value */
} MendTestHttp;

MendTestHq *mend_test_hq_start (void);
MendTestHq *mend_test_hq_start_with (const char *const *serve_args);
MendTestHq *mend_test_hq_start_database (void);
void mend_test_hq_restart (MendTestHq *hq, gboolean kill);
void mend_test_hq_restart_database (MendTestHq *hq, gboolean immediate);
GSubprocess *mend_test_hq_spawn (MendTestHq *hq, const char *const *args, guint16 *out_port);
void mend_test_hq_stop (MendTestHq *hq);
char *mend_test_hq_admin (MendTestHq *hq, const char *const *args);
PGconn *mend_test_hq_connect (MendTestHq *hq);
gint64 mend_test_hq_count (MendTestHq *hq, const char *sql, const char *param);
void mend_test_hq_exec (MendTestHq *hq, const char *sql, const char *param);

MendTestHttp *mend_test_hq_request (MendTestHq *hq,
                                    const char *method,
                                    const char *path,
                                    const char *token,
                                    const char *content_type,
                                    const void *body,
                                    gsize length);
MendTestHttp *mend_test_hq_request_full (MendTestHq *hq,
                                         const char *method,
                                         const char *path,
                                         const char *token,
                                         const char *content_type,
                                         const void *body,
                                         gsize length,
                                         const char *const *headers);
const char *mend_test_http_header (MendTestHttp *http, const char *name);
void mend_test_http_free (MendTestHttp *http);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendTestHttp, mend_test_http_free)

G_END_DECLS
