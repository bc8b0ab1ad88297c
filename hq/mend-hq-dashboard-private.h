/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the files of the dashboard share: one page being answered, the HTML writer, the form
 * decoder, staff sessions and CSRF, and the handlers of each page. */
#pragma once

#include "mend-hq-credit.h"
#include "mend-hq-private.h"
#include "mend-types.h"

G_BEGIN_DECLS

/* A failed login more than this many times in MEND_HQ_LOCKOUT_MINUTES, for one name or from
 * one address, locks that name or address out until the window has passed. */
#define MEND_HQ_LOCKOUT_FAILURES 5
#define MEND_HQ_LOCKOUT_MINUTES  15

/* A staff session ends this long after login, or after this long unused. */
#define MEND_HQ_SESSION_HOURS     12
#define MEND_HQ_SESSION_IDLE_MINS 120

#define MEND_HQ_SESSION_COOKIE "mend_session"
#define MEND_HQ_LOGIN_COOKIE   "mend_login"

/* The staff member behind a request's session cookie. */
typedef struct
{
  char *user_id;
  char *name;
  char *csrf_token;
} MendHqStaff;

/* One dashboard request as every page handler sees it. */
typedef struct
{
  PGconn *conn;
  struct MHD_Connection *connection;
  const MendHqRequest *request;
  MendHqAnswer *answer;
  MendHqStaff staff;
  gboolean tls;
  GHashTable *form;  /* a POST's decoded fields, or NULL */
  const char *blobs; /* the blob folder, or NULL when HQ has none */
} MendHqPage;

/* mend-hq-dashboard-html.c: every value shown goes through mend_hq_html_escape(). */
void mend_hq_html_escape (GString *out, const char *text);
void mend_hq_html (GString *out, const char *format, ...);
GString *mend_hq_html_begin (const MendHqPage *page, const char *title);
void mend_hq_html_finish (MendHqPage *page, GString *html, unsigned int status);
void mend_hq_html_csrf_field (GString *out, const MendHqPage *page);
void mend_hq_html_message_page (MendHqPage *page,
                                unsigned int status,
                                const char *title,
                                const char *message);
void mend_hq_page_redirect (MendHqPage *page, const char *location);
void mend_hq_page_add_header (MendHqPage *page, const char *name, const char *value);
char *mend_hq_format_minutes (gint64 minutes);
char *mend_hq_format_time (gint64 utc_ms);

/* mend-hq-dashboard-form.c */
GHashTable *mend_hq_form_decode (const char *body, gsize length, GError **error);
gboolean mend_hq_parse_date (const char *text, GDate *out_date);

/* mend-hq-dashboard-auth.c */
gboolean mend_hq_staff_from_cookie (MendHqPage *page);
void mend_hq_staff_clear (MendHqStaff *staff);
gboolean mend_hq_csrf_ok (const MendHqPage *page);
void mend_hq_handle_login_form (MendHqPage *page, const char *message, unsigned int status);
void mend_hq_handle_login (MendHqPage *page);
void mend_hq_handle_logout (MendHqPage *page);

/* mend-hq-dashboard-ledger.c: attendance and hours of every team, folded from the stored events
 * by mend-hq-credit.c in one snapshot. */
MendHqLedger *mend_hq_ledger_load (PGconn *conn, GError **error);
const char *mend_hq_attendance_label (MendAttendanceState state);
double mend_hq_person_hours_to_first (const MendHqPerson *person, gint64 now_ms);

/* mend-hq-dashboard-sessions.c: the date filter every list and export shares. */
gboolean mend_hq_page_date_range (MendHqPage *page,
                                  gint64 *out_from_ms,
                                  gint64 *out_until_ms,
                                  char **out_from,
                                  char **out_to);
void mend_hq_html_range_form (GString *html, const char *action, const char *from, const char *to);
PGresult *mend_hq_sessions_in_range (PGconn *conn, gint64 from_ms, gint64 until_ms, GError **error);

/* mend-hq-dashboard-photos.c */
gboolean mend_hq_is_sha256 (const char *text);
char *mend_hq_blob_path (const char *blobs, const char *sha256);

/* mend-hq-dashboard-sessions.c, -session.c, -people.c, -devices.c, -csv.c, -photos.c */
void mend_hq_handle_sessions (MendHqPage *page);
void mend_hq_handle_session (MendHqPage *page);
void mend_hq_handle_people (MendHqPage *page);
void mend_hq_handle_devices (MendHqPage *page);
void mend_hq_handle_device_revoke (MendHqPage *page);
/* mend-hq-dashboard-report.c: GET /devices/report?id=DEVICE, the breach report. */
void mend_hq_handle_device_report (MendHqPage *page);
void mend_hq_handle_exports (MendHqPage *page);
void mend_hq_handle_export (MendHqPage *page, const char *name);
void mend_hq_handle_photo (MendHqPage *page, const char *sha256);

/* mend-hq-dashboard-csv.c */
void mend_hq_csv_field (GString *out, const char *value);
void mend_hq_csv_row (GString *out, const char *const *values, int n_values);

G_END_DECLS
