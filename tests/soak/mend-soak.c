/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The soak (issue 9, tests/soak/README.md): a real mend-hq on a throwaway PostgreSQL cluster,
 * many devices with real stores and the real sync engine on one GLib main loop, all syncing
 * through the cutting proxy while days of work are recorded on them, and a chaos thread that
 * kills or restarts mend-hq and restarts PostgreSQL at random. Then the chaos stops and:
 *
 *   1. converge: every device passes until a pass started after the chaos ends complete;
 *   2. steady: a fixed-length phase without faults (no cuts, no restarts) in which devices go
 *      on recording tallies and syncing; mend-hq's VmRSS is sampled through it;
 *   3. final: every device converges again, the passes stop, and the checks run.
 *
 * The checks: for every device, HQ holds exactly the events the device holds (by device and
 * seq, same ids and hashes, none twice, hashes recomputed by PostgreSQL and chained), every
 * photo whole in HQ's blob folder with the right SHA-256, the device's own chain verifies; HQ
 * holds as many events and photos as all devices together; and mend-hq's memory is flat.
 *
 * Memory: restarts reset mend-hq's memory, so flatness is judged over the steady phase, which
 * one process serves from start to end (checked by its pid). Its first third is warm-up; the
 * phase fails when the highest VmRSS of its last third exceeds the highest of the warm-up by
 * more than --rss-bound-kib. Under AddressSanitizer, whose quarantine holds freed memory, it is
 * not judged; LeakSanitizer's check when mend-hq stops at the end (it must exit 0) stands in.
 *
 *   mend-soak [--devices N] [--seconds S] [--seed X] [--days D] [--photos P] [--steady S]
 *             [--rss-bound-kib K] [--cuts-per-second C]
 */
#define G_LOG_DOMAIN "mend-soak"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "mend-cutting-proxy.h"
#include "mend-photo-processor.h"
#include "mend-test-reliability.h"
#include "mend-time.h"
#include "test-sync-util.h"

/* This program and mend-hq come from the same build: under AddressSanitizer both are. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED TRUE
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED TRUE
#endif
#endif
#ifndef SANITIZED
#define SANITIZED FALSE
#endif

static int opt_devices = 20;
static int opt_seconds = 60;
static int opt_seed = 20261126;
static int opt_days = 3;
static int opt_photos = 2;
static int opt_steady = 20;
static int opt_rss_bound_kib = 8192;
static double opt_cuts_per_second = 4.0;

typedef enum
{
  PHASE_CHAOS,
  PHASE_CONVERGE,
  PHASE_STEADY,
  PHASE_FINAL,
  PHASE_STOPPING,
} Phase;

typedef struct
{
  guint index;
  SyncDevice d;
  GPtrArray *photos; /* sha256 of each photo recorded */
  int days_recorded;
  gint64 next_day_at;
  gboolean running;
  gint64 pass_started;
  gboolean converged; /* a pass started since the last mark ended complete */
  guint source;
  GRand *rand;
} Device;

typedef struct
{
  gint64 at;
  int pid;
  guint64 rss_kib;
} Sample;

/* What the chaos thread shares with the main one. */
typedef struct
{
  GThread *thread;
  GMutex lock;
  gboolean faults; /* make faults (else sample only) */
  gboolean busy;   /* a fault is under way */
  gboolean stop;
  GArray *samples; /* Sample */
  guint hq_kills;
  guint hq_restarts;
  guint pg_fast;
  guint pg_immediate;
  guint hq_died; /* mend-hq exited without being told to */
} Chaos;

typedef struct
{
  Device *devices;
  guint n_devices;
  MendCuttingProxy *proxy;
  Phase phase;
  gint64 mark;
  gint64 started;
  Chaos chaos;
  guint passes;
  guint passes_failed; /* the pass ended with a GError */
  guint passes_waiting;
  guint passes_bad; /* parked or asked to re-enrol: never expected */
  guint events;
  guint photos;
  guint64 photo_bytes;
  guint tallies_steady;
  int scale;
} Soak;

static Soak soak;

static gint64
seconds (double s)
{
  return (gint64)(s * G_USEC_PER_SEC);
}

/* A sanitizer build runs several times slower; .ci/run says how much. */
static int
time_scale (void)
{
  guint64 scale = 1;

  if (!g_ascii_string_to_unsigned (g_getenv ("MEND_TEST_TIME_SCALE") ?: "1", 10, 1, 100, &scale,
                                   NULL))
    scale = 1;
  return (int)scale;
}

/* ---- mend-hq's memory ---- */

static guint64
vm_rss_kib (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  line = strstr (text, "\nVmRSS:");
  return line != NULL ? g_ascii_strtoull (line + 7, NULL, 10) : 0;
}

static int
hq_pid (void)
{
  const char *id = g_subprocess_get_identifier (sync_test_hq->server);

  return id != NULL ? atoi (id) : 0;
}

/* ---- chaos ---- */

static void
chaos_fault (Chaos *chaos, GRand *rand)
{
  switch (g_rand_int_range (rand, 0, 4))
    {
    case 0:
      mend_test_hq_restart (sync_test_hq, TRUE);
      g_mutex_lock (&chaos->lock);
      chaos->hq_kills++;
      break;
    case 1:
      mend_test_hq_restart (sync_test_hq, FALSE);
      g_mutex_lock (&chaos->lock);
      chaos->hq_restarts++;
      break;
    case 2:
      mend_test_hq_restart_database (sync_test_hq, FALSE);
      g_mutex_lock (&chaos->lock);
      chaos->pg_fast++;
      break;
    default:
      mend_test_hq_restart_database (sync_test_hq, TRUE);
      g_mutex_lock (&chaos->lock);
      chaos->pg_immediate++;
      break;
    }
  g_mutex_unlock (&chaos->lock);
}

/* Samples mend-hq's VmRSS every 100 ms for the whole run; while faults are on, makes one every
 * 1–6 s (a fifth of that in a run shorter than a minute, so even the short soak makes several).
 * It alone touches sync_test_hq->server until it is joined. */
static gpointer
chaos_thread (gpointer data)
{
  Chaos *chaos = data;
  g_autoptr (GRand) rand = g_rand_new_with_seed ((guint32)opt_seed ^ 0xc4a05u);
  double gap_min = opt_seconds < 60 ? 0.5 : 1.0;
  double gap_max = opt_seconds < 60 ? 3.0 : 6.0;
  gint64 next = g_get_monotonic_time () + seconds (g_rand_double_range (rand, gap_min, gap_max));

  for (;;)
    {
      Sample sample = { g_get_monotonic_time (), hq_pid (), 0 };
      gboolean faults;

      if (sample.pid == 0)
        {
          /* Reaped: mend-hq ended without being told to. Start it again and fail at the end. */
          g_printerr ("mend-hq exited on its own\n");
          mend_test_hq_restart (sync_test_hq, TRUE);
          g_mutex_lock (&chaos->lock);
          chaos->hq_died++;
          g_mutex_unlock (&chaos->lock);
          continue;
        }
      sample.rss_kib = vm_rss_kib (sample.pid);
      g_mutex_lock (&chaos->lock);
      if (sample.rss_kib > 0)
        g_array_append_val (chaos->samples, sample);
      if (chaos->stop)
        {
          g_mutex_unlock (&chaos->lock);
          break;
        }
      faults = chaos->faults;
      chaos->busy = faults && sample.at >= next;
      g_mutex_unlock (&chaos->lock);
      if (faults && sample.at >= next)
        {
          chaos_fault (chaos, rand);
          next = g_get_monotonic_time () + seconds (g_rand_double_range (rand, gap_min, gap_max));
          g_mutex_lock (&chaos->lock);
          chaos->busy = FALSE;
          g_mutex_unlock (&chaos->lock);
        }
      g_usleep (100 * 1000);
    }
  return NULL;
}

/* Stops faults and waits for one under way to end. */
static void
chaos_calm (Chaos *chaos)
{
  for (;;)
    {
      gboolean busy;

      g_mutex_lock (&chaos->lock);
      chaos->faults = FALSE;
      busy = chaos->busy;
      g_mutex_unlock (&chaos->lock);
      if (!busy)
        break;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
}

/* ---- work on the devices ---- */

/* A small real photo (640 × 480, some 50 KB) through the app's own photo path: a frame of coloured
 * blocks (different for every device and photo) encoded and tagged by the photo processor into the
 * store's temp file, adopted by the store, and recorded. */
static void
device_add_photo (Device *dev, const char *session_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbuf) frame = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 640, 480);
  g_autofree char *temp = mend_store_new_photo_temp (dev->d.store, &error);
  g_autofree char *sha256 = NULL;
  MendPhotoOptions options = { .long_edge = 640, .quality = 85 };
  MendPhotoMeta meta
      = { .taken_at_ms = mend_time_now_ms (), .role = "evidence", .session_id = session_id };
  gint64 stored = 0;
  int width = 0;
  int height = 0;

  g_assert_no_error (error);
  for (int y = 0; y < 480; y += 8)
    for (int x = 0; x < 640; x += 8)
      {
        g_autoptr (GdkPixbuf) block = gdk_pixbuf_new_subpixbuf (frame, x, y, 8, 8);

        gdk_pixbuf_fill (block, g_rand_int (dev->rand) | 0xffu);
      }
  g_assert_true (mend_photo_process_pixbuf (frame, temp, &options, &meta, &width, &height, &error));
  g_assert_no_error (error);
  g_assert_true (mend_store_adopt_photo_temp (dev->d.store, temp, &sha256, &stored, &error));
  g_assert_no_error (error);
  g_free (mend_test_record_ok (dev->d.store,
                               mend_command_photo (session_id, NULL, MEND_PHOTO_ROLE_EVIDENCE,
                                                   sha256, stored, width, height)));
  soak.photos++;
  soak.photo_bytes += (guint64)stored;
  g_ptr_array_add (dev->photos, g_steal_pointer (&sha256));
}

/* The next day of work: the session of that day started, everyone checked in and briefed,
 * tallies, all but one checked out (sync_device_record_day), and real photos. */
static void
device_record_day (Device *dev)
{
  g_autofree char *session_id = mend_test_session_id (dev->days_recorded);
  g_autoptr (GPtrArray) none = sync_device_record_day (&dev->d, dev->days_recorded, 0, 0);

  for (int i = 0; i < opt_photos; i++)
    device_add_photo (dev, session_id);
  dev->days_recorded++;
}

static void start_pass (Device *dev);

static gboolean
start_pass_cb (gpointer data)
{
  Device *dev = data;

  dev->source = 0;
  start_pass (dev);
  return G_SOURCE_REMOVE;
}

static void
schedule_pass (Device *dev)
{
  /* HQ sees about eight passes a second from every twenty devices while work arrives (a pass
   * every 1–4 s each), and four times that while they converge: the same load per device as
   * the short soak, spread over more time as devices are added. A tablet in the field syncs
   * far less often; this is to make many passes meet the faults. */
  double spread = MAX (1.0, soak.n_devices / 20.0);
  double delay;

  if (soak.phase == PHASE_STOPPING)
    return;
  if (soak.phase == PHASE_CONVERGE || soak.phase == PHASE_FINAL)
    delay = g_rand_double_range (dev->rand, 200, 800);
  else
    delay = g_rand_double_range (dev->rand, 1000, 4000);
  dev->source = g_timeout_add ((guint)(delay * spread), start_pass_cb, dev);
}

static void
pass_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Device *dev = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSyncReport) report
      = mend_sync_engine_run_finish (MEND_SYNC_ENGINE (source), result, &error);
  gint64 now = g_get_monotonic_time ();

  dev->running = FALSE;
  soak.passes++;
  if (report == NULL)
    {
      soak.passes_failed++;
      g_debug ("device %u: %s", dev->index, error->message);
    }
  else if (report->state == MEND_SYNC_STATE_PARKED || report->state == MEND_SYNC_STATE_REENROL)
    {
      soak.passes_bad++;
      g_printerr ("device %u: the pass ended %s\n", dev->index,
                  mend_sync_state_to_string (report->state));
      for (guint i = 0; report->counts->parked != NULL && i < report->counts->parked->len; i++)
        g_printerr ("  parked: %s\n",
                    ((MendSyncParked *)g_ptr_array_index (report->counts->parked, i))->message);
      for (guint i = 0; report->counts->problems != NULL && i < report->counts->problems->len; i++)
        g_printerr ("  photo problem: %s\n",
                    (const char *)g_ptr_array_index (report->counts->problems, i));
    }
  else if (report->state == MEND_SYNC_STATE_WAITING)
    soak.passes_waiting++;
  else if (dev->pass_started >= soak.mark)
    dev->converged = TRUE;

  /* New work only between passes, so a complete pass means the device is up to date. */
  if (soak.phase == PHASE_CHAOS && dev->days_recorded < opt_days && now >= dev->next_day_at)
    {
      device_record_day (dev);
      dev->next_day_at = now
                         + (gint64)(g_rand_double_range (dev->rand, 0.5, 1.5) * 0.8 * opt_seconds
                                    * G_USEC_PER_SEC / opt_days);
    }
  else if (soak.phase == PHASE_STEADY && g_rand_int_range (dev->rand, 0, 3) == 0)
    {
      g_autofree char *session_id = mend_test_session_id (0);

      g_free (mend_test_record_ok (dev->d.store, mend_command_tally (session_id, "bags", 1)));
      soak.tallies_steady++;
    }
  schedule_pass (dev);
}

static void
start_pass (Device *dev)
{
  dev->running = TRUE;
  dev->pass_started = g_get_monotonic_time ();
  mend_sync_engine_run_async (dev->d.engine, NULL, pass_done, dev);
}

/* Runs the main loop until every device has had a complete pass started after now; returns the
 * time it took, or fails after @limit_s seconds. */
static gint64
converge (Phase phase, int limit_s)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + seconds (limit_s * soak.scale);

  soak.phase = phase;
  soak.mark = start;
  for (guint i = 0; i < soak.n_devices; i++)
    soak.devices[i].converged = FALSE;
  for (;;)
    {
      guint done = 0;

      for (guint i = 0; i < soak.n_devices; i++)
        done += soak.devices[i].converged;
      if (done == soak.n_devices)
        return g_get_monotonic_time () - start;
      if (g_get_monotonic_time () > deadline)
        g_error ("only %u of %u devices converged in %d s", done, soak.n_devices,
                 limit_s * soak.scale);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
run_until (gint64 until)
{
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Grants the proxy cuts at --cuts-per-second during the chaos, counted from its start, each
 * falling after a random 100 B to 160 KiB of the connection it hits. */
static gboolean
cuts_cb (gpointer data)
{
  double elapsed = (double)(g_get_monotonic_time () - soak.started) / G_USEC_PER_SEC;
  guint target = (guint)(opt_cuts_per_second * elapsed);

  if (soak.phase != PHASE_CHAOS)
    return G_SOURCE_CONTINUE;
  mend_cutting_proxy_set_cuts (soak.proxy, MAX (target, mend_cutting_proxy_get_cuts (soak.proxy)),
                               100, 160 * 1024);
  return G_SOURCE_CONTINUE;
}

/* ---- the checks ---- */

static void
check_device (Device *dev, gint64 *events, gint64 *photos)
{
  g_autoptr (GError) error = NULL;
  gint64 n_events = 0;

  g_assert_true (mend_store_verify (dev->d.store, &n_events, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sync_device_count (&dev->d, "acknowledged"), ==, n_events);
  sync_test_assert_converged (&dev->d, dev->photos);
  *events += n_events;
  *photos += dev->photos->len;
}

/* mend-hq's VmRSS over the steady phase, served by one process throughout. */
static void
check_memory (gint64 from, gint64 to, guint64 *out_warm, guint64 *out_peak, guint64 *out_end)
{
  gint64 third = (to - from) / 3;
  guint64 warm = 0;
  guint64 late = 0;
  guint64 peak = 0;
  guint64 end = 0;
  int pid = 0;
  guint n = 0;

  for (guint i = 0; i < soak.chaos.samples->len; i++)
    {
      Sample *s = &g_array_index (soak.chaos.samples, Sample, i);

      if (s->at < from || s->at > to)
        continue;
      if (pid == 0)
        pid = s->pid;
      g_assert_cmpint (s->pid, ==, pid);
      n++;
      if (s->at < from + third)
        warm = MAX (warm, s->rss_kib);
      if (s->at >= to - third)
        late = MAX (late, s->rss_kib);
      peak = MAX (peak, s->rss_kib);
      end = s->rss_kib;
    }
  g_assert_cmpuint (n, >=, 10);
  *out_warm = warm;
  *out_peak = peak;
  *out_end = end;
  if (SANITIZED)
    {
      g_test_message ("mend-hq's memory is not judged under AddressSanitizer, whose quarantine "
                      "keeps what is freed: its leak check at mend-hq's last stop stands in");
      return;
    }
  if (late > warm + (guint64)opt_rss_bound_kib)
    g_error ("mend-hq grew from %" G_GUINT64_FORMAT " KiB after warm-up to %" G_GUINT64_FORMAT
             " KiB over the steady phase (the bound is %d KiB)",
             warm, late, opt_rss_bound_kib);
}

/* The sample figures of the process that lived longest, and of the whole run. */
static void
memory_figures (void)
{
  GArray *samples = soak.chaos.samples;
  guint best_first = 0;
  guint best_last = 0;
  guint64 run_peak = 0;

  for (guint i = 0, first = 0; i < samples->len; i++)
    {
      Sample *s = &g_array_index (samples, Sample, i);

      run_peak = MAX (run_peak, s->rss_kib);
      if (i > 0 && s->pid != g_array_index (samples, Sample, i - 1).pid)
        first = i;
      if (s->at - g_array_index (samples, Sample, first).at
          > g_array_index (samples, Sample, best_last).at
                - g_array_index (samples, Sample, best_first).at)
        {
          best_first = first;
          best_last = i;
        }
    }
  if (samples->len == 0)
    return;
  {
    guint64 peak = 0;

    for (guint i = best_first; i <= best_last; i++)
      peak = MAX (peak, g_array_index (samples, Sample, i).rss_kib);
    g_test_message ("mend-hq RSS, longest-lived process (%.0f s): start %" G_GUINT64_FORMAT
                    " KiB, peak %" G_GUINT64_FORMAT " KiB, end %" G_GUINT64_FORMAT " KiB",
                    (double)(g_array_index (samples, Sample, best_last).at
                             - g_array_index (samples, Sample, best_first).at)
                        / G_USEC_PER_SEC,
                    g_array_index (samples, Sample, best_first).rss_kib, peak,
                    g_array_index (samples, Sample, best_last).rss_kib);
  }
  g_test_message ("mend-hq RSS, whole run: first %" G_GUINT64_FORMAT " KiB, peak %" G_GUINT64_FORMAT
                  " KiB, last %" G_GUINT64_FORMAT " KiB",
                  g_array_index (samples, Sample, 0).rss_kib, run_peak,
                  g_array_index (samples, Sample, samples->len - 1).rss_kib);
}

/* A row for docs/RELIABILITY.md, when the fault was made at all. */
static void
reliability_row (const char *fault, guint tries)
{
  if (tries > 0)
    mend_test_reliability_row (fault, tries, MEND_RELIABILITY_NOTHING_LOST);
}

/* ---- the run ---- */

static void
devices_open (void)
{
  g_autofree char *url = mend_cutting_proxy_get_url (soak.proxy);

  soak.devices = g_new0 (Device, soak.n_devices);
  for (guint i = 0; i < soak.n_devices; i++)
    {
      Device *dev = &soak.devices[i];
      g_autoptr (GError) error = NULL;
      g_autofree char *code = sync_test_code ();
      g_autoptr (MendSyncEnrolment) enrolment = NULL;

      dev->index = i;
      dev->rand = g_rand_new_with_seed ((guint32)opt_seed + i * 7919u);
      dev->photos = g_ptr_array_new_with_free_func (g_free);
      /* As sync_device_open(), with a session for each day of work. */
      dev->d.dir = mend_test_temp_dir ();
      dev->d.path = g_build_filename (dev->d.dir, "mend.db", NULL);
      dev->d.store
          = mend_test_store_new (dev->d.dir, opt_days, SYNC_TEST_PEOPLE, MEND_STORE_OPEN_DEFAULT);
      dev->d.engine = mend_sync_engine_new (dev->d.store);
      enrolment = sync_device_enrol (&dev->d, url, code, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (enrolment->team_id, ==, sync_test_team);
    }
}

static void
devices_stop (void)
{
  gboolean running;

  soak.phase = PHASE_STOPPING;
  for (guint i = 0; i < soak.n_devices; i++)
    g_clear_handle_id (&soak.devices[i].source, g_source_remove);
  do
    {
      running = FALSE;
      for (guint i = 0; i < soak.n_devices; i++)
        running |= soak.devices[i].running;
      if (running)
        g_main_context_iteration (NULL, TRUE);
    }
  while (running);
}

static void
test_soak (void)
{
  gint64 chaos_end;
  gint64 converge_us;
  gint64 final_us;
  gint64 steady_start;
  gint64 steady_end;
  gint64 events = 0;
  gint64 photos = 0;
  guint64 warm = 0;
  guint64 peak = 0;
  guint64 end = 0;
  guint wake;
  guint cuts_source;

  soak.scale = time_scale ();
  soak.n_devices = (guint)opt_devices;
  sync_test_hq_start ();
  /* One session a day for --days days, on HQ and (devices_open) on every device. */
  sync_test_import_reference (opt_days, SYNC_TEST_PEOPLE, mend_time_today_at (9, 0, 0));
  soak.proxy = mend_cutting_proxy_new (sync_test_hq->port, (guint32)opt_seed);
  devices_open ();
  g_test_message ("%u devices enrolled", soak.n_devices);

  g_mutex_init (&soak.chaos.lock);
  soak.chaos.samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  soak.chaos.faults = TRUE;
  soak.started = g_get_monotonic_time ();
  soak.phase = PHASE_CHAOS;
  soak.mark = G_MAXINT64;
  soak.chaos.thread = g_thread_new ("chaos", chaos_thread, &soak.chaos);
  for (guint i = 0; i < soak.n_devices; i++)
    {
      Device *dev = &soak.devices[i];

      dev->next_day_at
          = soak.started
            + (gint64)(g_rand_double (dev->rand) * 0.8 * opt_seconds * G_USEC_PER_SEC / opt_days);
      dev->source
          = g_timeout_add ((guint)g_rand_int_range (dev->rand, 0, 2000 * MAX (1, opt_devices / 20)),
                           start_pass_cb, dev);
    }
  /* The loop wakes at least every 100 ms to look at the clock. */
  wake = g_timeout_add (100, wake_cb, NULL);
  cuts_source = g_timeout_add (100, cuts_cb, NULL);

  chaos_end = soak.started + seconds (opt_seconds);
  run_until (chaos_end);
  chaos_calm (&soak.chaos);
  mend_cutting_proxy_set_cuts (soak.proxy, mend_cutting_proxy_get_cuts (soak.proxy), 0, 0);
  /* Whatever days are left are recorded now, between passes: every device holds all its days.
   * Out of the chaos phase, pass_done() records none itself. */
  soak.phase = PHASE_CONVERGE;
  for (guint i = 0; i < soak.n_devices; i++)
    {
      while (soak.devices[i].running)
        g_main_context_iteration (NULL, TRUE);
      while (soak.devices[i].days_recorded < opt_days)
        device_record_day (&soak.devices[i]);
    }
  converge_us = converge (PHASE_CONVERGE, 300);

  steady_start = g_get_monotonic_time ();
  soak.phase = PHASE_STEADY;
  run_until (steady_start + seconds (opt_steady));
  steady_end = g_get_monotonic_time ();
  final_us = converge (PHASE_FINAL, 120);
  devices_stop ();
  g_source_remove (wake);
  g_source_remove (cuts_source);

  g_mutex_lock (&soak.chaos.lock);
  soak.chaos.stop = TRUE;
  g_mutex_unlock (&soak.chaos.lock);
  g_thread_join (soak.chaos.thread);

  /* The engine reports a cut, or HQ or PostgreSQL down, as a pass that left work waiting. */
  g_test_message ("%u passes: %u left work waiting, %u ended with an error, %u parked or asked "
                  "to re-enrol",
                  soak.passes, soak.passes_waiting, soak.passes_failed, soak.passes_bad);
  g_test_message ("faults: %u connections cut of %u, mend-hq killed %u, mend-hq restarted %u, "
                  "PostgreSQL restarted %u fast and %u immediate",
                  mend_cutting_proxy_get_cuts (soak.proxy),
                  mend_cutting_proxy_get_connections (soak.proxy), soak.chaos.hq_kills,
                  soak.chaos.hq_restarts, soak.chaos.pg_fast, soak.chaos.pg_immediate);
  g_test_message ("converged %.1f s after the chaos ended; again %.1f s after the steady phase",
                  (double)converge_us / G_USEC_PER_SEC, (double)final_us / G_USEC_PER_SEC);
  g_assert_cmpuint (soak.chaos.hq_died, ==, 0);
  g_assert_cmpuint (soak.passes_bad, ==, 0);

  for (guint i = 0; i < soak.n_devices; i++)
    check_device (&soak.devices[i], &events, &photos);
  g_assert_cmpint (mend_test_hq_count (sync_test_hq, "SELECT count(*) FROM events", NULL), ==,
                   events);
  g_assert_cmpint (mend_test_hq_count (sync_test_hq,
                                       "SELECT count(*) FROM events WHERE kind = 'photo.taken'",
                                       NULL),
                   ==, photos);
  g_test_message ("HQ holds exactly %" G_GINT64_FORMAT " events and %" G_GINT64_FORMAT
                  " photos (%" G_GUINT64_FORMAT " photo bytes) of %u devices; %" G_GUINT64_FORMAT
                  " bytes up and %" G_GUINT64_FORMAT " down through the proxy",
                  events, photos, soak.photo_bytes, soak.n_devices,
                  mend_cutting_proxy_get_bytes_up (soak.proxy),
                  mend_cutting_proxy_get_bytes_down (soak.proxy));

  check_memory (steady_start, steady_end, &warm, &peak, &end);
  g_test_message ("mend-hq RSS over the %d s steady phase: %" G_GUINT64_FORMAT
                  " KiB after warm-up, peak %" G_GUINT64_FORMAT " KiB, end %" G_GUINT64_FORMAT
                  " KiB (bound: +%d KiB)",
                  opt_steady, warm, peak, end, opt_rss_bound_kib);
  memory_figures ();

  /* Only now that everything above held. */
  reliability_row ("mend-hq killed mid-sync", soak.chaos.hq_kills);
  reliability_row ("mend-hq restarted mid-sync", soak.chaos.hq_restarts);
  reliability_row ("PostgreSQL restarted mid-sync", soak.chaos.pg_fast + soak.chaos.pg_immediate);
  reliability_row ("connection cut mid-request", mend_cutting_proxy_get_cuts (soak.proxy));
  {
    g_autofree char *many = g_strdup_printf ("%u devices syncing at once", soak.n_devices);

    reliability_row (many, 1);
  }

  for (guint i = 0; i < soak.n_devices; i++)
    {
      sync_device_close (&soak.devices[i].d, NULL);
      g_ptr_array_unref (soak.devices[i].photos);
      g_rand_free (soak.devices[i].rand);
    }
  g_free (soak.devices);
  mend_cutting_proxy_free (soak.proxy);
  g_array_unref (soak.chaos.samples);
  g_mutex_clear (&soak.chaos.lock);
  sync_test_hq_stop ();
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = g_option_context_new ("- the soak");
  const GOptionEntry entries[] = {
    { "devices", 0, 0, G_OPTION_ARG_INT, &opt_devices, "Simulated devices", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &opt_seconds, "Seconds of chaos", "S" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &opt_seed, "Seed of every random choice", "X" },
    { "days", 0, 0, G_OPTION_ARG_INT, &opt_days, "Days of work on each device", "D" },
    { "photos", 0, 0, G_OPTION_ARG_INT, &opt_photos, "Photos a day", "P" },
    { "steady", 0, 0, G_OPTION_ARG_INT, &opt_steady, "Seconds of the steady phase", "S" },
    { "rss-bound-kib", 0, 0, G_OPTION_ARG_INT, &opt_rss_bound_kib,
      "Most mend-hq may grow after warm-up", "K" },
    { "cuts-per-second", 0, 0, G_OPTION_ARG_DOUBLE, &opt_cuts_per_second,
      "Connections cut a second during the chaos", "C" },
    { NULL },
  };
  struct rlimit files;

  g_test_init (&argc, &argv, NULL);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_devices < 1 || opt_seconds < 1 || opt_days < 1 || opt_photos < 0 || opt_steady < 3)
    {
      g_printerr ("--devices, --seconds and --days must be at least 1, --steady at least 3\n");
      return 2;
    }
  /* Each device holds a store (three files) and connections; so does mend-hq, which inherits
   * this limit. */
  if (getrlimit (RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max)
    {
      files.rlim_cur = files.rlim_max;
      setrlimit (RLIMIT_NOFILE, &files);
    }
  g_test_add_func ("/soak/devices-hq-and-postgresql", test_soak);
  return g_test_run ();
}
