/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <curl/curl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "mend-hq-dashboard-private.h"
#include "mend-test-reliability.h"
#include "mend-wire.h"
#include "test-hq-dashboard.h"

/* The staff dashboard (its form decoder, escaper and CSV writer have their own unit tests in
 * test-hq-dashboard-unit.c): the real mend-hq on a throwaway PostgreSQL, driven like a browser
 * (libcurl with a cookie jar): login, lockout, logout, CSRF on every form, every page with demo
 * data that a real device store recorded and pushed through POST /api/v1/events, hostile strings
 * everywhere, CSV exports parsed back by Python's csv module, and the photo route. */

#define PASSWORD "correct horse battery"
#define STAFF    "Ada <Coordinator>"

static MendTestDemo demo;

/* A browser ------------------------------------------------------------------------------- */

typedef struct
{
  CURL *curl; /* kept between requests: its cookie jar is the browser's */
  MendTestHq *hq;
  const char *cafile; /* when set, HTTPS trusting only this certificate */
} Browser;

typedef struct
{
  long status;
  GString *body;
  GPtrArray *headers; /* "Name: value" lines */
} Answer;

static void
answer_free (Answer *answer)
{
  g_string_free (answer->body, TRUE);
  g_ptr_array_unref (answer->headers);
  g_free (answer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answer, answer_free)

static Browser *
browser_new (void)
{
  Browser *browser = g_new0 (Browser, 1);

  browser->curl = curl_easy_init ();
  browser->hq = demo.hq;
  return browser;
}

static void
browser_free (Browser *browser)
{
  curl_easy_cleanup (browser->curl);
  g_free (browser);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Browser, browser_free)

static size_t
body_cb (char *data, size_t size, size_t n, void *user_data)
{
  g_string_append_len (((Answer *)user_data)->body, data, size * n);
  return size * n;
}

static size_t
header_cb (char *data, size_t size, size_t n, void *user_data)
{
  g_autofree char *line = g_strchomp (g_strndup (data, size * n));

  if (line[0] != '\0' && !g_str_has_prefix (line, "HTTP/"))
    g_ptr_array_add (((Answer *)user_data)->headers, g_steal_pointer (&line));
  return size * n;
}

/* A request with the browser's cookies; @form is an urlencoded body (POST), @headers more
 * header lines. */
static Answer *
browse (Browser *browser,
        const char *method,
        const char *path,
        const char *form,
        const char *const *headers)
{
  Answer *answer = g_new0 (Answer, 1);
  g_autofree char *url = g_strdup_printf (
      "%s://127.0.0.1:%u%s", browser->cafile != NULL ? "https" : "http", browser->hq->port, path);
  struct curl_slist *list = curl_slist_append (NULL, "Expect:");
  CURL *curl = browser->curl;
  CURLcode code;

  answer->body = g_string_new (NULL);
  answer->headers = g_ptr_array_new_with_free_func (g_free);
  curl_easy_reset (curl);
  curl_easy_setopt (curl, CURLOPT_COOKIEFILE, "");
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
  if (browser->cafile != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, browser->cafile);
  if (form != NULL)
    {
      list = curl_slist_append (list, "Content-Type: application/x-www-form-urlencoded");
      curl_easy_setopt (curl, CURLOPT_POSTFIELDS, form);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long)strlen (form));
    }
  for (; headers != NULL && *headers != NULL; headers++)
    list = curl_slist_append (list, *headers);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, body_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, answer);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, answer);
  code = curl_easy_perform (curl);
  if (code != CURLE_OK)
    g_error ("%s %s: %s", method, path, curl_easy_strerror (code));
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &answer->status);
  curl_slist_free_all (list);
  return answer;
}

static Answer *
get (Browser *browser, const char *path)
{
  return browse (browser, "GET", path, NULL, NULL);
}

/* The value of the first header @name, or NULL. */
static const char *
header (Answer *answer, const char *name)
{
  gsize length = strlen (name);

  for (guint i = 0; i < answer->headers->len; i++)
    {
      const char *line = g_ptr_array_index (answer->headers, i);

      if (g_ascii_strncasecmp (line, name, length) == 0 && line[length] == ':')
        return line + length + 1 + (line[length + 1] == ' ');
    }
  return NULL;
}

/* The Set-Cookie line that sets @name. */
static const char *
set_cookie (Answer *answer, const char *name)
{
  g_autofree char *prefix = g_strconcat (name, "=", NULL);

  for (guint i = 0; i < answer->headers->len; i++)
    {
      const char *line = g_ptr_array_index (answer->headers, i);

      if (g_ascii_strncasecmp (line, "Set-Cookie: ", 12) == 0
          && g_str_has_prefix (line + 12, prefix))
        return line + 12;
    }
  return NULL;
}

/* The first csrf field's value on the page. */
static char *
csrf_of (Answer *answer)
{
  const char *marker = "name=\"csrf\" value=\"";
  const char *start = strstr (answer->body->str, marker);

  g_assert_nonnull (start);
  start += strlen (marker);
  return g_strndup (start, strchr (start, '"') - start);
}

static char *
form_encode (const char *const *pairs)
{
  GString *form = g_string_new (NULL);

  for (; pairs[0] != NULL; pairs += 2)
    {
      g_autofree char *name = g_uri_escape_string (pairs[0], NULL, FALSE);
      g_autofree char *value = g_uri_escape_string (pairs[1], NULL, FALSE);

      g_string_append_printf (form, "%s%s=%s", form->len > 0 ? "&" : "", name, value);
    }
  return g_string_free (form, FALSE);
}

static Answer *
try_login (Browser *browser, const char *name, const char *password)
{
  g_autoptr (Answer) page = get (browser, "/login");
  g_autofree char *csrf = NULL;
  g_autofree char *form = NULL;

  g_assert_cmpint (page->status, ==, 200);
  csrf = csrf_of (page);
  form = form_encode (
      (const char *const[]){ "csrf", csrf, "name", name, "password", password, NULL });
  return browse (browser, "POST", "/login", form, NULL);
}

static Browser *
logged_in (void)
{
  Browser *browser = browser_new ();
  g_autoptr (Answer) answer = try_login (browser, STAFF, PASSWORD);

  g_assert_cmpint (answer->status, ==, 303);
  g_assert_cmpstr (header (answer, "Location"), ==, "/sessions");
  return browser;
}

static void
clear_failures (void)
{
  mend_test_hq_exec (demo.hq, "DELETE FROM staff_login_failures", NULL);
}

/* Every page: escaped, no raw hostile markup, and the headers that stop scripts. */
static void
assert_safe_html (Answer *answer)
{
  const char *csp = header (answer, "Content-Security-Policy");

  g_assert_cmpstr (header (answer, "Content-Type"), ==, "text/html; charset=utf-8");
  g_assert_nonnull (csp);
  g_assert_nonnull (strstr (csp, "default-src 'none'"));
  g_assert_cmpstr (header (answer, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_null (strstr (answer->body->str, "<script"));
  g_assert_null (strstr (answer->body->str, "<img src=x"));
  g_assert_null (strstr (answer->body->str, "<b>bags"));
  g_assert_null (strstr (answer->body->str, "<i>Kettering"));
  g_assert_true (g_utf8_validate (answer->body->str, answer->body->len, NULL));
}

/* Admin ------------------------------------------------------------------------------------ */

/* `mend-hq admin …` with @input on its standard input; returns the exit status. */
static int
admin_with_input (const char *const *args, const char *input, char **out_err)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;

  g_ptr_array_add (argv, (char *)g_getenv ("MEND_HQ"));
  g_ptr_array_add (argv, "admin");
  g_ptr_array_add (argv, "--database");
  g_ptr_array_add (argv, demo.hq->conninfo);
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *)*args);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char *const *)argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                   | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, NULL, out_err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

static void
test_admin_user (void)
{
  g_autofree char *err = NULL;
  g_autofree char *hash = NULL;
  g_autoptr (PGconn) conn = mend_test_hq_connect (demo.hq);
  g_autoptr (PGresult) result = NULL;

  /* The staff user of every other test was added through standard input in main(). */
  result = PQexec (conn, "SELECT password_hash FROM staff_users WHERE name = 'Ada <Coordinator>'");
  g_assert_cmpint (PQntuples (result), ==, 1);
  g_assert_true (g_str_has_prefix (PQgetvalue (result, 0, 0), "$argon2id$"));
  g_assert_null (strstr (PQgetvalue (result, 0, 0), PASSWORD));

  g_assert_cmpint (admin_with_input ((const char *const[]){ "user", "add", "scripted", "--password",
                                                            "another long one", NULL },
                                     NULL, NULL),
                   ==, 0);
  g_assert_cmpint (admin_with_input ((const char *const[]){ "user", "add", "scripted", "--password",
                                                            "another long one", NULL },
                                     NULL, &err),
                   ==, 2);
  g_assert_nonnull (strstr (err, "already"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (
      admin_with_input ((const char *const[]){ "user", "add", "shorty", NULL }, "short\n", &err),
      ==, 2);
  g_assert_nonnull (strstr (err, "10 characters"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (
      admin_with_input ((const char *const[]){ "user", "add", "nobody", NULL }, "", &err), ==, 2);
  g_assert_nonnull (strstr (err, "standard input"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (admin_with_input ((const char *const[]){ "user", "add", "", "--password",
                                                            "long enough pass", NULL },
                                     NULL, &err),
                   ==, 2);
  g_assert_cmpint (
      mend_test_hq_count (demo.hq, "SELECT count(*) FROM staff_users WHERE name <> $1", STAFF), ==,
      1);
}

/* Login, lockout, logout ------------------------------------------------------------------ */

static void
test_login (void)
{
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Answer) page = get (browser, "/sessions");
  g_autoptr (Answer) login = NULL;
  g_autoptr (Answer) wrong = NULL;
  g_autoptr (Answer) unknown = NULL;
  g_autoptr (Answer) ok = NULL;
  g_autoptr (Answer) after = NULL;
  const char *cookie;

  clear_failures ();
  /* Not logged in: to the login page. */
  g_assert_cmpint (page->status, ==, 303);
  g_assert_cmpstr (header (page, "Location"), ==, "/login");

  login = get (browser, "/login");
  g_assert_cmpint (login->status, ==, 200);
  assert_safe_html (login);
  cookie = set_cookie (login, "mend_login");
  g_assert_nonnull (cookie);
  g_assert_nonnull (strstr (cookie, "HttpOnly"));
  g_assert_nonnull (strstr (cookie, "SameSite=Strict"));

  wrong = try_login (browser, STAFF, "not the password");
  g_assert_cmpint (wrong->status, ==, 401);
  g_assert_nonnull (strstr (wrong->body->str, "The name or the password is wrong."));
  g_assert_null (set_cookie (wrong, "mend_session"));
  unknown = try_login (browser, "nobody at all", PASSWORD);
  g_assert_cmpint (unknown->status, ==, 401);
  g_assert_nonnull (strstr (unknown->body->str, "The name or the password is wrong."));
  g_assert_cmpint (mend_test_hq_count (demo.hq, "SELECT count(*) FROM staff_login_failures", NULL),
                   ==, 2);

  ok = try_login (browser, STAFF, PASSWORD);
  g_assert_cmpint (ok->status, ==, 303);
  g_assert_cmpstr (header (ok, "Location"), ==, "/sessions");
  cookie = set_cookie (ok, "mend_session");
  g_assert_nonnull (cookie);
  g_assert_nonnull (strstr (cookie, "; Path=/;"));
  g_assert_nonnull (strstr (cookie, "; HttpOnly"));
  g_assert_nonnull (strstr (cookie, "; SameSite=Strict"));
  g_assert_null (strstr (cookie, "Secure")); /* plain HTTP here: a Secure cookie would be lost */
  /* The name's failures are cleared by a success; the database holds only a digest. */
  g_assert_cmpint (mend_test_hq_count (demo.hq,
                                       "SELECT count(*) FROM staff_login_failures"
                                       " WHERE user_name = lower($1)",
                                       STAFF),
                   ==, 0);
  g_assert_cmpint (mend_test_hq_count (demo.hq,
                                       "SELECT count(*) FROM staff_sessions"
                                       " WHERE length(token_sha256) = 32",
                                       NULL),
                   >=, 1);

  after = get (browser, "/sessions");
  g_assert_cmpint (after->status, ==, 200);
  assert_safe_html (after);
  g_assert_nonnull (strstr (after->body->str, "Ada &lt;Coordinator&gt;"));
  clear_failures ();
}

static void
test_lockout (void)
{
  g_autoptr (Browser) browser = browser_new ();

  clear_failures ();
  for (int i = 0; i < MEND_HQ_LOCKOUT_FAILURES; i++)
    {
      g_autoptr (Answer) wrong = try_login (browser, STAFF, "guess guess guess");

      g_assert_cmpint (wrong->status, ==, 401);
    }
  /* The right password now is refused too, with a plain message, and no session. */
  {
    g_autoptr (Answer) locked = try_login (browser, STAFF, PASSWORD);

    g_assert_cmpint (locked->status, ==, 429);
    g_assert_nonnull (strstr (locked->body->str, "Too many failed logins"));
    g_assert_null (set_cookie (locked, "mend_session"));
  }
  /* Failures older than the window no longer count. */
  mend_test_hq_exec (
      demo.hq, "UPDATE staff_login_failures SET failed_at = now() - interval '16 minutes'", NULL);
  {
    g_autoptr (Browser) later = browser_new ();
    g_autoptr (Answer) ok = try_login (later, STAFF, PASSWORD);

    g_assert_cmpint (ok->status, ==, 303);
  }

  /* Per address: guesses at many names from one address lock that address out, whatever
   * name comes next. */
  clear_failures ();
  for (int i = 0; i < MEND_HQ_LOCKOUT_FAILURES; i++)
    {
      g_autofree char *name = g_strdup_printf ("guessed name %d", i);
      g_autoptr (Answer) wrong = try_login (browser, name, "whatever it is");

      g_assert_cmpint (wrong->status, ==, 401);
    }
  {
    g_autoptr (Browser) other = browser_new ();
    g_autoptr (Answer) locked = try_login (other, STAFF, PASSWORD);

    g_assert_cmpint (locked->status, ==, 429);
    g_assert_nonnull (strstr (locked->body->str, "from this address"));
  }
  clear_failures ();
  mend_test_reliability_row ("dashboard passwords guessed", 2, MEND_RELIABILITY_REFUSED);
}

typedef struct
{
  Browser *browser;
  char *form;
  long status;
} Guess;

static gpointer
guess_thread (gpointer data)
{
  Guess *guess = data;
  g_autoptr (Answer) answer = browse (guess->browser, "POST", "/login", guess->form, NULL);

  guess->status = answer->status;
  return NULL;
}

/* Guesses sent side by side (HQ answers them on several threads) still get only
 * MEND_HQ_LOCKOUT_FAILURES tries: each is counted before its password is checked. */
static void
test_lockout_concurrent (void)
{
  Guess guesses[12];
  GThread *threads[G_N_ELEMENTS (guesses)];
  int refused = 0, locked = 0;

  clear_failures ();
  for (guint i = 0; i < G_N_ELEMENTS (guesses); i++)
    {
      g_autoptr (Answer) page = NULL;
      g_autofree char *csrf = NULL;

      guesses[i].browser = browser_new ();
      page = get (guesses[i].browser, "/login");
      csrf = csrf_of (page);
      guesses[i].form = form_encode (
          (const char *const[]){ "csrf", csrf, "name", STAFF, "password", "parallel guess", NULL });
    }
  for (guint i = 0; i < G_N_ELEMENTS (guesses); i++)
    threads[i] = g_thread_new ("guess", guess_thread, &guesses[i]);
  for (guint i = 0; i < G_N_ELEMENTS (guesses); i++)
    {
      g_thread_join (threads[i]);
      refused += guesses[i].status == 401;
      locked += guesses[i].status == 429;
      browser_free (guesses[i].browser);
      g_free (guesses[i].form);
    }
  g_assert_cmpint (refused, ==, MEND_HQ_LOCKOUT_FAILURES);
  g_assert_cmpint (locked, ==, (int)G_N_ELEMENTS (guesses) - MEND_HQ_LOCKOUT_FAILURES);
  clear_failures ();
}

static void
test_logout (void)
{
  g_autoptr (Browser) browser = logged_in ();
  g_autoptr (Answer) page = get (browser, "/people");
  g_autoptr (Answer) out = NULL;
  g_autoptr (Answer) again = NULL;
  g_autoptr (Answer) replay = NULL;
  g_autofree char *csrf = csrf_of (page);
  g_autofree char *form = form_encode ((const char *const[]){ "csrf", csrf, NULL });
  g_autofree char *token = NULL;
  g_autofree char *cookie_header = NULL;
  char *token_end;
  struct curl_slist *cookies = NULL;

  g_assert_cmpint (page->status, ==, 200);
  /* The token the browser holds, to replay after the logout. */
  curl_easy_getinfo (browser->curl, CURLINFO_COOKIELIST, &cookies);
  for (struct curl_slist *c = cookies; c != NULL; c = c->next)
    if (strstr (c->data, "\tmend_session\t") != NULL)
      token = g_strdup (strstr (c->data, "\tmend_session\t") + strlen ("\tmend_session\t"));
  curl_slist_free_all (cookies);
  g_assert_nonnull (token);
  token_end = strchr (token, '\t');
  if (token_end != NULL)
    *token_end = '\0';

  out = browse (browser, "POST", "/logout", form, NULL);
  g_assert_cmpint (out->status, ==, 303);
  g_assert_cmpstr (header (out, "Location"), ==, "/login");
  g_assert_nonnull (strstr (set_cookie (out, "mend_session"), "Max-Age=0"));
  again = get (browser, "/people");
  g_assert_cmpint (again->status, ==, 303);

  /* The old cookie is worth nothing now: its session row is gone. */
  cookie_header = g_strdup_printf ("Cookie: mend_session=%s", token);
  {
    g_autoptr (Browser) thief = browser_new ();

    replay = browse (thief, "GET", "/people", NULL, (const char *const[]){ cookie_header, NULL });
  }
  g_assert_cmpint (replay->status, ==, 303);
  g_assert_cmpstr (header (replay, "Location"), ==, "/login");
}

/* CSRF: every POST form refuses a missing or wrong token, and does nothing. */
static void
test_csrf (void)
{
  g_autoptr (Browser) browser = logged_in ();
  g_autoptr (Answer) devices = get (browser, "/devices");
  g_autofree char *csrf = csrf_of (devices);
  g_autofree char *device_id = g_strdup (mend_store_get_device_id (demo.device.store));
  const char *wrong = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  struct
  {
    const char *path;
    const char *const *fields;
  } forms[] = {
    { "/logout", (const char *const[]){ NULL } },
    { "/devices/revoke", (const char *const[]){ "device", device_id, NULL } },
  };

  g_assert_cmpint (devices->status, ==, 200);
  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autoptr (GPtrArray) fields = g_ptr_array_new ();
      g_autofree char *missing = NULL;
      g_autofree char *bad = NULL;
      g_autoptr (Answer) no_token = NULL;
      g_autoptr (Answer) bad_token = NULL;
      g_autoptr (Answer) json = NULL;
      g_autoptr (Answer) anonymous = NULL;

      for (const char *const *f = forms[i].fields; *f != NULL; f++)
        g_ptr_array_add (fields, (char *)*f);
      g_ptr_array_add (fields, NULL);
      missing = form_encode ((const char *const *)fields->pdata);
      g_ptr_array_remove_index (fields, fields->len - 1);
      g_ptr_array_add (fields, "csrf");
      g_ptr_array_add (fields, (char *)wrong);
      g_ptr_array_add (fields, NULL);
      bad = form_encode ((const char *const *)fields->pdata);

      no_token = browse (browser, "POST", forms[i].path, missing, NULL);
      g_assert_cmpint (no_token->status, ==, 403);
      assert_safe_html (no_token);
      bad_token = browse (browser, "POST", forms[i].path, bad, NULL);
      g_assert_cmpint (bad_token->status, ==, 403);
      /* A form posted as another type is refused before anything else. */
      json = browse (browser, "POST", forms[i].path, NULL,
                     (const char *const[]){ "Content-Type: application/json", NULL });
      g_assert_cmpint (json->status, ==, 415);
      /* Without a session the real token is no use either. */
      {
        g_autoptr (Browser) stranger = browser_new ();
        g_autofree char *with_token = NULL;

        /* [… "csrf", wrong, NULL] becomes [… "csrf", the real token, NULL]. */
        g_ptr_array_set_size (fields, fields->len - 2);
        g_ptr_array_add (fields, (char *)csrf);
        g_ptr_array_add (fields, NULL);
        with_token = form_encode ((const char *const *)fields->pdata);
        anonymous = browse (stranger, "POST", forms[i].path, with_token, NULL);
        g_assert_cmpint (anonymous->status, ==, 403);
      }
    }
  /* Nothing happened: still logged in, the device not revoked. */
  {
    g_autoptr (Answer) still = get (browser, "/devices");

    g_assert_cmpint (still->status, ==, 200);
  }
  g_assert_cmpint (mend_test_hq_count (demo.hq,
                                       "SELECT count(*) FROM devices WHERE id = $1"
                                       " AND revoked_at IS NULL",
                                       device_id),
                   ==, 1);

  /* The login form is protected before anyone is logged in: without its cookie, or with a
   * token that is not the cookie's, the right password does not log in. */
  {
    g_autoptr (Browser) fresh = browser_new ();
    g_autofree char *form = form_encode (
        (const char *const[]){ "csrf", wrong, "name", STAFF, "password", PASSWORD, NULL });
    g_autoptr (Answer) forged = browse (fresh, "POST", "/login", form, NULL);
    g_autoptr (Answer) page = get (fresh, "/login");
    g_autoptr (Answer) mismatched = browse (fresh, "POST", "/login", form, NULL);

    g_assert_cmpint (forged->status, ==, 403);
    g_assert_null (set_cookie (forged, "mend_session"));
    g_assert_cmpint (page->status, ==, 200);
    g_assert_cmpint (mismatched->status, ==, 403);
    g_assert_null (set_cookie (mismatched, "mend_session"));
  }
  {
    g_autoptr (Answer) broken = browse (browser, "POST", "/logout", "csrf=%zz", NULL);

    g_assert_cmpint (broken->status, ==, 400);
  }
  mend_test_reliability_row ("forged dashboard forms (cross-site requests)", 3,
                             MEND_RELIABILITY_REFUSED);
}

/* Pages ------------------------------------------------------------------------------------ */

static void
assert_contains (Answer *answer, const char *text)
{
  if (strstr (answer->body->str, text) == NULL)
    g_error ("the page does not hold \"%s\":\n%s", text, answer->body->str);
}

static void
test_unauthenticated (void)
{
  g_autoptr (Browser) browser = browser_new ();
  g_autofree char *photo = g_strconcat ("/photos/", demo.before_sha256, NULL);
  const char *const paths[] = {
    "/",
    "/sessions",
    "/session?id=s00000",
    "/people",
    "/devices",
    "/exports",
    "/export/attendance.csv",
    "/export/tallies.csv",
    "/export/first-attendance.csv",
    photo,
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr (Answer) answer = get (browser, paths[i]);

      g_assert_cmpint (answer->status, ==, 303);
      g_assert_cmpstr (header (answer, "Location"), ==, "/login");
      g_assert_null (strstr (answer->body->str, "s00000"));
      g_assert_cmpuint (answer->body->len, <, 100);
    }
}

static void
test_pages (void)
{
  g_autoptr (Browser) browser = logged_in ();
  g_autofree char *sessions_path
      = g_strdup_printf ("/sessions?from=%s&to=%s", demo.session_day, demo.session_day);
  g_autoptr (Answer) sessions = get (browser, sessions_path);
  g_autoptr (Answer) session = get (browser, "/session?id=s00000");
  g_autoptr (Answer) people = get (browser, "/people");
  g_autoptr (Answer) devices = get (browser, "/devices");
  g_autoptr (Answer) exports = get (browser, "/exports");
  g_autoptr (Answer) root = get (browser, "/");
  g_autoptr (Answer) css = get (browser, "/static/dashboard.css");
  g_autoptr (Answer) missing = get (browser, "/nowhere");
  g_autoptr (Answer) no_session = get (browser, "/session?id=nope");
  g_autoptr (Answer) bad_date = get (browser, "/sessions?from=2026-02-30");
  g_autoptr (Answer) backwards = get (browser, "/sessions?from=2026-02-02&to=2026-02-01");
  g_autoptr (Answer) empty_day = get (browser, "/sessions?from=2001-01-01&to=2001-01-01");
  g_autofree char *before_img = g_strdup_printf ("<img src=\"/photos/%s\"", demo.before_sha256);

  for (guint i = 0; i < 4; i++)
    {
      Answer *page = (Answer *[]){ sessions, session, people, devices }[i];
      const char *dump = g_getenv ("MEND_TEST_DASHBOARD_DUMP");

      g_assert_cmpint (page->status, ==, 200);
      assert_safe_html (page);
      /* To look at the pages by eye: MEND_TEST_DASHBOARD_DUMP=FOLDER keeps them there. */
      if (dump != NULL)
        {
          g_autofree char *name = g_strdup_printf ("%s/page-%u.html", dump, i);

          g_assert_true (g_file_set_contents (name, page->body->str, page->body->len, NULL));
        }
    }

  /* Sessions of the day: the demo session with its counts and hours. */
  assert_contains (sessions, "/session?id=s00000");
  assert_contains (sessions, "&lt;img src=x onerror=alert(1)&gt; Park");
  assert_contains (sessions, "North &lt;i&gt;Kettering&lt;/i&gt; &amp; Co");
  assert_contains (sessions, "Robert&#39;); DROP TABLE events; --");
  assert_contains (sessions, "<td class=\"number\">3</td><td class=\"number\">2</td>"
                             "<td class=\"number\">1</td><td class=\"number\">3 h 15 min</td>");

  /* The session: attendance with hours credited by the shared rule (210 min on site less 15
   * penalty), the outside-the-boundary reason, photos side by side, tallies (the voided
   * "sharps" gone). */
  assert_contains (session, "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; &amp; "
                            "&quot;Daniel&quot; O&#39;Hart");
  assert_contains (session, "3 h 15 min");
  assert_contains (session, "did not attend");
  assert_contains (session, "outside: &lt;/td&gt;&lt;script&gt;alert(&#39;reason&#39;)");
  assert_contains (session, "&quot;&gt;&lt;script&gt;alert(&#39;o&#39;)&lt;/script&gt;");
  assert_contains (session, "<div class=\"pairs\"><figure>");
  assert_contains (session, before_img);
  assert_contains (session, "Not uploaded yet.");
  assert_contains (session, "&lt;b&gt;bags&lt;/b&gt; &amp; more</td><td class=\"number\">3</td>");
  assert_contains (session, ">bulky</td><td class=\"number\">1</td>");
  g_assert_null (strstr (session->body->str, ">sharps<"));
  assert_contains (session, "0.5000000, 0.5000000");
  assert_contains (session, "class=\"flag\">outside");

  /* People: ordered, credited, owed, and the 48-hour measure. */
  assert_contains (people, "100 h 00 min</td><td class=\"number\">3 h 15 min</td>"
                           "<td class=\"number\">96 h 45 min</td>");
  assert_contains (people, " — over 48");
  assert_contains (people, "=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)");
  assert_contains (people, "so far");
  {
    g_autofree char *long_name = g_strnfill (200, 'W');

    assert_contains (people, long_name);
  }

  /* Devices: last sync, backlog (one photo not uploaded), clock skew, a revoke form. */
  assert_contains (devices, "Tablet &quot;3&quot; &lt;script&gt;");
  assert_contains (devices, "<td class=\"number\">1</td><td>within 2 min</td>");
  assert_contains (devices, "action=\"/devices/revoke\"");

  g_assert_cmpint (exports->status, ==, 200);
  assert_contains (exports, "/export/attendance.csv?from=");
  g_assert_cmpint (root->status, ==, 303);
  g_assert_cmpstr (header (root, "Location"), ==, "/sessions");
  g_assert_cmpint (css->status, ==, 200);
  g_assert_cmpstr (header (css, "Content-Type"), ==, "text/css; charset=utf-8");
  g_assert_cmpint (missing->status, ==, 404);
  assert_safe_html (missing);
  g_assert_cmpint (no_session->status, ==, 404);
  g_assert_cmpint (bad_date->status, ==, 400);
  g_assert_cmpint (backwards->status, ==, 400);
  g_assert_cmpint (empty_day->status, ==, 200);
  assert_contains (empty_day, "No sessions on these days.");
  {
    g_autofree char *csrf = csrf_of (people);
    g_autofree char *form = form_encode ((const char *const[]){ "csrf", csrf, NULL });
    g_autoptr (Answer) put = browse (browser, "PUT", "/sessions", NULL, NULL);
    g_autoptr (Answer) forged = browse (browser, "POST", "/people", "", NULL);
    g_autoptr (Answer) post = browse (browser, "POST", "/people", form, NULL);

    /* The token is checked before anything else, then the read-only page refuses a POST. */
    g_assert_cmpint (put->status, ==, 405);
    g_assert_cmpint (forged->status, ==, 403);
    g_assert_cmpint (post->status, ==, 405);
    g_assert_cmpstr (header (post, "Allow"), ==, "GET, HEAD");
  }
}

/* CSV exports, read back by Python's csv module. */
static JsonArray *
python_csv (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                              &error, "/usr/bin/python3", "-c",
                              "import csv, io, json, sys\n"
                              "text = sys.stdin.buffer.read().decode('utf-8')\n"
                              "print(json.dumps(list(csv.reader(io.StringIO(text, newline=''),"
                              " strict=True))))",
                              NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, text, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

static const char *
cell (JsonArray *rows, guint row, guint column)
{
  return json_array_get_string_element (json_array_get_array_element (rows, row), column);
}

/* The row whose column @column is @value. */
static guint
row_with (JsonArray *rows, guint column, const char *value)
{
  for (guint i = 1; i < json_array_get_length (rows); i++)
    if (g_strcmp0 (cell (rows, i, column), value) == 0)
      return i;
  g_error ("no row has %s", value);
}

static void
test_exports (void)
{
  g_autoptr (Browser) browser = logged_in ();
  g_autofree char *range = g_strdup_printf ("?from=%s&to=%s", demo.session_day, demo.session_day);
  g_autofree char *attendance_path = g_strconcat ("/export/attendance.csv", range, NULL);
  g_autofree char *tallies_path = g_strconcat ("/export/tallies.csv", range, NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) week_ago = g_date_time_add_days (now, -7);
  g_autofree char *from = g_date_time_format (week_ago, "%Y-%m-%d");
  g_autofree char *to = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *first_path
      = g_strdup_printf ("/export/first-attendance.csv?from=%s&to=%s", from, to);
  g_autoptr (Answer) attendance = get (browser, attendance_path);
  g_autoptr (Answer) tallies = get (browser, tallies_path);
  g_autoptr (Answer) first = get (browser, first_path);
  g_autoptr (Answer) unknown = get (browser, "/export/passwords.csv");
  g_autoptr (Answer) bad = get (browser, "/export/tallies.csv?from=yesterday");
  g_autoptr (JsonArray) a = NULL;
  g_autoptr (JsonArray) t = NULL;
  g_autoptr (JsonArray) f = NULL;
  guint row;

  g_assert_cmpint (attendance->status, ==, 200);
  g_assert_true (g_str_has_prefix (header (attendance, "Content-Type"), "text/csv"));
  g_assert_nonnull (strstr (header (attendance, "Content-Disposition"), "attachment"));
  a = python_csv (attendance->body->str);
  g_assert_cmpuint (json_array_get_length (a), ==, 1 + 3);
  g_assert_cmpstr (cell (a, 0, 0), ==, "session_id");
  g_assert_cmpstr (cell (a, 0, 11), ==, "minutes_credited");
  /* The formula is kept as text behind a quote mark; names come back exactly. */
  row = row_with (a, 4, "'" HOSTILE_CASE);
  g_assert_cmpstr (cell (a, row, 5), ==, HOSTILE_NAME);
  g_assert_cmpstr (cell (a, row, 2), ==, HOSTILE_SITE);
  g_assert_cmpstr (cell (a, row, 6), ==, "checked out");
  g_assert_cmpstr (cell (a, row, 9), ==, "15");
  g_assert_cmpstr (cell (a, row, 11), ==, "195");
  row = row_with (a, 6, "did not attend");
  g_assert_cmpstr (cell (a, row, 11), ==, "0");
  row = row_with (a, 12, "outside");
  g_assert_cmpstr (cell (a, row, 13), ==, HOSTILE_REASON);

  g_assert_cmpint (tallies->status, ==, 200);
  t = python_csv (tallies->body->str);
  g_assert_cmpuint (json_array_get_length (t), ==, 1 + 2);
  row = row_with (t, 4, "bags");
  g_assert_cmpstr (cell (t, row, 5), ==, HOSTILE_TALLY);
  g_assert_cmpstr (cell (t, row, 7), ==, "3");
  row = row_with (t, 4, "bulky");
  g_assert_cmpstr (cell (t, row, 7), ==, "1");

  g_assert_cmpint (first->status, ==, 200);
  f = python_csv (first->body->str);
  g_assert_cmpuint (json_array_get_length (f), ==, 1 + 3);
  row = row_with (f, 0, "'" HOSTILE_CASE);
  g_assert_cmpstr (cell (f, row, 7), ==, "yes");
  g_assert_cmpfloat (g_ascii_strtod (cell (f, row, 6), NULL), >, 67.5);
  g_assert_cmpfloat (g_ascii_strtod (cell (f, row, 6), NULL), <, 68.5);
  row = row_with (f, 0, "T/00000/01");
  g_assert_cmpstr (cell (f, row, 7), ==, "no");
  row = row_with (f, 0, "T/00000/02");
  g_assert_cmpstr (cell (f, row, 7), ==, "not yet");
  g_assert_cmpstr (cell (f, row, 6), ==, "");

  g_assert_cmpint (unknown->status, ==, 404);
  g_assert_cmpint (bad->status, ==, 400);
  mend_test_reliability_row ("spreadsheet formulas in names and tallies exported to CSV", 2,
                             MEND_RELIABILITY_REFUSED);
}

/* The photo route: only logged in, only a well-formed name, only a complete blob. */
static void
test_photos (void)
{
  g_autoptr (Browser) browser = logged_in ();
  g_autofree char *good = g_strconcat ("/photos/", demo.before_sha256, NULL);
  g_autofree char *waiting = g_strconcat ("/photos/", demo.after_sha256, NULL);
  g_autofree char *upper = g_ascii_strup (good, -1);
  g_autoptr (Answer) photo = get (browser, good);
  g_autoptr (Answer) not_uploaded = get (browser, waiting);
  g_autoptr (Answer) unknown
      = get (browser, "/photos/0000000000000000000000000000000000000000000000000000000000000000");
  const char *const bad[] = {
    "/photos/../../etc/passwd",
    "/photos/..%2F..%2Fetc%2Fpasswd",
    "/photos/abc",
    "/photos/",
    "/photos/zz00000000000000000000000000000000000000000000000000000000000000",
    "/photos/00000000000000000000000000000000000000000000000000000000000000000",
  };

  g_assert_cmpint (photo->status, ==, 200);
  g_assert_cmpstr (header (photo, "Content-Type"), ==, "image/jpeg");
  g_assert_cmpstr (header (photo, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_cmpuint (photo->body->len, ==, g_bytes_get_size (demo.before_jpeg));
  g_assert_cmpmem (photo->body->str, photo->body->len, g_bytes_get_data (demo.before_jpeg, NULL),
                   g_bytes_get_size (demo.before_jpeg));
  g_assert_cmpint (not_uploaded->status, ==, 404);
  g_assert_cmpint (unknown->status, ==, 404);
  {
    g_autofree char *path = g_strconcat ("/photos/", upper + strlen ("/PHOTOS/"), NULL);
    g_autoptr (Answer) upper_answer = get (browser, path);

    g_assert_cmpint (upper_answer->status, ==, 400);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (Answer) answer = get (browser, bad[i]);

      if (answer->status != 400 && answer->status != 404)
        g_error ("%s answered %ld", bad[i], answer->status);
      assert_safe_html (answer);
      g_assert_null (strstr (answer->body->str, "root:"));
    }
}

/* The revoke button, with its token: the device's next push is refused. */
static void
test_revoke (void)
{
  g_autoptr (Browser) browser = logged_in ();
  g_autoptr (Answer) devices = get (browser, "/devices");
  g_autofree char *csrf = csrf_of (devices);
  const char *device_id = mend_store_get_device_id (demo.device.store);
  g_autofree char *form
      = form_encode ((const char *const[]){ "device", device_id, "csrf", csrf, NULL });
  g_autofree char *unknown_form
      = form_encode ((const char *const[]){ "device", "no-such-device", "csrf", csrf, NULL });
  g_autoptr (Answer) unknown = browse (browser, "POST", "/devices/revoke", unknown_form, NULL);
  g_autoptr (Answer) revoked = browse (browser, "POST", "/devices/revoke", form, NULL);
  g_autoptr (Answer) after = get (browser, "/devices");
  g_autoptr (MendTestHttp) push = NULL;
  static const char body[] = "{\"device_id\":\"x\",\"events\":[]}";

  g_assert_cmpint (unknown->status, ==, 404);
  g_assert_cmpint (revoked->status, ==, 303);
  g_assert_cmpstr (header (revoked, "Location"), ==, "/devices");
  g_assert_cmpint (after->status, ==, 200);
  assert_contains (after, "revoked ");
  g_assert_null (strstr (after->body->str, "action=\"/devices/revoke\""));
  push = mend_test_hq_request (demo.hq, "POST", "/api/v1/events", demo.device_token,
                               "application/json", body, strlen (body));
  g_assert_cmpint (push->status, ==, 401);
}

/* With TLS, both cookies are Secure too, and the browser sends them back over HTTPS. */
static void
test_tls_cookies (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) openssl = NULL;
  g_autofree char *folder = g_dir_make_tmp ("mend-dash-tls-XXXXXX", &error);
  g_autofree char *cert = g_build_filename (folder, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (folder, "key.pem", NULL);
  const char *const serve_args[] = { "--tls-cert", cert, "--tls-key", key, NULL };
  MendTestHq *tls;
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Answer) login = NULL;
  g_autoptr (Answer) ok = NULL;
  g_autoptr (Answer) page = NULL;
  const char *cookie;

  g_assert_no_error (error);
  openssl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
                              cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                              "subjectAltName=IP:127.0.0.1", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (openssl, NULL, &error);
  g_assert_no_error (error);

  tls = mend_test_hq_start_with (serve_args);
  g_free (mend_test_hq_admin (
      tls, (const char *const[]){ "user", "add", STAFF, "--password", PASSWORD, NULL }));
  browser->hq = tls;
  browser->cafile = cert;

  login = get (browser, "/login");
  g_assert_cmpint (login->status, ==, 200);
  g_assert_nonnull (strstr (set_cookie (login, "mend_login"), "; Secure"));
  ok = try_login (browser, STAFF, PASSWORD);
  g_assert_cmpint (ok->status, ==, 303);
  cookie = set_cookie (ok, "mend_session");
  g_assert_nonnull (cookie);
  g_assert_nonnull (strstr (cookie, "; Path=/;"));
  g_assert_nonnull (strstr (cookie, "; HttpOnly"));
  g_assert_nonnull (strstr (cookie, "; SameSite=Strict"));
  g_assert_nonnull (strstr (cookie, "; Secure"));
  page = get (browser, "/sessions");
  g_assert_cmpint (page->status, ==, 200);
  assert_safe_html (page);

  mend_test_hq_stop (tls);
  g_unlink (cert);
  g_unlink (key);
  g_rmdir (folder);
}

/* `mend-hq admin demo`'s reference data (which replaces the scheme-wide outcome codes and tally
 * categories, so this runs last): today's sessions list, and each of them opens. */
static void
test_admin_demo (void)
{
  g_autoptr (Browser) browser = logged_in ();
  g_autofree char *demo_team
      = mend_test_hq_admin (demo.hq, (const char *const[]){ "demo", "--team", "Demo", NULL });
  g_autoptr (Answer) today = get (browser, "/sessions");
  g_autoptr (Answer) people = get (browser, "/people");
  const char *marker = "<a href=\"/session?id=";
  guint opened = 0;

  g_assert_cmpint (today->status, ==, 200);
  assert_safe_html (today);
  g_assert_cmpint (people->status, ==, 200);
  assert_safe_html (people);
  g_assert_cmpint (mend_test_hq_count (demo.hq,
                                       "SELECT count(*) FROM sessions WHERE team = $1"
                                       " AND starts_at::date = now()::date",
                                       demo_team),
                   >, 0);
  for (const char *link = strstr (today->body->str, marker); link != NULL;
       link = strstr (link + 1, marker))
    {
      const char *start = link + strlen ("<a href=\"");
      g_autofree char *path = g_strndup (start, strchr (start, '"') - start);
      g_autoptr (Answer) session = get (browser, path);

      g_assert_cmpint (session->status, ==, 200);
      assert_safe_html (session);
      assert_contains (session, "<h2>Attendance</h2>");
      opened++;
    }
  g_assert_cmpuint (opened, >, 0);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  curl_global_init (CURL_GLOBAL_DEFAULT);

  g_test_add_func ("/dashboard/admin-user", test_admin_user);
  g_test_add_func ("/dashboard/login", test_login);
  g_test_add_func ("/dashboard/lockout", test_lockout);
  g_test_add_func ("/dashboard/lockout-concurrent", test_lockout_concurrent);
  g_test_add_func ("/dashboard/logout", test_logout);
  g_test_add_func ("/dashboard/unauthenticated", test_unauthenticated);
  g_test_add_func ("/dashboard/csrf", test_csrf);
  g_test_add_func ("/dashboard/pages", test_pages);
  g_test_add_func ("/dashboard/exports", test_exports);
  g_test_add_func ("/dashboard/photos", test_photos);
  g_test_add_func ("/dashboard/revoke", test_revoke);
  g_test_add_func ("/dashboard/tls-cookies", test_tls_cookies);
  g_test_add_func ("/dashboard/admin-demo", test_admin_demo);

  /* One HQ, one team, one member of staff and one day of demo data for every test. */
  demo.hq = mend_test_hq_start ();
  demo.team
      = mend_test_hq_admin (demo.hq, (const char *const[]){ "team", "add", HOSTILE_TEAM, NULL });
  g_assert_cmpint (
      admin_with_input ((const char *const[]){ "user", "add", STAFF, NULL }, PASSWORD "\n", NULL),
      ==, 0);
  mend_test_demo_set_up (&demo);
  status = g_test_run ();
  mend_test_demo_clear (&demo);
  mend_test_hq_stop (demo.hq);
  curl_global_cleanup ();
  return status;
}
