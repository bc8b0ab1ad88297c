/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-test-hq.h"

#include <curl/curl.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "mend-test-logs.h"

/* The PostgreSQL binaries and mend-hq come from the environment meson sets (PG_BINDIR,
 * MEND_HQ), so the test runs the build's own server against the system's PostgreSQL 15. */

#define PG_PORT "5432"

static const char *
pg_bindir (void)
{
  const char *dir = g_getenv ("PG_BINDIR");

  return dir != NULL ? dir : "/usr/lib/postgresql/15/bin";
}

/* initdb and pg_ctl refuse to run as root: then they run as the postgres user, in a folder
 * that user owns. */
static GPtrArray *
pg_argv (const char *program)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  if (geteuid () == 0)
    {
      g_ptr_array_add (argv, g_strdup ("runuser"));
      g_ptr_array_add (argv, g_strdup ("-u"));
      g_ptr_array_add (argv, g_strdup ("postgres"));
      g_ptr_array_add (argv, g_strdup ("--"));
    }
  g_ptr_array_add (argv, g_build_filename (pg_bindir (), program, NULL));
  return argv;
}

static void
run_ok (GPtrArray *argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *out = NULL;

  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char *const *)argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("%s failed: %s", (const char *)argv->pdata[0], out);
}

/* A detached shell that waits for its stdin to close, which happens when this process ends
 * for any reason (a failed assertion aborts without running any teardown), then kills the
 * server, stops the cluster at once and removes the folder. It runs in its own session so a
 * test runner killing our process group does not take it along. */
static GSubprocess *
start_reaper (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) pg_ctl = pg_argv ("pg_ctl");
  g_autofree char *pg_ctl_line = NULL;
  g_autofree char *script = NULL;
  g_autofree char *quoted_dir = g_shell_quote (dir);
  g_autofree char *prgname
      = g_path_get_basename (g_get_prgname () != NULL ? g_get_prgname () : "test");
  g_autofree char *program = g_shell_quote (prgname);
  GSubprocess *reaper;

  g_ptr_array_add (pg_ctl, NULL);
  pg_ctl_line = g_strjoinv (" ", (char **)pg_ctl->pdata);
  script = g_strdup_printf ("pids=''; while read -r pid; do pids=\"$pids $pid\"; done;"
                            " [ -n \"$pids\" ] && kill -9 $pids 2>/dev/null;"
                            " %s -D %s/pg stop -m immediate >/dev/null 2>&1;"
                            /* The cluster's log is kept for the search for personal data
                             * (tests/check-logs-private.sh): a unique violation's message
                             * quotes the row, for one. */
                            " [ -n \"$MEND_TEST_LOG_DIR\" ] && mkdir -p \"$MEND_TEST_LOG_DIR\""
                            " && cat %s/pg.log >>\"$MEND_TEST_LOG_DIR\"/%s-postgresql.log;"
                            " rm -rf %s",
                            pg_ctl_line, quoted_dir, quoted_dir, program, quoted_dir);
  reaper = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error, "setsid", "sh", "-c", script,
                             NULL);
  g_assert_no_error (error);
  return reaper;
}

static void
reaper_add_pid (MendTestHq *hq, const char *pid)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *line = g_strconcat (pid, "\n", NULL);
  GOutputStream *input = g_subprocess_get_stdin_pipe (hq->reaper);

  g_output_stream_write_all (input, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (input, NULL, &error);
  g_assert_no_error (error);
}

static void
start_cluster (MendTestHq *hq)
{
  g_autoptr (GPtrArray) initdb = pg_argv ("initdb");
  g_autoptr (GPtrArray) pg_ctl = pg_argv ("pg_ctl");
  g_autoptr (GPtrArray) createdb = g_ptr_array_new_with_free_func (g_free);
  /* Terse error messages, as hq/README.md asks of HQ's own cluster: PostgreSQL's detail lines
   * quote the rows it refuses, and its log is searched for personal data after the run. */
  g_autofree char *options = g_strdup_printf (
      "-k %s -p " PG_PORT " -c listen_addresses='' -c fsync=off -c log_error_verbosity=terse",
      hq->dir);

  g_ptr_array_add (initdb, g_strdup ("-D"));
  g_ptr_array_add (initdb, g_build_filename (hq->dir, "pg", NULL));
  g_ptr_array_add (initdb, g_strdup ("-A"));
  g_ptr_array_add (initdb, g_strdup ("trust"));
  g_ptr_array_add (initdb, g_strdup ("-U"));
  g_ptr_array_add (initdb, g_strdup ("mend"));
  g_ptr_array_add (initdb, g_strdup ("--no-sync"));
  run_ok (initdb);

  g_ptr_array_add (pg_ctl, g_strdup ("-D"));
  g_ptr_array_add (pg_ctl, g_build_filename (hq->dir, "pg", NULL));
  g_ptr_array_add (pg_ctl, g_strdup ("-w"));
  g_ptr_array_add (pg_ctl, g_strdup ("-l"));
  g_ptr_array_add (pg_ctl, g_build_filename (hq->dir, "pg.log", NULL));
  g_ptr_array_add (pg_ctl, g_strdup ("-o"));
  g_ptr_array_add (pg_ctl, g_strdup (options));
  g_ptr_array_add (pg_ctl, g_strdup ("start"));
  run_ok (pg_ctl);

  /* The socket folder is private, so the usual port number cannot clash with anything. */
  g_ptr_array_add (createdb, g_build_filename (pg_bindir (), "createdb", NULL));
  g_ptr_array_add (createdb, g_strdup ("-h"));
  g_ptr_array_add (createdb, g_strdup (hq->dir));
  g_ptr_array_add (createdb, g_strdup ("-p"));
  g_ptr_array_add (createdb, g_strdup (PG_PORT));
  g_ptr_array_add (createdb, g_strdup ("-U"));
  g_ptr_array_add (createdb, g_strdup ("mend"));
  g_ptr_array_add (createdb, g_strdup ("mend"));
  run_ok (createdb);
}

static void
start_server (MendTestHq *hq)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", hq->port);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *prefix = "listening on 127.0.0.1:";
  guint64 port = 0;

  /* A restart listens on the port the first start was given, so clients need not know. */
  g_ptr_array_add (argv, (char *)g_getenv ("MEND_HQ"));
  g_ptr_array_add (argv, "serve");
  g_ptr_array_add (argv, "--database");
  g_ptr_array_add (argv, hq->conninfo);
  g_ptr_array_add (argv, "--listen");
  g_ptr_array_add (argv, listen);
  g_ptr_array_add (argv, "--blobs");
  g_ptr_array_add (argv, hq->blobs);
  /* Tests enrol and push far faster than a device would: no rate limits unless a test asks
   * for them in @serve_args (the last value of an option wins). */
  g_ptr_array_add (argv, "--enrol-rate");
  g_ptr_array_add (argv, "0");
  g_ptr_array_add (argv, "--device-rate");
  g_ptr_array_add (argv, "0");
  for (guint i = 0; hq->serve_args != NULL && i < hq->serve_args->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (hq->serve_args, i));
  g_ptr_array_add (argv, NULL);
  hq->server = g_subprocess_newv ((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                  &error);
  g_assert_no_error (error);
  reaper_add_pid (hq, g_subprocess_get_identifier (hq->server));
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (hq->server));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, prefix));
  g_assert_true (g_ascii_string_to_unsigned (line + strlen (prefix), 10, 1, 65535, &port, NULL));
  hq->port = (guint16)port;
}

/**
 * mend_test_hq_start:
 *
 * Returns: (transfer full): a running HQ on a fresh cluster; stop it with mend_test_hq_stop().
 */
MendTestHq *
mend_test_hq_start (void)
{
  return mend_test_hq_start_with (NULL);
}

/**
 * mend_test_hq_start_with:
 * @serve_args: (nullable): more options for `mend-hq serve`, NULL-terminated
 *
 * Returns: (transfer full): as mend_test_hq_start(), the server started with @serve_args too.
 */
MendTestHq *
mend_test_hq_start_with (const char *const *serve_args)
{
  MendTestHq *hq;
  const char *const init[] = { "init", NULL };

  g_assert_nonnull (g_getenv ("MEND_HQ"));
  hq = mend_test_hq_start_database ();
  for (; serve_args != NULL && *serve_args != NULL; serve_args++)
    g_ptr_array_add (hq->serve_args, g_strdup (*serve_args));
  g_free (mend_test_hq_admin (hq, init));
  start_server (hq);
  return hq;
}

/**
 * mend_test_hq_start_database:
 *
 * The cluster and its empty database `mend` only, for a test that initialises the schema and
 * runs the server itself (in-process); the reaper stops it as ever. hq->port is 0 and
 * hq->server NULL until the caller says otherwise; mend_test_hq_stop() tears it down.
 * Returns: (transfer full): the cluster
 */
MendTestHq *
mend_test_hq_start_database (void)
{
  g_autoptr (GError) error = NULL;
  MendTestHq *hq = g_new0 (MendTestHq, 1);

  hq->serve_args = g_ptr_array_new_with_free_func (g_free);
  /* Under /tmp rather than the test's home: the socket path must stay under 100 bytes. */
  hq->dir = g_dir_make_tmp ("mend-hq-XXXXXX", &error);
  g_assert_no_error (error);
  if (geteuid () == 0)
    {
      struct passwd *postgres = getpwnam ("postgres");

      g_assert_nonnull (postgres);
      g_assert_cmpint (chown (hq->dir, postgres->pw_uid, postgres->pw_gid), ==, 0);
    }
  hq->reaper = start_reaper (hq->dir);
  hq->conninfo = g_strdup_printf ("host=%s port=" PG_PORT " dbname=mend user=mend", hq->dir);
  hq->blobs = g_build_filename (hq->dir, "blobs", NULL);
  start_cluster (hq);
  return hq;
}

/**
 * mend_test_hq_spawn:
 * @args: the words after `mend-hq serve`, NULL-terminated: nothing is added
 * @out_port: (out): the port of its "listening on ADDR:PORT" line
 *
 * Starts another server (on this cluster, or not), which the reaper kills with the rest.
 * Returns: (transfer full): the process, or NULL when it exited before listening (its exit
 *   status then in @out_port as 0).
 */
GSubprocess *
mend_test_hq_spawn (MendTestHq *hq, const char *const *args, guint16 *out_port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GSubprocess) server = NULL;
  g_autofree char *line = NULL;
  const char *colon;
  guint64 port = 0;

  g_ptr_array_add (argv, (char *)g_getenv ("MEND_HQ"));
  g_ptr_array_add (argv, "serve");
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *)*args);
  g_ptr_array_add (argv, NULL);
  server = g_subprocess_newv ((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                              &error);
  g_assert_no_error (error);
  reaper_add_pid (hq, g_subprocess_get_identifier (server));
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  *out_port = 0;
  if (line == NULL)
    return NULL;
  g_assert_true (g_str_has_prefix (line, "listening on "));
  colon = strrchr (line, ':');
  g_assert_nonnull (colon);
  g_assert_true (g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL));
  *out_port = (guint16)port;
  return g_steal_pointer (&server);
}

/**
 * mend_test_hq_restart:
 * @kill: SIGKILL, as a crash; otherwise SIGTERM, as an orderly stop
 *
 * Stops the server and starts it again on the same port, database and blob folder.
 */
void
mend_test_hq_restart (MendTestHq *hq, gboolean kill)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (hq->server, kill ? SIGKILL : SIGTERM);
  g_subprocess_wait (hq->server, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&hq->server);
  start_server (hq);
}

/**
 * mend_test_hq_restart_database:
 * @immediate: PostgreSQL's immediate shutdown (no checkpoint, crash recovery at the start), as
 *   a power cut; otherwise a fast one (open transactions rolled back, a checkpoint)
 *
 * Stops the cluster and starts it again with the options it had, while the server runs on.
 */
void
mend_test_hq_restart_database (MendTestHq *hq, gboolean immediate)
{
  g_autoptr (GPtrArray) pg_ctl = pg_argv ("pg_ctl");

  g_ptr_array_add (pg_ctl, g_strdup ("-D"));
  g_ptr_array_add (pg_ctl, g_build_filename (hq->dir, "pg", NULL));
  g_ptr_array_add (pg_ctl, g_strdup ("-w"));
  g_ptr_array_add (pg_ctl, g_strdup ("-m"));
  g_ptr_array_add (pg_ctl, g_strdup (immediate ? "immediate" : "fast"));
  g_ptr_array_add (pg_ctl, g_strdup ("-l"));
  g_ptr_array_add (pg_ctl, g_build_filename (hq->dir, "pg.log", NULL));
  /* restart starts the cluster with the options its last start was given (postmaster.opts). */
  g_ptr_array_add (pg_ctl, g_strdup ("restart"));
  run_ok (pg_ctl);
}

/* Stops the server politely, then lets the reaper stop the cluster and remove the folder. */
void
mend_test_hq_stop (MendTestHq *hq)
{
  g_autoptr (GError) error = NULL;

  if (hq->server != NULL)
    {
      g_subprocess_send_signal (hq->server, SIGTERM);
      g_subprocess_wait (hq->server, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (hq->server));
      g_assert_cmpint (g_subprocess_get_exit_status (hq->server), ==, 0);
      g_clear_object (&hq->server);
    }
  g_output_stream_close (g_subprocess_get_stdin_pipe (hq->reaper), NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait (hq->reaper, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&hq->reaper);
  g_assert_false (g_file_test (hq->dir, G_FILE_TEST_EXISTS));
  g_free (hq->blobs);
  g_free (hq->cafile);
  g_clear_pointer (&hq->serve_args, g_ptr_array_unref);
  g_free (hq->dir);
  g_free (hq->conninfo);
  g_free (hq);
}

/**
 * mend_test_hq_admin:
 * @args: the words after `mend-hq admin --database CONNINFO`
 *
 * Returns: (transfer full): what the command printed, without the final newline.
 */
char *
mend_test_hq_admin (MendTestHq *hq, const char *const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, (char *)g_getenv ("MEND_HQ"));
  g_ptr_array_add (argv, "admin");
  g_ptr_array_add (argv, "--database");
  g_ptr_array_add (argv, hq->conninfo);
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *)*args);
  g_ptr_array_add (argv, NULL);
  process
      = g_subprocess_newv ((const char *const *)argv->pdata,
                           G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  mend_test_log_keep ("mend-hq-admin", err, -1);
  if (!g_subprocess_get_successful (process))
    g_error ("mend-hq admin failed: %s", err);
  return g_strchomp (g_steal_pointer (&out));
}

PGconn *
mend_test_hq_connect (MendTestHq *hq)
{
  PGconn *conn = PQconnectdb (hq->conninfo);

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  return conn;
}

static PGresult *
query (MendTestHq *hq, const char *sql, const char *param, ExecStatusType expected)
{
  PGconn *conn = mend_test_hq_connect (hq);
  const char *params[] = { param };
  PGresult *result = PQexecParams (conn, sql, param != NULL ? 1 : 0, NULL, params, NULL, NULL, 0);

  if (PQresultStatus (result) != expected)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  PQfinish (conn);
  return result;
}

/* The single number @sql (with at most one parameter) selects. */
gint64
mend_test_hq_count (MendTestHq *hq, const char *sql, const char *param)
{
  PGresult *result = query (hq, sql, param, PGRES_TUPLES_OK);
  gint64 count;

  g_assert_cmpint (PQntuples (result), ==, 1);
  count = g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
  PQclear (result);
  return count;
}

void
mend_test_hq_exec (MendTestHq *hq, const char *sql, const char *param)
{
  PQclear (query (hq, sql, param, PGRES_COMMAND_OK));
}

static size_t
body_cb (char *data, size_t size, size_t n, void *user_data)
{
  MendTestHttp *http = user_data;

  g_string_append_len (http->body, data, size * n);
  return size * n;
}

static size_t
header_cb (char *data, size_t size, size_t n, void *user_data)
{
  MendTestHttp *http = user_data;
  g_autofree char *line = g_strchomp (g_strndup (data, size * n));

  if (g_ascii_strncasecmp (line, "Date:", 5) == 0)
    {
      http->n_date++;
      g_free (http->date);
      http->date = g_strdup (g_strstrip (line + 5));
    }
  else if (g_ascii_strncasecmp (line, "Allow:", 6) == 0)
    {
      g_free (http->allow);
      http->allow = g_strdup (g_strstrip (line + 6));
    }
  else if (g_ascii_strncasecmp (line, "WWW-Authenticate:", 17) == 0)
    http->www_authenticate = TRUE;
  if (strchr (line, ':') != NULL)
    {
      char *colon = strchr (line, ':');

      *colon = '\0';
      g_hash_table_insert (http->headers, g_ascii_strdown (line, -1),
                           g_strdup (g_strstrip (colon + 1)));
    }
  return size * n;
}

/**
 * mend_test_hq_request:
 *
 * Returns: (transfer full): the answer; the transfer itself must succeed.
 */
MendTestHttp *
mend_test_hq_request (MendTestHq *hq,
                      const char *method,
                      const char *path,
                      const char *token,
                      const char *content_type,
                      const void *body,
                      gsize length)
{
  return mend_test_hq_request_full (hq, method, path, token, content_type, body, length, NULL);
}

/**
 * mend_test_hq_request_full:
 * @headers: (nullable): more request headers ("Name: value"), NULL-terminated
 *
 * Returns: (transfer full): as mend_test_hq_request().
 */
MendTestHttp *
mend_test_hq_request_full (MendTestHq *hq,
                           const char *method,
                           const char *path,
                           const char *token,
                           const char *content_type,
                           const void *body,
                           gsize length,
                           const char *const *extra_headers)
{
  MendTestHttp *http = g_new0 (MendTestHttp, 1);
  g_autofree char *url = g_strdup_printf ("%s://127.0.0.1:%u%s",
                                          hq->cafile != NULL ? "https" : "http", hq->port, path);
  g_autofree char *authorization = NULL;
  g_autofree char *type = NULL;
  struct curl_slist *headers = NULL;
  CURL *curl = curl_easy_init ();
  CURLcode code;

  http->body = g_string_new (NULL);
  http->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (; extra_headers != NULL && *extra_headers != NULL; extra_headers++)
    headers = curl_slist_append (headers, *extra_headers);
  /* Small bodies go at once; a large one asks first ("100-continue"), so HQ can refuse it
   * before it is sent rather than cutting the upload off half way. */
  headers = curl_slist_append (headers, length > 1024 * 1024 ? "Expect: 100-continue" : "Expect:");
  if (token != NULL)
    {
      authorization = g_strconcat ("Authorization: Bearer ", token, NULL);
      headers = curl_slist_append (headers, authorization);
    }
  if (content_type != NULL)
    {
      type = g_strconcat ("Content-Type: ", content_type, NULL);
      headers = curl_slist_append (headers, type);
    }
  curl_easy_setopt (curl, CURLOPT_URL, url);
  /* Paths go as written, "../" included, so tests can send hostile ones. */
  curl_easy_setopt (curl, CURLOPT_PATH_AS_IS, 1L);
  if (hq->cafile != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, hq->cafile);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
  if (strcmp (method, "HEAD") == 0)
    curl_easy_setopt (curl, CURLOPT_NOBODY, 1L);
  if (body != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)length);
    }
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, body_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, http);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, http);
  code = curl_easy_perform (curl);
  if (code != CURLE_OK)
    g_error ("%s %s: %s", method, path, curl_easy_strerror (code));
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &http->status);
  curl_easy_cleanup (curl);
  curl_slist_free_all (headers);
  return http;
}

/* The last value of the response header @name (any case), or NULL. */
const char *
mend_test_http_header (MendTestHttp *http, const char *name)
{
  g_autofree char *key = g_ascii_strdown (name, -1);

  return g_hash_table_lookup (http->headers, key);
}

void
mend_test_http_free (MendTestHttp *http)
{
  g_string_free (http->body, TRUE);
  g_clear_pointer (&http->headers, g_hash_table_unref);
  g_free (http->date);
  g_free (http->allow);
  g_free (http);
}
