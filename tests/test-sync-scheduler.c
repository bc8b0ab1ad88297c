/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "mend-store-retention.h"
#include "mend-sync-backoff.h"
#include "mend-sync-scheduler.h"
#include "test-sync-util.h"

/* MendSyncScheduler: the backoff arithmetic on its own, then the scheduler driving the real
 * engine against a real mend-hq. The network is a small GNetworkMonitor of the test's own, so
 * it can come and go and be metered on demand (the machine's monitor cannot be toggled); the
 * real g_network_monitor_get_default() is checked too, in a network namespace with no
 * network (`unshare -rn`). */

/* A network monitor the test switches. */
#define TEST_TYPE_MONITOR (test_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestMonitor, test_monitor, TEST, MONITOR, GObject)

struct _TestMonitor
{
  GObject parent_instance;
  gboolean available;
  gboolean metered;
};

enum
{
  MONITOR_PROP_0,
  MONITOR_PROP_AVAILABLE,
  MONITOR_PROP_METERED,
  MONITOR_PROP_CONNECTIVITY,
};

static void test_monitor_iface_init (GNetworkMonitorInterface *iface);
static void test_monitor_initable_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestMonitor,
                               test_monitor,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_monitor_initable_init)
                                   G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR,
                                                          test_monitor_iface_init))

static void
test_monitor_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TestMonitor *self = TEST_MONITOR (object);

  switch (prop_id)
    {
    case MONITOR_PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case MONITOR_PROP_METERED:
      g_value_set_boolean (value, self->metered);
      break;
    case MONITOR_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL
                                               : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
test_monitor_can_reach (GNetworkMonitor *monitor,
                        GSocketConnectable *connectable,
                        GCancellable *cancellable,
                        GError **error)
{
  return TEST_MONITOR (monitor)->available;
}

static gboolean
test_monitor_initable (GInitable *initable, GCancellable *cancellable, GError **error)
{
  return TRUE;
}

/* GNetworkMonitor requires GInitable; there is nothing to set up. */
static void
test_monitor_initable_init (GInitableIface *iface)
{
  iface->init = test_monitor_initable;
}

static void
test_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = test_monitor_can_reach;
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_monitor_get_property;
  g_object_class_override_property (object_class, MONITOR_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, MONITOR_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, MONITOR_PROP_CONNECTIVITY, "connectivity");
}

static void
test_monitor_init (TestMonitor *self)
{
  self->available = TRUE;
}

/* As GLib's own monitors do: the property changes, then network-changed is emitted. */
static void
test_monitor_set (TestMonitor *self, gboolean available, gboolean metered)
{
  gboolean metered_changed = self->metered != metered;

  self->available = available;
  self->metered = metered;
  if (metered_changed)
    g_object_notify (G_OBJECT (self), "network-metered");
  g_signal_emit_by_name (self, "network-changed", available);
}

/* The backoff arithmetic. */

static void
test_backoff (void)
{
  const guint64 base = 5000, cap = 15 * 60 * 1000;

  /* No jitter drawn: half the ceiling; the most jitter: the ceiling. */
  g_assert_cmpuint (mend_sync_backoff_delay_ms (1, base, cap, 0.0, 0), ==, 2500);
  g_assert_cmpuint (mend_sync_backoff_delay_ms (1, base, cap, 0.999999, 0), <=, 5000);
  g_assert_cmpuint (mend_sync_backoff_delay_ms (1, base, cap, 0.999999, 0), >=, 4999);
  g_assert_cmpuint (mend_sync_backoff_delay_ms (1, base, cap, 0.5, 0), ==, 3750);
  /* The ceiling doubles per failure. */
  g_assert_cmpuint (mend_sync_backoff_delay_ms (2, base, cap, 0.0, 0), ==, 5000);
  g_assert_cmpuint (mend_sync_backoff_delay_ms (3, base, cap, 0.0, 0), ==, 10000);
  g_assert_cmpuint (mend_sync_backoff_delay_ms (8, base, cap, 0.0, 0), ==, 320000);
  /* 5 s × 2^8 = 1280 s is over the cap of 900 s. */
  g_assert_cmpuint (mend_sync_backoff_delay_ms (9, base, cap, 0.0, 0), ==, cap / 2);
  g_assert_cmpuint (mend_sync_backoff_delay_ms (9, base, cap, 1.0, 0), ==, cap);
  /* A long outage neither overflows nor passes the cap. */
  g_assert_cmpuint (mend_sync_backoff_delay_ms (G_MAXUINT, base, cap, 1.0, 0), ==, cap);
  g_assert_cmpuint (mend_sync_backoff_delay_ms (200, base, cap, 0.3, 0), <=, cap);
  /* Jitter out of range is clamped rather than trusted. */
  g_assert_cmpuint (mend_sync_backoff_delay_ms (1, base, cap, -3.0, 0), ==, 2500);
  g_assert_cmpuint (mend_sync_backoff_delay_ms (1, base, cap, 7.0, 0), ==, 5000);
  /* HQ's Retry-After is a floor, even above the cap. */
  g_assert_cmpuint (mend_sync_backoff_delay_ms (1, base, cap, 0.0, 60), ==, 60000);
  g_assert_cmpuint (mend_sync_backoff_delay_ms (1, base, cap, 0.0, 3600), ==, 3600000);
  g_assert_cmpuint (mend_sync_backoff_delay_ms (9, base, cap, 1.0, 1), ==, cap);
  /* A cap below the base is the base. */
  g_assert_cmpuint (mend_sync_backoff_delay_ms (4, base, 10, 1.0, 0), ==, base);

  /* Jitter spreads the waits: 1000 draws of the second failure cover [5 s, 10 s]. */
  {
    g_autoptr (GRand) rand = g_rand_new_with_seed (7);
    guint64 lowest = G_MAXUINT64, highest = 0;

    for (int i = 0; i < 1000; i++)
      {
        guint64 d = mend_sync_backoff_delay_ms (2, base, cap, g_rand_double (rand), 0);

        g_assert_cmpuint (d, >=, 10000 / 2);
        g_assert_cmpuint (d, <=, 10000);
        lowest = MIN (lowest, d);
        highest = MAX (highest, d);
      }
    g_assert_cmpuint (lowest, <, 5500);
    g_assert_cmpuint (highest, >, 9500);
  }
}

/* The scheduler against a real HQ. */

typedef struct
{
  SyncDevice d;
  TestMonitor *monitor;
  MendSyncScheduler *scheduler;
  guint started;
  guint finished;
  guint reenrol;
  guint purged;
  GArray *states; /* MendSyncState of each finished pass; -1 for a failed pass */
  gint64 clock_ms;
} Fixture;

static void
pass_started_cb (MendSyncScheduler *scheduler, gpointer user_data)
{
  ((Fixture *)user_data)->started++;
}

static void
pass_finished_cb (MendSyncScheduler *scheduler, MendSyncReport *report, gpointer user_data)
{
  Fixture *f = user_data;
  int state = report != NULL ? (int)report->state : -1;

  f->finished++;
  g_array_append_val (f->states, state);
}

static void
reenrol_cb (MendSyncScheduler *scheduler, gpointer user_data)
{
  ((Fixture *)user_data)->reenrol++;
}

static void
purged_cb (MendSyncScheduler *scheduler, MendRetentionResult *result, gpointer user_data)
{
  ((Fixture *)user_data)->purged++;
}

static gint64
fixture_clock (gpointer user_data)
{
  return ((Fixture *)user_data)->clock_ms;
}

static void
make_scheduler (Fixture *f, GNetworkMonitor *monitor)
{
  f->scheduler = mend_sync_scheduler_new (f->d.engine, monitor);
  mend_sync_scheduler_set_seed (f->scheduler, 42);
  /* Milliseconds instead of seconds, in the same proportions as the defaults. */
  mend_sync_scheduler_set_timing (f->scheduler, 300, 60 * 1000, 50, 100, 800);
  mend_sync_scheduler_set_clock (f->scheduler, fixture_clock, f);
  g_signal_connect (f->scheduler, "pass-started", G_CALLBACK (pass_started_cb), f);
  g_signal_connect (f->scheduler, "pass-finished", G_CALLBACK (pass_finished_cb), f);
  g_signal_connect (f->scheduler, "reenrol-needed", G_CALLBACK (reenrol_cb), f);
  g_signal_connect (f->scheduler, "purged", G_CALLBACK (purged_cb), f);
}

static void
fixture_open (Fixture *f, gconstpointer data)
{
  sync_device_open (&f->d, data);
  f->monitor = g_object_new (TEST_TYPE_MONITOR, NULL);
  f->states = g_array_new (FALSE, FALSE, sizeof (int));
  f->clock_ms = g_get_real_time () / 1000;
  make_scheduler (f, G_NETWORK_MONITOR (f->monitor));
}

static void
fixture_close (Fixture *f, gconstpointer data)
{
  mend_sync_scheduler_stop (f->scheduler);
  g_assert_finalize_object (f->scheduler);
  g_clear_object (&f->monitor);
  g_array_unref (f->states);
  sync_device_close (&f->d, data);
}

/* Spins the main loop until @finished passes have ended, failing after @timeout_ms. */
static void
wait_passes (Fixture *f, guint finished, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  while (f->finished < finished)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("waited %u ms for pass %u; %u finished", timeout_ms, finished, f->finished);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
}

/* Spins the main loop for @ms, whatever happens. */
static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64)ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
}

static int
last_state (Fixture *f)
{
  return g_array_index (f->states, int, f->states->len - 1);
}

static void
assert_hq_holds_device (Fixture *f)
{
  g_autofree char *at_hq = sync_test_hq_events (mend_store_get_device_id (f->d.store));
  g_autofree char *on_device = sync_device_acknowledged (&f->d);

  g_assert_cmpstr (at_hq, ==, on_device);
  g_assert_cmpint (sync_device_count (&f->d, "pending"), ==, 0);
}

/* A pass at start; then a burst of records makes one pass, a few (here 300 ms) later. */
static void
test_start_and_debounce (Fixture *f, gconstpointer data)
{
  g_autofree char *session_id = mend_test_session_id (0);
  gint64 before;

  sync_device_enrol_ok (&f->d);
  g_ptr_array_unref (sync_device_record_day (&f->d, 0, 1, 64 * 1024));
  mend_sync_scheduler_start (f->scheduler);
  wait_passes (f, 1, 20000);
  g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==, MEND_SYNC_SCHEDULER_IDLE);
  g_assert_cmpint (mend_sync_scheduler_get_last_success (f->scheduler), >, 0);
  g_assert_cmpint (mend_sync_scheduler_get_counts (f->scheduler)->events_pending, ==, 0);
  g_assert_cmpint (mend_sync_scheduler_get_counts (f->scheduler)->bytes_waiting, ==, 0);
  g_assert_false (mend_sync_scheduler_get_clock_warning (f->scheduler));
  assert_hq_holds_device (f);

  before = g_get_monotonic_time ();
  for (int i = 0; i < 5; i++)
    {
      g_free (mend_test_record_ok (f->d.store, mend_command_tally (session_id, "bags", 1)));
      mend_sync_scheduler_notify_new_events (f->scheduler);
      spin (20);
    }
  g_assert_cmpuint (f->started, ==, 1);
  g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==, MEND_SYNC_SCHEDULER_SCHEDULED);
  wait_passes (f, 2, 20000);
  /* Not before the debounce from the first record. */
  g_assert_cmpint (g_get_monotonic_time () - before, >=, 300 * 1000);
  spin (500);
  g_assert_cmpuint (f->started, ==, 2);
  g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_COMPLETE);
  assert_hq_holds_device (f);
}

static char *
dead_url (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t length = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint16 port;

  /* A port the kernel gave and took back: nothing listens on it. */
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *)&addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *)&addr, &length), ==, 0);
  port = ntohs (addr.sin_port);
  close (fd);
  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

/* HQ unreachable: the waits grow (with jitter, within their bounds) up to the cap; new events
 * do not cut a backoff short; a network change and Sync now start it over. */
static void
test_backoff_and_network (Fixture *f, gconstpointer data)
{
  g_autofree char *url = sync_test_url ();
  g_autofree char *dead = dead_url ();
  g_autofree char *session_id = mend_test_session_id (1);
  guint64 ceiling = 100;

  sync_device_enrol_ok (&f->d);
  g_ptr_array_unref (sync_device_record_day (&f->d, 1, 0, 0));
  sync_device_point_at (&f->d, dead);
  mend_sync_scheduler_start (f->scheduler);
  for (guint n = 1; n <= 5; n++)
    {
      guint64 delay;

      wait_passes (f, n, 20000);
      g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_WAITING);
      g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==,
                       MEND_SYNC_SCHEDULER_BACKOFF);
      g_assert_cmpuint (mend_sync_scheduler_get_failures (f->scheduler), ==, n);
      g_assert_nonnull (mend_sync_scheduler_get_last_error (f->scheduler));
      delay = mend_sync_scheduler_get_next_delay_ms (f->scheduler);
      g_test_message ("failure %u: next try in %" G_GUINT64_FORMAT " ms", n, delay);
      g_assert_cmpuint (delay, >=, ceiling / 2);
      g_assert_cmpuint (delay, <=, ceiling);
      ceiling = MIN (ceiling * 2, 800);
    }
  /* New events during a backoff wait for it. */
  g_free (mend_test_record_ok (f->d.store, mend_command_tally (session_id, "bags", 1)));
  mend_sync_scheduler_notify_new_events (f->scheduler);
  g_assert_cmpuint (mend_sync_scheduler_get_next_delay_ms (f->scheduler), >=, 400);

  /* Sync now: at once, and the backoff starts over. */
  wait_passes (f, 5, 1);
  mend_sync_scheduler_sync_now (f->scheduler);
  g_assert_cmpuint (mend_sync_scheduler_get_failures (f->scheduler), ==, 0);
  g_assert_cmpuint (mend_sync_scheduler_get_next_delay_ms (f->scheduler), ==, 0);
  wait_passes (f, 6, 20000);
  g_assert_cmpuint (mend_sync_scheduler_get_failures (f->scheduler), ==, 1);
  g_assert_cmpuint (mend_sync_scheduler_get_next_delay_ms (f->scheduler), <=, 100);

  /* The network drops: no pass while it is away, whatever the timer said. */
  test_monitor_set (f->monitor, FALSE, FALSE);
  g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==, MEND_SYNC_SCHEDULER_OFFLINE);
  {
    guint started = f->started;

    mend_sync_scheduler_notify_new_events (f->scheduler);
    spin (1000);
    g_assert_cmpuint (f->started, ==, started);
  }
  /* It comes back (and HQ with it): a pass soon after, and everything goes. */
  sync_device_point_at (&f->d, url);
  test_monitor_set (f->monitor, TRUE, FALSE);
  g_assert_cmpuint (mend_sync_scheduler_get_next_delay_ms (f->scheduler), ==, 50);
  wait_passes (f, 7, 20000);
  g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_cmpuint (mend_sync_scheduler_get_failures (f->scheduler), ==, 0);
  g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==, MEND_SYNC_SCHEDULER_IDLE);
  assert_hq_holds_device (f);
}

/* Photos wait for an unmetered network while events go; allowing metered, or leaving the
 * metered network, lets them go. */
static void
test_metered (Fixture *f, gconstpointer data)
{
  g_autofree char *session_id = mend_test_session_id (2);
  g_autoptr (GPtrArray) photos = NULL;
  g_autofree char *late = NULL;

  sync_device_enrol_ok (&f->d);
  photos = sync_device_record_day (&f->d, 2, 2, 200 * 1024);
  test_monitor_set (f->monitor, TRUE, TRUE);
  mend_sync_scheduler_start (f->scheduler);
  wait_passes (f, 1, 20000);
  assert_hq_holds_device (f);
  g_assert_true (mend_sync_scheduler_get_photos_held (f->scheduler));
  g_assert_cmpint (mend_sync_scheduler_get_counts (f->scheduler)->photos_waiting, ==, 2);
  g_assert_cmpint (mend_sync_scheduler_get_counts (f->scheduler)->bytes_waiting, ==,
                   2 * 200 * 1024);
  g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==, MEND_SYNC_SCHEDULER_IDLE);
  for (guint i = 0; i < photos->len; i++)
    g_assert_false (sync_test_hq_has_blob (g_ptr_array_index (photos, i)));
  /* Nothing retried while only held photos wait. */
  spin (600);
  g_assert_cmpuint (f->started, ==, 1);

  /* The setting allows metered: they go at once. */
  mend_sync_scheduler_set_photos_on_metered (f->scheduler, TRUE);
  wait_passes (f, 2, 20000);
  g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_false (mend_sync_scheduler_get_photos_held (f->scheduler));
  for (guint i = 0; i < photos->len; i++)
    g_assert_true (sync_test_hq_has_blob (g_ptr_array_index (photos, i)));

  /* Not allowed again: a new photo waits on the metered network, its event goes. */
  mend_sync_scheduler_set_photos_on_metered (f->scheduler, FALSE);
  late = sync_device_add_photo (&f->d, session_id, 99, 100 * 1024);
  mend_sync_scheduler_notify_new_events (f->scheduler);
  wait_passes (f, 3, 20000);
  assert_hq_holds_device (f);
  g_assert_true (mend_sync_scheduler_get_photos_held (f->scheduler));
  g_assert_false (sync_test_hq_has_blob (late));

  /* An unmetered network: it goes. */
  test_monitor_set (f->monitor, TRUE, FALSE);
  wait_passes (f, 4, 20000);
  g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_true (sync_test_hq_has_blob (late));
  g_assert_false (mend_sync_scheduler_get_photos_held (f->scheduler));
}

/* A revoked device: the scheduler stops, says so once, and asks HQ nothing more. */
static void
test_reenrol (Fixture *f, gconstpointer data)
{
  g_autofree char *session_id = mend_test_session_id (0);

  sync_device_enrol_ok (&f->d);
  sync_test_revoke (mend_store_get_device_id (f->d.store));
  g_free (mend_test_record_ok (f->d.store, mend_command_start_session (session_id)));
  mend_sync_scheduler_start (f->scheduler);
  wait_passes (f, 1, 20000);
  g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_REENROL);
  g_assert_cmpuint (f->reenrol, ==, 1);
  g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==, MEND_SYNC_SCHEDULER_REENROL);
  mend_sync_scheduler_notify_new_events (f->scheduler);
  test_monitor_set (f->monitor, FALSE, FALSE);
  test_monitor_set (f->monitor, TRUE, FALSE);
  spin (800);
  g_assert_cmpuint (f->started, ==, 1);
  g_assert_cmpint (sync_device_count (&f->d, "pending"), ==, 1);

  /* Sync now asks again (the person may have enrolled anew); HQ still refuses. */
  mend_sync_scheduler_sync_now (f->scheduler);
  wait_passes (f, 2, 20000);
  g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_REENROL);
  g_assert_cmpuint (f->reenrol, ==, 2);
}

/* Never enrolled: the scheduler stops and says so. */
static void
test_not_enrolled (Fixture *f, gconstpointer data)
{
  mend_sync_scheduler_start (f->scheduler);
  wait_passes (f, 1, 20000);
  g_assert_cmpint (last_state (f), ==, -1);
  g_assert_cmpuint (f->reenrol, ==, 1);
  g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==,
                   MEND_SYNC_SCHEDULER_NOT_ENROLLED);
  g_assert_nonnull (mend_sync_scheduler_get_last_error (f->scheduler));
  mend_sync_scheduler_notify_new_events (f->scheduler);
  spin (500);
  g_assert_cmpuint (f->started, ==, 1);
}

/* Offline at start (the test's monitor): no pass until the network comes. */
static void
test_offline_start (Fixture *f, gconstpointer data)
{
  sync_device_enrol_ok (&f->d);
  g_ptr_array_unref (sync_device_record_day (&f->d, 0, 0, 0));
  test_monitor_set (f->monitor, FALSE, FALSE);
  mend_sync_scheduler_start (f->scheduler);
  spin (500);
  g_assert_cmpuint (f->started, ==, 0);
  g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==, MEND_SYNC_SCHEDULER_OFFLINE);
  test_monitor_set (f->monitor, TRUE, FALSE);
  wait_passes (f, 1, 20000);
  g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_COMPLETE);
  assert_hq_holds_device (f);
}

/* HQ answers 429 with Retry-After (a second mend-hq on the same database, limited to one
 * request a minute after a burst of three): the next try waits at least that long, even above
 * the backoff's cap. */
static void
test_retry_after (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) server = NULL;
  g_autofree char *folder = g_dir_make_tmp ("mend-sched-rate-XXXXXX", &error);
  g_autofree char *blobs = g_build_filename (folder, "blobs", NULL);
  g_autofree char *session_id = mend_test_session_id (0);

  g_assert_no_error (error);
  server = sync_device_enrol_rate_limited (&f->d, blobs, session_id);

  mend_sync_scheduler_start (f->scheduler);
  wait_passes (f, 1, 20000);
  g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_WAITING);
  g_assert_cmpint (mend_sync_scheduler_get_state (f->scheduler), ==, MEND_SYNC_SCHEDULER_BACKOFF);
  g_assert_cmpuint (mend_sync_scheduler_get_failures (f->scheduler), ==, 1);
  /* The backoff alone would be at most 100 ms here; HQ asked for seconds. */
  g_test_message ("next try in %" G_GUINT64_FORMAT " ms",
                  mend_sync_scheduler_get_next_delay_ms (f->scheduler));
  g_assert_cmpuint (mend_sync_scheduler_get_next_delay_ms (f->scheduler), >=, 1000);
  g_assert_cmpuint (mend_sync_scheduler_get_next_delay_ms (f->scheduler), <=, 60 * 1000);
  spin (500);
  g_assert_cmpuint (f->started, ==, 1);

  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  mend_test_remove_tree (folder);
}

static gint64
count_purged (Fixture *f, const char *table)
{
  g_autofree char *sql
      = g_strdup_printf ("SELECT count(*) FROM %s WHERE purged_at IS NOT NULL", table);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (f->d.path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* After a good pass the scheduler purges what HQ has held longer than the retention days; the
 * clock is moved, not the records. */
static void
test_retention_after_pass (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GError) error = NULL;
  gint64 total;

  sync_device_enrol_ok (&f->d);
  photos = sync_device_record_day (&f->d, 1, 2, 50 * 1024);
  total = sync_device_count (&f->d, "pending");
  mend_sync_scheduler_start (f->scheduler);
  wait_passes (f, 1, 20000);
  g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_COMPLETE);
  /* Today: nothing is old enough. */
  g_assert_cmpuint (f->purged, ==, 0);
  g_assert_cmpint (count_purged (f, "events"), ==, 0);

  /* Eight days on, with seven kept: the next good pass purges everything. */
  f->clock_ms += 8 * 24 * 3600 * 1000LL;
  mend_sync_scheduler_sync_now (f->scheduler);
  wait_passes (f, 2, 20000);
  g_assert_cmpuint (f->purged, ==, 1);
  g_assert_cmpint (count_purged (f, "events"), ==, total);
  g_assert_cmpint (count_purged (f, "photos"), ==, 2);
  for (guint i = 0; i < photos->len; i++)
    {
      g_autofree char *path = mend_store_photo_path (f->d.store, g_ptr_array_index (photos, i));

      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  g_assert_true (mend_store_verify (f->d.store, NULL, &error));
  g_assert_no_error (error);

  /* Another pass sends nothing again and purges nothing more. */
  mend_sync_scheduler_sync_now (f->scheduler);
  wait_passes (f, 3, 20000);
  g_assert_cmpint (last_state (f), ==, MEND_SYNC_STATE_COMPLETE);
  g_assert_cmpuint (f->purged, ==, 1);
  assert_hq_holds_device (f);
}

/* The real monitor, in a namespace without a network: it says so, and the scheduler waits
 * instead of trying. Runs as a child under `unshare -rn` (see main()). */
static void
test_offline_child (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store
      = mend_store_open (g_getenv ("MEND_TEST_OFFLINE_STORE"), MEND_STORE_OPEN_DEFAULT, &error);
  g_autoptr (MendSyncEngine) engine = NULL;
  g_autoptr (MendSyncScheduler) scheduler = NULL;
  GNetworkMonitor *monitor = g_network_monitor_get_default ();
  Fixture f = { 0 };

  g_assert_no_error (error);
  g_assert_false (g_network_monitor_get_network_available (monitor));
  engine = mend_sync_engine_new (store);
  f.states = g_array_new (FALSE, FALSE, sizeof (int));
  f.d.engine = engine;
  make_scheduler (&f, NULL);
  mend_sync_scheduler_start (f.scheduler);
  spin (800);
  g_assert_cmpuint (f.started, ==, 0);
  g_assert_cmpint (mend_sync_scheduler_get_state (f.scheduler), ==, MEND_SYNC_SCHEDULER_OFFLINE);
  /* Sync now cannot conjure a network either. */
  mend_sync_scheduler_sync_now (f.scheduler);
  spin (300);
  g_assert_cmpuint (f.started, ==, 0);
  g_assert_cmpint (mend_sync_scheduler_get_state (f.scheduler), ==, MEND_SYNC_SCHEDULER_OFFLINE);
  mend_sync_scheduler_stop (f.scheduler);
  g_clear_object (&f.scheduler);
  g_array_unref (f.states);
}

static void
test_offline_real_monitor (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) child = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *unshare = g_find_program_in_path ("unshare");

  if (unshare == NULL)
    {
      g_test_skip ("unshare (util-linux) is not installed");
      return;
    }
  sync_device_enrol_ok (&f->d);
  g_ptr_array_unref (sync_device_record_day (&f->d, 0, 0, 0));
  launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "MEND_TEST_OFFLINE_STORE", f->d.path, TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, "unshare", "-rn", self_exe, "--tap", "-p",
                                       "/sync-scheduler/offline-child", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("child: %s%s", out, err);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
  g_assert_nonnull (strstr (out, "ok 1"));
  /* Nothing left the device. */
  g_assert_cmpint (sync_device_count (&f->d, "acknowledged"), ==, 0);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  if (g_getenv ("MEND_TEST_OFFLINE_STORE") != NULL)
    {
      g_test_add_func ("/sync-scheduler/offline-child", test_offline_child);
      return g_test_run ();
    }
  g_test_add_func ("/sync-scheduler/backoff", test_backoff);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_open, func, fixture_close)
  ADD ("/sync-scheduler/start-and-debounce", test_start_and_debounce);
  ADD ("/sync-scheduler/backoff-and-network", test_backoff_and_network);
  ADD ("/sync-scheduler/metered", test_metered);
  ADD ("/sync-scheduler/reenrol", test_reenrol);
  ADD ("/sync-scheduler/not-enrolled", test_not_enrolled);
  ADD ("/sync-scheduler/offline-start", test_offline_start);
  ADD ("/sync-scheduler/retry-after", test_retry_after);
  ADD ("/sync-scheduler/retention-after-pass", test_retention_after_pass);
  ADD ("/sync-scheduler/offline-real-monitor", test_offline_real_monitor);
#undef ADD
  sync_test_hq_start ();
  status = g_test_run ();
  sync_test_hq_stop ();
  return status;
}
