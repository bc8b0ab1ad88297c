/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Sync and Enrol pages against a real mend-hq on a throwaway PostgreSQL cluster, over HTTP
 * on loopback, with the app's own engine and scheduler behind the real window: enrol from the
 * page, record a check-in, Sync now, and the page shows nothing waiting and a last success; a
 * record HQ refuses shows HQ's reason; HQ gone shows what waits and a plain message. A brand-new
 * device (no supervisors, never enrolled) is enrolled from its Unlock page, and HQ's supervisors
 * and sessions arrive with the pass that follows. */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <string.h>

#include "mend-demo.h"
#include "mend-pin.h"
#include "mend-store-seal.h"
#include "mend-store-sync-status.h"
#include "mend-sync-scheduler.h"
#include "mend-test-ui.h"
#include "mend-time.h"
#include "pages/correct/mend-correct-page.h"
#include "pages/enrol/mend-enrol-page.h"
#include "pages/sync/mend-sync-page.h"
#include "pages/today/mend-today-page.h"
#include "pages/unlock/mend-unlock-page.h"
#include "test-sync-util.h"

typedef struct
{
  MendTestUi ui;
  MendSyncEngine *engine;
  MendSyncScheduler *scheduler;
} Fixture;

static void
open_window (Fixture *f)
{
  mend_test_ui_open (&f->ui);
  /* As MendApplication does: one engine and scheduler for the store, behind the window. */
  f->engine = mend_sync_engine_new (f->ui.store);
  mend_sync_engine_set_timeouts (f->engine, 5, 5);
  f->scheduler = mend_sync_scheduler_new (f->engine, g_network_monitor_get_default ());
  /* Passes only when asked here, so each step sees its own. */
  mend_sync_scheduler_set_timing (f->scheduler, 60 * 60 * 1000, 60 * 60 * 1000, 1000,
                                  60 * 60 * 1000, 60 * 60 * 1000);
  mend_window_set_scheduler (f->ui.window, f->scheduler);
  mend_sync_scheduler_start (f->scheduler);
}

/* A device holding the reference data HQ holds (its supervisor without a PIN until HQ sends
 * one). */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->ui.dir = mend_test_temp_dir ();
  f->ui.store = mend_test_store_new (f->ui.dir, SYNC_TEST_SESSIONS, SYNC_TEST_PEOPLE,
                                     MEND_STORE_OPEN_DEFAULT);
  f->ui.session_id = mend_test_session_id (0);
  open_window (f);
}

/* A brand-new device: an empty store, never enrolled, no demo. */
static void
fixture_set_up_fresh (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  f->ui.dir = mend_test_temp_dir ();
  path = g_build_filename (f->ui.dir, "mend.db", NULL);
  f->ui.store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  /* HQ's first session, which the device does not know yet. */
  f->ui.session_id = mend_test_session_id (0);
  open_window (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  mend_sync_scheduler_stop (f->scheduler);
  mend_window_set_scheduler (f->ui.window, NULL);
  g_clear_object (&f->scheduler);
  g_clear_object (&f->engine);
  mend_test_ui_close (&f->ui);
}

static gboolean
scheduler_settled (gpointer data)
{
  MendSyncSchedulerState state = mend_sync_scheduler_get_state (data);

  return state != MEND_SYNC_SCHEDULER_RUNNING && state != MEND_SYNC_SCHEDULER_SCHEDULED;
}

/* The pass the records asked for has run: HQ holds the start and the check-in. */
static gboolean
hq_holds_two (gpointer data)
{
  Fixture *f = data;

  return mend_test_hq_count (sync_test_hq, "SELECT count(*) FROM events WHERE device = $1",
                             mend_store_get_device_id (f->ui.store))
         == 2;
}

static gboolean
enrol_settled (gpointer data)
{
  return !mend_enrol_page_get_busy (data);
}

/* Sync now on the page, then wait for the pass and for the counts after it. */
static void
sync_now (Fixture *f)
{
  GtkWidget *page = mend_window_get_page (f->ui.window, "sync");

  mend_test_ui_activate (page, "sync.now", NULL);
  mend_test_ui_wait_for (scheduler_settled, f->scheduler, 30000);
  mend_test_ui_wait_sync_counts (&f->ui);
}

static void
enrol (Fixture *f, const char *url, const char *code)
{
  MendEnrolPage *page = MEND_ENROL_PAGE (mend_window_get_page (f->ui.window, "enrol"));

  mend_enrol_page_set_text (page, url, code);
  mend_test_ui_activate (GTK_WIDGET (page), "enrol.submit", NULL);
  mend_test_ui_wait_for (enrol_settled, page, 20000);
}

/* Enrolled from the page; the first pass brings the supervisors' PINs from HQ. */
static void
enrol_and_unlock (Fixture *f)
{
  g_autofree char *url = sync_test_url ();
  g_autofree char *code = sync_test_code ();
  MendEnrolPage *page = MEND_ENROL_PAGE (mend_window_get_page (f->ui.window, "enrol"));
  g_autoptr (MendSyncEnrolment) enrolment = NULL;

  enrol (f, url, code);
  g_assert_nonnull (strstr (mend_enrol_page_get_message (page), "North Kettering"));
  enrolment = mend_store_sync_get_enrolment (f->ui.store, NULL);
  g_assert_nonnull (enrolment);
  g_assert_cmpstr (enrolment->hq_url, ==, url);
  /* The address is offered again next time; the store's enrolment is what the engine uses. */
  {
    g_autofree char *offered = g_settings_get_string (f->ui.settings, "hq-address");
    g_assert_cmpstr (offered, ==, url);
  }
  mend_test_ui_wait_for (scheduler_settled, f->scheduler, 30000);
  mend_test_ui_unlock (&f->ui, "sup-1", "2468");
  g_assert_false (mend_window_get_locked (f->ui.window));
}

static void
test_enrol_check_in_sync (Fixture *f, gconstpointer data)
{
  MendSyncPage *page = MEND_SYNC_PAGE (mend_window_get_page (f->ui.window, "sync"));
  g_autofree char *person = mend_test_participant_id (0, 0);
  const char *device_id = mend_store_get_device_id (f->ui.store);

  /* Before enrolment the page says the device does not sync yet, and offers to enrol. */
  mend_test_ui_wait_for (scheduler_settled, f->scheduler, 30000);
  g_assert_nonnull (strstr (mend_sync_page_get_state_text (page), "enrol"));
  g_assert_cmpstr (mend_sync_page_get_last_text (page), ==, "Never");

  enrol_and_unlock (f);
  mend_test_ui_start_session (&f->ui);
  mend_test_ui_check_in (&f->ui, person);
  mend_test_ui_wait_sync_counts (&f->ui);
  mend_test_ui_activate (GTK_WIDGET (f->ui.window), "win.show-sync", NULL);
  g_assert_true (g_str_has_prefix (mend_sync_page_get_events_text (page), "2 "));

  sync_now (f);
  g_assert_true (g_str_has_prefix (mend_sync_page_get_events_text (page), "0 "));
  g_assert_cmpstr (mend_sync_page_get_last_text (page), !=, "Never");
  g_assert_null (strstr (mend_sync_page_get_state_text (page), "cannot"));
  g_assert_false (mend_sync_page_get_clock_warning_shown (page));
  /* HQ holds both records. */
  g_assert_cmpint (
      mend_test_hq_count (sync_test_hq, "SELECT count(*) FROM events WHERE device = $1", device_id),
      ==, 2);
}

static void
test_parked_reason (Fixture *f, gconstpointer data)
{
  MendSyncPage *page = MEND_SYNC_PAGE (mend_window_get_page (f->ui.window, "sync"));
  g_autoptr (GError) error = NULL;
  g_autofree char *parked = NULL;
  g_autofree char *text = g_strdup_printf (
      "{\"sessions\":[{\"id\":\"s-not-at-hq\",\"site\":\"site-1\",\"supervisor\":\"sup-1\","
      "\"starts_at\":%" G_GINT64_FORMAT ",\"ends_at\":%" G_GINT64_FORMAT "}]}",
      mend_time_today_at (9, 0, 0), mend_time_today_at (13, 0, 0));
  g_autoptr (JsonNode) node = json_from_string (text, &error);

  enrol_and_unlock (f);
  /* A session HQ never sent: its start is refused, and the rest goes on. */
  g_assert_true (mend_store_apply_reference (f->ui.store, json_node_get_object (node), &error));
  g_assert_no_error (error);
  g_free (f->ui.session_id);
  f->ui.session_id = g_strdup ("s-not-at-hq");
  mend_test_ui_start_session (&f->ui);
  mend_test_ui_activate (GTK_WIDGET (f->ui.window), "win.show-sync", NULL);

  sync_now (f);
  g_assert_true (g_str_has_prefix (mend_sync_page_get_events_text (page), "0 "));
  parked = mend_sync_page_dup_parked_text (page);
  g_test_message ("parked: %s", parked);
  g_assert_nonnull (strstr (parked, "s-not-at-hq"));
  g_assert_nonnull (strstr (parked, "Session started"));
}

static void
test_hq_down (Fixture *f, gconstpointer data)
{
  MendSyncPage *page = MEND_SYNC_PAGE (mend_window_get_page (f->ui.window, "sync"));
  g_autofree char *person = mend_test_participant_id (0, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSyncEnrolment) e = NULL;

  enrol_and_unlock (f);
  /* The same enrolment and token, and an HQ address where nothing answers. */
  e = mend_store_sync_get_enrolment (f->ui.store, &error);
  g_assert_no_error (error);
  g_assert_true (mend_store_sync_set_enrolment (f->ui.store, "http://127.0.0.1:1", e->ca_file,
                                                e->team_id, e->team_name, e->hq_public_key,
                                                &error));
  g_assert_no_error (error);

  mend_test_ui_start_session (&f->ui);
  mend_test_ui_check_in (&f->ui, person);
  mend_test_ui_activate (GTK_WIDGET (f->ui.window), "win.show-sync", NULL);
  sync_now (f);
  g_test_message ("state: %s", mend_sync_page_get_state_text (page));
  g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==, MEND_SYNC_SCHEDULER_BACKOFF);
  g_assert_true (g_str_has_prefix (mend_sync_page_get_events_text (page), "2 "));
  g_assert_nonnull (strstr (mend_sync_page_get_state_text (page), "HQ cannot be reached"));
  g_assert_nonnull (strstr (mend_sync_page_get_state_text (page), "waits safely"));
}

/* Records tell the scheduler: a pass follows shortly after the last tap, without Sync now. */
static void
test_after_records (Fixture *f, gconstpointer data)
{
  MendSyncPage *page = MEND_SYNC_PAGE (mend_window_get_page (f->ui.window, "sync"));
  g_autofree char *person = mend_test_participant_id (0, 2);

  enrol_and_unlock (f);
  mend_sync_scheduler_set_timing (f->scheduler, 300, 60 * 60 * 1000, 1000, 60 * 60 * 1000,
                                  60 * 60 * 1000);
  mend_test_ui_start_session (&f->ui);
  mend_test_ui_check_in (&f->ui, person);
  mend_test_ui_activate (GTK_WIDGET (f->ui.window), "win.show-sync", NULL);
  mend_test_ui_wait_for (hq_holds_two, f, 20000);
  mend_test_ui_wait_for (scheduler_settled, f->scheduler, 30000);
  mend_test_ui_wait_sync_counts (&f->ui);
  g_assert_true (g_str_has_prefix (mend_sync_page_get_events_text (page), "0 "));
}

/* HQ revoked the device: the page says it must be enrolled again, and offers to. */
static void
test_revoked (Fixture *f, gconstpointer data)
{
  MendSyncPage *page = MEND_SYNC_PAGE (mend_window_get_page (f->ui.window, "sync"));

  enrol_and_unlock (f);
  sync_test_revoke (mend_store_get_device_id (f->ui.store));
  mend_test_ui_activate (GTK_WIDGET (f->ui.window), "win.show-sync", NULL);
  sync_now (f);
  g_test_message ("state: %s", mend_sync_page_get_state_text (page));
  g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==, MEND_SYNC_SCHEDULER_REENROL);
  g_assert_nonnull (strstr (mend_sync_page_get_state_text (page), "must be enrolled again"));
}

/* On an enrolled device a check-out's notes are sealed to HQ's key: the person's history says a
 * sealed note was kept and shows no text. */
static void
test_sealed_note_in_history (Fixture *f, gconstpointer data)
{
  g_autofree char *person = mend_test_participant_id (0, 3);
  const char *secret = "Told me about trouble at home";
  MendCheckOut details = { .outcome = "ATTC", .notes = secret, .sensitive = TRUE };
  MendCorrectPage *page = MEND_CORRECT_PAGE (mend_window_get_page (f->ui.window, "correct"));
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autofree char *history = NULL;
  g_autofree char *event_id = NULL;
  gboolean sealed = FALSE;
  g_autoptr (GError) error = NULL;

  enrol_and_unlock (f);
  enrolment = mend_store_sync_get_enrolment (f->ui.store, NULL);
  g_assert_nonnull (enrolment->hq_public_key);
  mend_test_ui_start_session (&f->ui);
  mend_test_ui_check_in (&f->ui, person);
  event_id = mend_test_record_ok (f->ui.store,
                                  mend_command_check_out (f->ui.session_id, person, &details));
  g_assert_true (mend_store_event_has_sealed_note (f->ui.store, event_id, &sealed, &error));
  g_assert_no_error (error);
  g_assert_true (sealed);

  mend_test_ui_activate (GTK_WIDGET (f->ui.window), "win.correct", "s", person);
  history = mend_correct_page_dup_history_text (page);
  g_test_message ("history: %s", history);
  g_assert_nonnull (strstr (history, "sealed note"));
  g_assert_null (strstr (history, secret));
}

static void
test_enrol_refused (Fixture *f, gconstpointer data)
{
  MendEnrolPage *page = MEND_ENROL_PAGE (mend_window_get_page (f->ui.window, "enrol"));
  g_autofree char *url = sync_test_url ();

  /* Plain http to a host that is not this device: refused before anything is sent. */
  enrol (f, "http://hq.example.org", "WHATEVER");
  g_test_message ("%s", mend_enrol_page_get_message (page));
  g_assert_nonnull (strstr (mend_enrol_page_get_message (page), "https://"));
  /* A wrong code: HQ's refusal, and the fields keep what was typed. */
  enrol (f, url, "WRONGCODE0000");
  g_test_message ("%s", mend_enrol_page_get_message (page));
  g_assert_cmpstr (mend_enrol_page_get_message (page), !=, "");
  g_assert_null (mend_store_sync_get_enrolment (f->ui.store, NULL));
}

static void
test_enrol_demo_refused (Fixture *f, gconstpointer data)
{
  MendEnrolPage *page = MEND_ENROL_PAGE (mend_window_get_page (f->ui.window, "enrol"));
  g_autofree char *url = sync_test_url ();
  g_autofree char *code = sync_test_code ();
  g_autoptr (GError) error = NULL;

  g_assert_true (mend_store_load_demo (f->ui.store, &error));
  g_assert_no_error (error);
  enrol (f, url, code);
  g_test_message ("%s", mend_enrol_page_get_message (page));
  g_assert_nonnull (strstr (mend_enrol_page_get_message (page), "demo"));
  g_assert_null (mend_store_sync_get_enrolment (f->ui.store, NULL));
}

/* A button on screen (mapped: on the visible page of every stack) with this accessible name. */
static GtkWidget *
find_shown_button (GtkWidget *widget, const char *name)
{
  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (GTK_IS_BUTTON (widget))
    {
      /* What differs, or NULL when the label is @name. */
      g_autofree char *mismatch = gtk_test_accessible_check_property (
          GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, name);

      if (mismatch == NULL)
        return widget;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_shown_button (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  Fixture *f;
  const char *name;
  gboolean shown;
} ShownButton;

static gboolean
button_shown_is (gpointer data)
{
  ShownButton *want = data;

  return (find_shown_button (GTK_WIDGET (want->f->ui.window), want->name) != NULL) == want->shown;
}

static void
wait_button (Fixture *f, const char *name, gboolean shown)
{
  ShownButton want = { f, name, shown };

  mend_test_ui_wait_for (button_shown_is, &want, 5000);
}

static gboolean
supervisors_listed (gpointer data)
{
  g_auto (GStrv) names = mend_unlock_page_dup_supervisor_names (data);

  return g_strv_length (names) > 0;
}

/* A new device reaches enrolment from its Unlock page, and nothing else while locked; after the
 * pass the enrolment starts, HQ's supervisor (with the PIN HQ set) and sessions are there
 * without a restart. */
static void
test_first_run (Fixture *f, gconstpointer data)
{
  MendUnlockPage *unlock = MEND_UNLOCK_PAGE (mend_window_get_page (f->ui.window, "unlock"));
  MendEnrolPage *enrol = MEND_ENROL_PAGE (mend_window_get_page (f->ui.window, "first-enrol"));
  MendTodayPage *today = MEND_TODAY_PAGE (mend_window_get_page (f->ui.window, "today"));
  g_autofree char *url = sync_test_url ();
  g_autofree char *code = sync_test_code ();
  g_autofree char *hash = NULL;
  g_auto (GStrv) names = NULL;
  g_autoptr (GError) error = NULL;

  mend_test_ui_wait_for (scheduler_settled, f->scheduler, 30000);
  g_assert_cmpstr (mend_window_get_visible_page (f->ui.window), ==, "unlock");
  g_assert_true (mend_unlock_page_get_offers_enrol (unlock));
  g_assert_cmpstr (mend_unlock_page_get_people_message (unlock), ==,
                   "No supervisors on this device yet: enrol it with HQ to receive them.");
  names = mend_unlock_page_dup_supervisor_names (unlock);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
  g_clear_pointer (&names, g_strfreev);
  wait_button (f, "Enrol this device", TRUE);

  /* Enrol this device opens the Enrol page alone: the rest stays behind the lock. */
  mend_test_ui_activate (GTK_WIDGET (unlock), "unlock.enrol", NULL);
  g_assert_cmpstr (mend_window_get_visible_page (f->ui.window), ==, "first-enrol");
  wait_button (f, "Back to Unlock", TRUE);
  wait_button (f, "Enrol", TRUE);
  wait_button (f, "Enrol this device", FALSE);
  mend_test_ui_activate (GTK_WIDGET (f->ui.window), "win.show-sync", NULL);
  mend_test_ui_activate (GTK_WIDGET (f->ui.window), "win.open-session", "s", f->ui.session_id);
  g_assert_cmpstr (mend_window_get_visible_page (f->ui.window), ==, "first-enrol");
  g_assert_true (mend_window_get_locked (f->ui.window));
  /* Back to Unlock, and there again. */
  mend_test_ui_activate (GTK_WIDGET (f->ui.window), "win.show-unlock", NULL);
  g_assert_cmpstr (mend_window_get_visible_page (f->ui.window), ==, "unlock");
  mend_test_ui_activate (GTK_WIDGET (unlock), "unlock.enrol", NULL);
  g_assert_cmpstr (mend_window_get_visible_page (f->ui.window), ==, "first-enrol");

  /* A wrong code: HQ's refusal, still locked, still on the Enrol page. */
  mend_enrol_page_set_text (enrol, url, "WRONGCODE0000");
  mend_test_ui_activate (GTK_WIDGET (enrol), "enrol.submit", NULL);
  mend_test_ui_wait_for (enrol_settled, enrol, 20000);
  g_test_message ("wrong code: %s", mend_enrol_page_get_message (enrol));
  g_assert_cmpstr (mend_window_get_visible_page (f->ui.window), ==, "first-enrol");
  g_assert_null (mend_store_sync_get_enrolment (f->ui.store, NULL));

  mend_enrol_page_set_text (enrol, url, code);
  mend_test_ui_activate (GTK_WIDGET (enrol), "enrol.submit", NULL);
  mend_test_ui_wait_for (enrol_settled, enrol, 20000);
  g_test_message ("enrolled: %s", mend_enrol_page_get_message (enrol));
  g_assert_nonnull (strstr (mend_enrol_page_get_message (enrol), "North Kettering"));
  g_assert_cmpstr (mend_window_get_visible_page (f->ui.window), ==, "unlock");
  g_assert_true (mend_window_get_locked (f->ui.window));
  /* Enrolled: no second offer, whether or not the pass has ended yet. */
  g_assert_false (mend_unlock_page_get_offers_enrol (unlock));

  /* The pass the enrolment asked for brings the supervisors; the page lists them. */
  mend_test_ui_wait_for (supervisors_listed, unlock, 30000);
  mend_test_ui_wait_for (scheduler_settled, f->scheduler, 30000);
  names = mend_unlock_page_dup_supervisor_names (unlock);
  g_assert_cmpstrv (names, ((const char *const[]){ "Test Supervisor", NULL }));
  g_assert_null (mend_unlock_page_get_people_message (unlock));
  g_assert_false (mend_unlock_page_get_offers_enrol (unlock));
  wait_button (f, "Test Supervisor", TRUE);
  wait_button (f, "Enrol this device", FALSE);
  wait_button (f, "Back to Unlock", FALSE);
  hash = mend_store_dup_pin_hash (f->ui.store, "sup-1", &error);
  g_assert_no_error (error);
  g_assert_true (mend_pin_verify (hash, "2468"));

  /* The PIN HQ set unlocks, and Today shows HQ's session of the day, which can be started. */
  mend_test_ui_unlock (&f->ui, "sup-1", "9999");
  g_assert_true (mend_window_get_locked (f->ui.window));
  mend_test_ui_unlock (&f->ui, "sup-1", "2468");
  g_assert_false (mend_window_get_locked (f->ui.window));
  g_assert_cmpuint (mend_today_page_get_n_cards (today), ==, 1);
  mend_test_ui_start_session (&f->ui);
  g_assert_cmpuint (mend_test_ui_count_events (&f->ui, "session.started"), ==, 1);
}

/* Enrolled, but the supervisors have not arrived: the page says they come with the next sync
 * and does not offer enrolment again. A demo store is never offered enrolment. */
static void
test_first_run_no_offer (Fixture *f, gconstpointer data)
{
  MendUnlockPage *unlock = MEND_UNLOCK_PAGE (mend_window_get_page (f->ui.window, "unlock"));
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = NULL;

  mend_test_ui_wait_for (scheduler_settled, f->scheduler, 30000);
  g_assert_true (mend_unlock_page_get_offers_enrol (unlock));
  g_assert_true (mend_store_sync_set_enrolment (f->ui.store, "http://127.0.0.1:1", NULL, "team-x",
                                                "Team X", NULL, &error));
  g_assert_no_error (error);
  mend_unlock_page_refresh (unlock);
  g_assert_false (mend_unlock_page_get_offers_enrol (unlock));
  g_test_message ("enrolled, no supervisors: %s", mend_unlock_page_get_people_message (unlock));
  g_assert_nonnull (strstr (mend_unlock_page_get_people_message (unlock), "next sync"));
  /* The action does nothing when not offered. */
  mend_test_ui_activate (GTK_WIDGET (unlock), "unlock.enrol", NULL);
  g_assert_cmpstr (mend_window_get_visible_page (f->ui.window), ==, "unlock");

  g_assert_true (mend_store_load_demo (f->ui.store, &error));
  g_assert_no_error (error);
  mend_unlock_page_refresh (unlock);
  g_assert_false (mend_unlock_page_get_offers_enrol (unlock));
  names = mend_unlock_page_dup_supervisor_names (unlock);
  g_assert_cmpuint (g_strv_length (names), >, 0);
}

int
main (int argc, char **argv)
{
  int status;

  mend_test_ui_init (&argc, &argv);
  sync_test_hq_start ();
  g_test_add ("/ui/sync/enrol-check-in-sync", Fixture, NULL, fixture_set_up,
              test_enrol_check_in_sync, fixture_tear_down);
  g_test_add ("/ui/sync/parked-reason", Fixture, NULL, fixture_set_up, test_parked_reason,
              fixture_tear_down);
  g_test_add ("/ui/sync/hq-down", Fixture, NULL, fixture_set_up, test_hq_down, fixture_tear_down);
  g_test_add ("/ui/sync/after-records", Fixture, NULL, fixture_set_up, test_after_records,
              fixture_tear_down);
  g_test_add ("/ui/sync/revoked", Fixture, NULL, fixture_set_up, test_revoked, fixture_tear_down);
  g_test_add ("/ui/sync/sealed-note-in-history", Fixture, NULL, fixture_set_up,
              test_sealed_note_in_history, fixture_tear_down);
  g_test_add ("/ui/sync/enrol-refused", Fixture, NULL, fixture_set_up, test_enrol_refused,
              fixture_tear_down);
  g_test_add ("/ui/sync/enrol-demo-refused", Fixture, NULL, fixture_set_up, test_enrol_demo_refused,
              fixture_tear_down);
  g_test_add ("/ui/first-run/enrol-from-unlock", Fixture, NULL, fixture_set_up_fresh,
              test_first_run, fixture_tear_down);
  g_test_add ("/ui/first-run/no-offer-when-enrolled-or-demo", Fixture, NULL, fixture_set_up_fresh,
              test_first_run_no_offer, fixture_tear_down);
  status = g_test_run ();
  sync_test_hq_stop ();
  return status;
}
