/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-fuzz"

#include "config.h"

#include "mend-fuzz.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mend-hq-dashboard-private.h"
#include "mend-hq-private.h"
#include "mend-test-hq.h"
#include "mend-wire.h"

/* HQ's request handling from raw HTTP bytes through to the store, in-process: the server code
 * of mend-hq (hq/, linked whole, started by the same mend_hq_serve_main() as `mend-hq serve`)
 * listens on a loopback port of this process, against a real throwaway PostgreSQL cluster
 * started once per process (the cluster of tests/mend-test-hq.c). A team, a staff user and one
 * enrolled device exist, so authenticated routes run through to the store.
 *
 * Each input is one connection's bytes: written whole, the sending side closed, the answer
 * read with a timeout. What comes back, if anything, must start with an HTTP status line and
 * not be 500 or 503 (Mend's own failure, not the client's); afterwards the server must still
 * answer GET /healthz with 200.
 *
 * Seeds hold placeholders for what only exists at run time, replaced before sending:
 * @TOKEN@ (the device's bearer token), @ENROL-CODE@ (an enrolment code; twelve characters,
 * as a code is, so a body's Content-Length stays right) and @COOKIE@ (a staff session's
 * cookie, name=value). */

/* The device of the real store's batch in corpus/wire-events/store-batch.json, whose events
 * the events seed carries: enrolled as this device, they reach the chain check and the rules. */
#define DEVICE_ID              "29ce5093-7077-49c4-b9ed-9a6640acaa36"
#define STAFF_NAME             "fuzz"
#define STAFF_PASSWORD         "fuzzing-password-1"
#define ENROL_CODE_PLACEHOLDER "@ENROL-CODE@"
#define LOGIN_TOKEN            "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuz"

static MendTestHq *hq;
static char *token;
static char *enrol_code;
static char *cookie;
/* How the last exchange() ended: 0 when the server closed, EAGAIN when it gave up waiting. */
static int last_errno;

/* What the admin commands print with g_print(), run in this process. */
static GString *printed;

static void
print_cb (const char *text)
{
  g_string_append (printed, text);
}

static char *
admin (const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  int status;

  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *)*args);
  g_ptr_array_add (argv, NULL);
  printed = g_string_new (NULL);
  g_set_print_handler (print_cb);
  status = mend_hq_admin_main (hq->conninfo, (int)argv->len - 1, (char **)argv->pdata);
  g_set_print_handler (NULL);
  if (status != 0)
    g_error ("mend-hq admin %s failed (%d)", (const char *)argv->pdata[0], status);
  return g_strstrip (g_string_free (g_steal_pointer (&printed), FALSE));
}

/* Waits until @fd is ready for @events or @deadline passes. libFuzzer's timer (SIGALRM, for
 * -timeout) interrupts system calls now and then: an interrupted wait is resumed, never taken
 * for the server's answer. */
static gboolean
wait_for (int fd, short events, gint64 deadline)
{
  for (;;)
    {
      struct pollfd poll_fd = { .fd = fd, .events = events };
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      int n;

      if (left_ms <= 0)
        return FALSE;
      n = poll (&poll_fd, 1, (int)left_ms);
      if (n > 0)
        return TRUE;
      if (n == 0 || errno != EINTR)
        return FALSE;
    }
}

/* Writes @length bytes on a connection of its own and returns what came back within 10 s
 * (empty when it closed without a word). With @half_close the sending side is closed after the
 * bytes, so the server sees the end of what a fuzzed input sends; the target's own requests
 * (the health check, the login) are those of an ordinary client instead, which keeps its side
 * open and asks the server to close ("Connection: close"). */
static GString *
exchange (const char *request, gsize length, gboolean half_close)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = g_htons (hq->port) };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GString *answer = g_string_new (NULL);
  char buffer[8192];
  gssize got = 0;
  gsize sent = 0;
  int error = 0;
  socklen_t error_size = sizeof error;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  g_assert (fd >= 0);
  address.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *)&address, sizeof address) != 0 && errno != EINPROGRESS)
    g_error ("cannot connect to the server: %s", g_strerror (errno));
  if (!wait_for (fd, POLLOUT, deadline)
      || getsockopt (fd, SOL_SOCKET, SO_ERROR, &error, &error_size) != 0 || error != 0)
    g_error ("cannot connect to the server: %s",
             error != 0 ? g_strerror (error) : "no answer in 10 s");
  /* A request the server stops reading halfway (it answered already) is not an error. */
  while (sent < length && wait_for (fd, POLLOUT, deadline))
    {
      got = send (fd, request + sent, length - sent, MSG_NOSIGNAL);
      if (got > 0)
        sent += (gsize)got;
      else if (errno != EINTR && errno != EAGAIN)
        break;
    }
  if (half_close)
    shutdown (fd, SHUT_WR);
  last_errno = EAGAIN;
  while (wait_for (fd, POLLIN, deadline))
    {
      got = recv (fd, buffer, sizeof buffer, 0);
      if (got > 0)
        g_string_append_len (answer, buffer, got);
      else if (got == 0 || (errno != EINTR && errno != EAGAIN))
        {
          last_errno = got < 0 ? errno : 0;
          break;
        }
    }
  close (fd);
  return answer;
}

/* The status of an answer that starts with an HTTP status line, or 0. */
static int
status_of (const GString *answer)
{
  gint64 status;

  if (answer->len < 13
      || !(g_str_has_prefix (answer->str, "HTTP/1.1 ")
           || g_str_has_prefix (answer->str, "HTTP/1.0 "))
      || !g_ascii_isdigit (answer->str[9]) || !g_ascii_isdigit (answer->str[10])
      || !g_ascii_isdigit (answer->str[11]) || answer->str[12] != ' ')
    return 0;
  status = g_ascii_strtoll (answer->str + 9, NULL, 10);
  return status >= 100 && status <= 599 ? (int)status : 0;
}

static GString *
request (const char *method, const char *path, const char *headers, const char *body)
{
  g_autoptr (GString) text = g_string_new (NULL);

  g_string_append_printf (text, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s",
                          method, path, headers != NULL ? headers : "");
  if (body != NULL)
    g_string_append_printf (text, "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s", strlen (body),
                            body);
  else
    g_string_append (text, "\r\n");
  return exchange (text->str, text->len, FALSE);
}

/* Runs mend_hq_serve_main() on a thread of its own, as `mend-hq serve` runs it on the main
 * one; it waits for a signal that never comes, so the server lives as long as the process. */
static gpointer
serve_thread (gpointer data)
{
  MendHqServeOptions *options = data;

  return GINT_TO_POINTER (mend_hq_serve_main (options));
}

/* The server prints "listening on 127.0.0.1:PORT" on stdout once it listens (port 0 lets the
 * kernel pick a free one): stdout is a pipe until that line has come. */
static guint16
start_server (void)
{
  MendHqServeOptions *options = g_new0 (MendHqServeOptions, 1);
  const char *prefix = "listening on 127.0.0.1:";
  GString *line = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint64 port = 0;
  int pipe_fds[2];
  int saved_stdout;
  char c;

  mend_hq_serve_options_init (options);
  options->database = g_strdup (hq->conninfo);
  options->listen = g_strdup ("127.0.0.1:0");
  options->blobs = g_strdup (hq->blobs);
  options->threads = 2;
  options->timeout_s = 5;
  options->device_rate = 0;
  options->enrol_rate = 0;

  fflush (stdout);
  saved_stdout = dup (STDOUT_FILENO);
  g_assert (saved_stdout >= 0 && pipe (pipe_fds) == 0);
  dup2 (pipe_fds[1], STDOUT_FILENO);
  close (pipe_fds[1]);
  g_thread_unref (g_thread_new ("mend-hq-serve", serve_thread, options));
  for (;;)
    {
      if (!wait_for (pipe_fds[0], POLLIN, deadline) || read (pipe_fds[0], &c, 1) != 1)
        g_error ("the server did not start: %s", line->str);
      if (c == '\n')
        break;
      g_string_append_c (line, c);
    }
  dup2 (saved_stdout, STDOUT_FILENO);
  close (saved_stdout);
  close (pipe_fds[0]);
  if (!g_str_has_prefix (line->str, prefix)
      || !g_ascii_string_to_unsigned (line->str + strlen (prefix), 10, 1, 65535, &port, NULL))
    g_error ("the server said: %s", line->str);
  g_string_free (line, TRUE);
  return (guint16)port;
}

static void
enrol_device (const char *team)
{
  const char *const code_args[] = { "enrolment-code", team, NULL };
  g_autofree char *code = admin (code_args);
  g_autoptr (GBytes) body = mend_wire_encode_enrol_request (code, DEVICE_ID, "Fuzzed tablet");
  g_autoptr (MendTestHttp) http = NULL;
  g_autoptr (MendWireEnrolment) enrolment = NULL;
  g_autoptr (GError) error = NULL;

  http = mend_test_hq_request (hq, "POST", "/api/v1/devices/enrol", NULL, "application/json",
                               g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert (http->status == 201);
  enrolment = mend_wire_decode_enrolment (http->body->str, http->body->len, &error);
  g_assert_no_error (error);
  token = g_strdup (enrolment->token);
}

/* The login form is guarded by a double-submit token: any well-formed token will do, as long
 * as the login cookie and the form's field carry the same one. */
static void
log_in (void)
{
  g_autoptr (GString) answer
      = request ("POST", "/login",
                 "Content-Type: application/x-www-form-urlencoded\r\n"
                 "Cookie: " MEND_HQ_LOGIN_COOKIE "=" LOGIN_TOKEN "\r\n",
                 "csrf=" LOGIN_TOKEN "&name=" STAFF_NAME "&password=" STAFF_PASSWORD);
  const char *header = strstr (answer->str, "\r\nSet-Cookie: " MEND_HQ_SESSION_COOKIE "=");

  if (status_of (answer) != 303 || header == NULL)
    g_error ("cannot log in to the dashboard: %.300s", answer->str);
  header += strlen ("\r\nSet-Cookie: ");
  cookie = g_strndup (header, strcspn (header, ";\r"));
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *const init[] = { "init", NULL };
  const char *const team_add[] = { "team", "add", "Fuzz team", NULL };
  const char *const user_add[] = { "user", "add", STAFF_NAME, "--password", STAFF_PASSWORD, NULL };
  g_autofree char *team = NULL;

  mend_fuzz_init_logging ();
  g_assert (sodium_init () >= 0);
  hq = mend_test_hq_start_database ();
  g_free (admin (init));
  team = admin (team_add);
  g_free (admin (user_add));
  hq->port = start_server ();
  enrol_device (team);
  log_in ();
  {
    const char *const code_args[] = { "enrolment-code", team, NULL };

    /* One spare code for the enrolment seed; once used, enrolments are refused, as they are
     * meant to be. */
    enrol_code = admin (code_args);
    g_assert (strlen (enrol_code) == strlen (ENROL_CODE_PLACEHOLDER));
  }
  return 0;
}

/* The input with its placeholders filled in. */
static GString *
fill_in (const uint8_t *data, size_t size)
{
  static const char *const names[] = { "@TOKEN@", ENROL_CODE_PLACEHOLDER, "@COOKIE@" };
  const char *values[] = { token, enrol_code, cookie };
  GString *out = g_string_sized_new (size + 64);
  size_t i = 0;

  while (i < size)
    {
      guint n;

      for (n = 0; n < G_N_ELEMENTS (names); n++)
        if (size - i >= strlen (names[n]) && memcmp (data + i, names[n], strlen (names[n])) == 0)
          break;
      if (n < G_N_ELEMENTS (names))
        {
          g_string_append (out, values[n]);
          i += strlen (names[n]);
        }
      else
        g_string_append_c (out, (char)data[i++]);
    }
  return out;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GString) input = fill_in (data, size);
  g_autoptr (GString) answer = exchange (input->str, input->len, TRUE);
  g_autoptr (GString) health = NULL;
  int status = status_of (answer);

  if (answer->len > 0 && status == 0)
    g_error ("the answer is not HTTP: %.60s", answer->str);
  /* 505 (an HTTP version it does not speak) and 501 (a method it does not know) are
   * libmicrohttpd's refusals; 500 and 503 would be Mend's own failure. */
  if (status == 500 || status == 503)
    g_error ("the request was answered %d: %.400s", status, answer->str);
  /* For checking that a new seed reaches what it was written for. */
  if (g_getenv ("MEND_FUZZ_SHOW_STATUS") != NULL)
    fprintf (stderr, "# answered %d\n", status);
  health = request ("GET", "/healthz", NULL, NULL);
  if (status_of (health) != 200)
    g_error ("the server no longer answers /healthz (%s): %.60s",
             last_errno == EAGAIN ? "no answer in 10 s"
             : last_errno != 0    ? g_strerror (last_errno)
                                  : "closed",
             health->str);
  return 0;
}
