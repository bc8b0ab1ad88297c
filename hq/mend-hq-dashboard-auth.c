/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-dashboard-private.h"

#include <sodium.h>
#include <string.h>

/* Staff login: passwords checked only through Argon2id, sessions kept as digests of their
 * cookie, one anti-forgery (CSRF) token per session that every form carries, and a lockout
 * after repeated failures, per name and per address. */

#define NAME_MAX_CHARS     100
#define PASSWORD_MAX_BYTES 1024
/* 32 random bytes in base64url without padding. */
#define TOKEN_CHARS 43

void
mend_hq_staff_clear (MendHqStaff *staff)
{
  g_clear_pointer (&staff->user_id, g_free);
  g_clear_pointer (&staff->name, g_free);
  g_clear_pointer (&staff->csrf_token, g_free);
}

static gboolean
is_token (const char *value)
{
  if (value == NULL || strlen (value) != TOKEN_CHARS)
    return FALSE;
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static char *
random_token (void)
{
  guint8 bytes[32];
  char encoded[sodium_base64_ENCODED_LEN (32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2base64 (encoded, sizeof encoded, bytes, sizeof bytes,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (bytes, sizeof bytes);
  return g_strdup (encoded);
}

static gboolean
tokens_equal (const char *a, const char *b)
{
  return is_token (a) && is_token (b) && sodium_memcmp (a, b, TOKEN_CHARS) == 0;
}

/* HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Secure when
 * HQ itself speaks TLS, so the browser never sends it in clear text. */
static void
set_cookie (MendHqPage *page, const char *name, const char *value, const char *path, int max_age)
{
  g_autofree char *cookie
      = g_strdup_printf ("%s=%s; Path=%s; Max-Age=%d; HttpOnly; SameSite=Strict%s", name, value,
                         path, max_age, page->tls ? "; Secure" : "");

  mend_hq_page_add_header (page, "Set-Cookie", cookie);
}

/**
 * mend_hq_staff_from_cookie:
 *
 * Looks up the session cookie and, when it names a live session of an enabled user, fills
 * @page->staff and marks the session used.
 *
 * Returns: whether someone is logged in.
 */
gboolean
mend_hq_staff_from_cookie (MendHqPage *page)
{
  const char *token
      = MHD_lookup_connection_value (page->connection, MHD_COOKIE_KIND, MEND_HQ_SESSION_COOKIE);
  guint8 digest[32];
  g_autofree char *idle = g_strdup_printf ("%d", MEND_HQ_SESSION_IDLE_MINS);
  const char *params[] = { (const char *)digest, idle };
  const int lengths[] = { sizeof digest, 0 };
  const int formats[] = { 1, 0 };
  g_autoptr (PGresult) result = NULL;

  if (!is_token (token))
    return FALSE;
  mend_hq_sha256 (token, digest);
  /* A digest is looked up by its index; the token has 256 random bits, so nothing is learnt
   * from timing a wrong one. */
  result = PQexecParams (page->conn,
                         "UPDATE staff_sessions s SET last_used_at = now() FROM staff_users u"
                         " WHERE s.token_sha256 = $1 AND u.id = s.user_id"
                         " AND u.disabled_at IS NULL AND s.expires_at > now()"
                         " AND s.last_used_at > now() - make_interval(mins => $2::int)"
                         " RETURNING s.user_id, u.name, s.csrf_token",
                         2, NULL, params, lengths, formats, 0);
  if (PQresultStatus (result) != PGRES_TUPLES_OK || PQntuples (result) != 1)
    return FALSE;
  page->staff.user_id = g_strdup (PQgetvalue (result, 0, 0));
  page->staff.name = g_strdup (PQgetvalue (result, 0, 1));
  page->staff.csrf_token = g_strdup (PQgetvalue (result, 0, 2));
  return TRUE;
}

/* Every POST of a logged-in page carries the session's token in the field "csrf". */
gboolean
mend_hq_csrf_ok (const MendHqPage *page)
{
  const char *sent = page->form != NULL ? g_hash_table_lookup (page->form, "csrf") : NULL;

  return page->staff.csrf_token != NULL && tokens_equal (sent, page->staff.csrf_token);
}

/**
 * mend_hq_handle_login_form:
 * @message: (nullable): why the last attempt failed
 *
 * The login page. Its form is protected against forgery before anyone is logged in by a
 * double-submitted token: a fresh random value both in a cookie only this site can set and in
 * a hidden field; a POST whose two copies differ did not come from this page.
 */
void
mend_hq_handle_login_form (MendHqPage *page, const char *message, unsigned int status)
{
  g_autofree char *token = random_token ();
  GString *html = mend_hq_html_begin (page, "Log in");

  set_cookie (page, MEND_HQ_LOGIN_COOKIE, token, "/login", 3600);
  if (message != NULL)
    mend_hq_html (html, "<p class=\"message\" role=\"alert\">%s</p>\n", message);
  mend_hq_html (html,
                "<form method=\"post\" action=\"/login\" class=\"login\">\n"
                "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
                "<label>Name <input name=\"name\" autocomplete=\"username\" required"
                " maxlength=\"100\"></label>\n"
                "<label>Password <input name=\"password\" type=\"password\""
                " autocomplete=\"current-password\" required></label>\n"
                "<button type=\"submit\">Log in</button>\n</form>\n",
                token);
  mend_hq_html_finish (page, html, status);
}

/* Argon2id of nothing anybody knows: a name that does not exist costs the same time as a
 * wrong password, so timing does not tell which names are staff. */
static const char *
dummy_hash (void)
{
  static char *hash;

  if (g_once_init_enter (&hash))
    {
      g_autofree char *password = random_token ();
      char *encoded = g_malloc (crypto_pwhash_STRBYTES);

      if (crypto_pwhash_str (encoded, password, strlen (password),
                             crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE)
          != 0)
        encoded[0] = '\0';
      g_once_init_leave (&hash, encoded);
    }
  return hash;
}

/* Counts an attempt before the password is checked: under a lock on the name and one on the
 * address, the failures of the window are counted and, unless either has reached the limit, a
 * failure is written at once. So attempts running side by side on several threads cannot all
 * pass the count before any of them is recorded; a success deletes the row again. Both locks
 * are always taken name first, so two attempts never wait on each other in a circle. */
static gboolean
count_attempt (PGconn *conn, const char *name, const char *address, gboolean *out_locked)
{
  g_autofree char *minutes = g_strdup_printf ("%d", MEND_HQ_LOCKOUT_MINUTES);
  const char *params[] = { name, address, minutes };
  g_autoptr (PGresult) locks = NULL;
  g_autoptr (PGresult) counts = NULL;
  g_autoptr (PGresult) insert = NULL;

  if (!mend_hq_db_exec (conn, "BEGIN", NULL))
    return FALSE;
  locks = PQexecParams (conn,
                        "SELECT pg_advisory_xact_lock (hashtext ('mend-login-name:' || lower($1))),"
                        " pg_advisory_xact_lock (hashtext ('mend-login-address:' || $2))",
                        2, NULL, params, NULL, NULL, 0);
  if (PQresultStatus (locks) != PGRES_TUPLES_OK)
    goto fail;
  counts = PQexecParams (conn,
                         "SELECT count(*) FILTER (WHERE user_name = lower($1)),"
                         " count(*) FILTER (WHERE address = $2)"
                         " FROM staff_login_failures"
                         " WHERE failed_at > now() - make_interval(mins => $3::int)"
                         " AND (user_name = lower($1) OR address = $2)",
                         3, NULL, params, NULL, NULL, 0);
  if (PQresultStatus (counts) != PGRES_TUPLES_OK)
    goto fail;
  *out_locked = atoi (PQgetvalue (counts, 0, 0)) >= MEND_HQ_LOCKOUT_FAILURES
                || atoi (PQgetvalue (counts, 0, 1)) >= MEND_HQ_LOCKOUT_FAILURES;
  if (!*out_locked)
    {
      insert = PQexecParams (conn,
                             "WITH old AS (DELETE FROM staff_login_failures"
                             " WHERE failed_at < now() - interval '1 day')"
                             " INSERT INTO staff_login_failures (user_name, address)"
                             " VALUES (lower($1), $2)",
                             2, NULL, params, NULL, NULL, 0);
      if (PQresultStatus (insert) != PGRES_COMMAND_OK)
        goto fail;
    }
  return mend_hq_db_exec (conn, "COMMIT", NULL);

fail:
  PQclear (PQexec (conn, "ROLLBACK"));
  return FALSE;
}

/* A new session: a fresh token every login, so a token planted before it is worth nothing. */
static char *
start_session (PGconn *conn, const char *user_id)
{
  g_autofree char *token = random_token ();
  g_autofree char *csrf = random_token ();
  g_autofree char *hours = g_strdup_printf ("%d", MEND_HQ_SESSION_HOURS);
  guint8 digest[32];
  const char *params[] = { (const char *)digest, user_id, csrf, hours };
  const int lengths[] = { sizeof digest, 0, 0, 0 };
  const int formats[] = { 1, 0, 0, 0 };
  g_autoptr (PGresult) result = NULL;

  mend_hq_sha256 (token, digest);
  result = PQexecParams (conn,
                         "WITH old AS (DELETE FROM staff_sessions WHERE expires_at < now())"
                         " INSERT INTO staff_sessions (token_sha256, user_id, csrf_token,"
                         " expires_at) VALUES ($1, $2::bigint, $3,"
                         " now() + make_interval(hours => $4::int))",
                         4, NULL, params, lengths, formats, 0);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    return NULL;
  return g_steal_pointer (&token);
}

/* POST /login. */
void
mend_hq_handle_login (MendHqPage *page)
{
  const char *cookie
      = MHD_lookup_connection_value (page->connection, MHD_COOKIE_KIND, MEND_HQ_LOGIN_COOKIE);
  const char *sent = g_hash_table_lookup (page->form, "csrf");
  const char *name = g_hash_table_lookup (page->form, "name");
  const char *password = g_hash_table_lookup (page->form, "password");
  const char *address = page->request->client_address;
  g_autofree char *token = NULL;
  g_autoptr (PGresult) user = NULL;
  const char *hash;
  gboolean locked = FALSE;
  gboolean good;

  if (!tokens_equal (cookie, sent))
    {
      mend_hq_html_message_page (page, MHD_HTTP_FORBIDDEN, "Forbidden",
                                 "This form is out of date or did not come from this site."
                                 " Open the login page again.");
      return;
    }
  if (name == NULL || password == NULL || name[0] == '\0' || password[0] == '\0'
      || g_utf8_strlen (name, -1) > NAME_MAX_CHARS || strlen (password) > PASSWORD_MAX_BYTES)
    {
      mend_hq_handle_login_form (page, "Type your name and your password.", MHD_HTTP_BAD_REQUEST);
      return;
    }
  if (!count_attempt (page->conn, name, address, &locked))
    {
      mend_hq_html_message_page (page, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
                                 "HQ's database cannot be read. Try again in a minute.");
      return;
    }
  if (locked)
    {
      /* The password is not even checked, so guessing on during a lockout learns nothing. */
      g_message ("request_id=%s event=login_locked_out address=%s", page->request->request_id,
                 address);
      mend_hq_handle_login_form (page,
                                 "Too many failed logins for this name or from this address."
                                 " Wait 15 minutes, then try again.",
                                 MHD_HTTP_TOO_MANY_REQUESTS);
      return;
    }

  {
    const char *params[] = { name };

    user = PQexecParams (page->conn,
                         "SELECT id, password_hash FROM staff_users"
                         " WHERE name = $1 AND disabled_at IS NULL",
                         1, NULL, params, NULL, NULL, 0);
  }
  if (PQresultStatus (user) != PGRES_TUPLES_OK)
    {
      mend_hq_html_message_page (page, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
                                 "HQ's database cannot be read. Try again in a minute.");
      return;
    }
  hash = PQntuples (user) == 1 ? PQgetvalue (user, 0, 1) : dummy_hash ();
  good = crypto_pwhash_str_verify (hash, password, strlen (password)) == 0 && PQntuples (user) == 1;
  if (!good)
    {
      g_message ("request_id=%s event=login_failed address=%s", page->request->request_id, address);
      mend_hq_handle_login_form (page, "The name or the password is wrong.", MHD_HTTP_UNAUTHORIZED);
      return;
    }

  token = start_session (page->conn, PQgetvalue (user, 0, 0));
  if (token == NULL)
    {
      mend_hq_html_message_page (page, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
                                 "HQ's database cannot be written. Try again in a minute.");
      return;
    }
  {
    const char *params[] = { name };

    /* A success clears the name's own count, this attempt's row with it; the address's other
     * rows stay, so one good password does not reset a run of guesses at other names. */
    PQclear (PQexecParams (page->conn,
                           "DELETE FROM staff_login_failures WHERE user_name = lower($1)", 1, NULL,
                           params, NULL, NULL, 0));
  }
  g_message ("request_id=%s event=login user_id=%s", page->request->request_id,
             PQgetvalue (user, 0, 0));
  set_cookie (page, MEND_HQ_SESSION_COOKIE, token, "/", MEND_HQ_SESSION_HOURS * 3600);
  set_cookie (page, MEND_HQ_LOGIN_COOKIE, "", "/login", 0);
  mend_hq_page_redirect (page, "/sessions");
}

/* POST /logout, with the session's CSRF token (checked by the router). */
void
mend_hq_handle_logout (MendHqPage *page)
{
  const char *params[] = { page->staff.user_id, page->staff.csrf_token };

  PQclear (PQexecParams (page->conn,
                         "DELETE FROM staff_sessions WHERE user_id = $1::bigint"
                         " AND csrf_token = $2",
                         2, NULL, params, NULL, NULL, 0));
  set_cookie (page, MEND_HQ_SESSION_COOKIE, "", "/", 0);
  mend_hq_page_redirect (page, "/login");
}
