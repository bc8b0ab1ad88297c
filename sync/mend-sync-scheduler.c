/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-sync-scheduler.h"

#include "mend-sync-backoff.h"

/* The scheduler owns one timer: the next pass. Each trigger either arms it (start, new
 * events, the network coming back, Sync now, periodic while something waits) or leaves it
 * alone (a backoff already armed is not shortened by new events, only by a network change or
 * Sync now). A trigger that arrives while a pass runs is remembered and served when it ends,
 * so two passes never overlap. */

struct _MendSyncScheduler
{
  GObject parent_instance;

  MendSyncEngine *engine;
  GNetworkMonitor *monitor;
  GCancellable *cancellable;

  MendSyncClockFunc clock;
  gpointer clock_data;
  GRand *rand;

  guint debounce_ms;
  guint periodic_ms;
  guint network_settle_ms;
  guint64 backoff_base_ms;
  guint64 backoff_cap_ms;
  gboolean photos_on_metered;
  guint retention_days;

  MendSyncSchedulerState state;
  gboolean started;
  gboolean running;
  gboolean again; /* a trigger came while the pass ran */
  gboolean network_available;
  gboolean network_metered;
  guint timer_id;
  gint64 timer_due_us; /* monotonic */
  guint failures;
  guint64 next_delay_ms;

  MendSyncCounts *counts;
  gint64 last_success_ms;
  gboolean clock_warning;
  char *last_error;
  gboolean photos_held; /* photos wait only because the network is metered */
};

G_DEFINE_FINAL_TYPE (MendSyncScheduler, mend_sync_scheduler, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ENGINE,
  PROP_NETWORK_MONITOR,
  PROP_STATE,
  PROP_FAILURES,
  PROP_LAST_SUCCESS,
  PROP_CLOCK_WARNING,
  PROP_LAST_ERROR,
  PROP_PHOTOS_HELD,
  PROP_PHOTOS_ON_METERED,
  PROP_RETENTION_DAYS,
  N_PROPS,
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_PASS_STARTED,
  SIGNAL_PASS_FINISHED,
  SIGNAL_PROGRESS,
  SIGNAL_REENROL_NEEDED,
  SIGNAL_PURGED,
  SIGNAL_CHANGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void run_pass (MendSyncScheduler *self);

const char *
mend_sync_scheduler_state_to_string (MendSyncSchedulerState state)
{
  switch (state)
    {
    case MEND_SYNC_SCHEDULER_IDLE:
      return "idle";
    case MEND_SYNC_SCHEDULER_SCHEDULED:
      return "scheduled";
    case MEND_SYNC_SCHEDULER_RUNNING:
      return "running";
    case MEND_SYNC_SCHEDULER_BACKOFF:
      return "backoff";
    case MEND_SYNC_SCHEDULER_OFFLINE:
      return "offline";
    case MEND_SYNC_SCHEDULER_REENROL:
      return "reenrol";
    case MEND_SYNC_SCHEDULER_NOT_ENROLLED:
      return "not-enrolled";
    case MEND_SYNC_SCHEDULER_STOPPED:
      return "stopped";
    default:
      g_assert_not_reached ();
    }
}

static gint64
real_clock (gpointer user_data)
{
  return g_get_real_time () / 1000;
}

static void
set_state (MendSyncScheduler *self, MendSyncSchedulerState state)
{
  if (self->state == state)
    return;
  g_debug ("sync scheduler: %s → %s", mend_sync_scheduler_state_to_string (self->state),
           mend_sync_scheduler_state_to_string (state));
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

static gboolean
stopped_for_good (MendSyncScheduler *self)
{
  return !self->started || self->state == MEND_SYNC_SCHEDULER_REENROL
         || self->state == MEND_SYNC_SCHEDULER_NOT_ENROLLED;
}

static void
disarm (MendSyncScheduler *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->timer_due_us = 0;
}

static gboolean
timer_cb (gpointer user_data)
{
  MendSyncScheduler *self = user_data;

  self->timer_id = 0;
  self->timer_due_us = 0;
  run_pass (self);
  return G_SOURCE_REMOVE;
}

/* Arms the one timer @delay_ms from now. Unless @replace, a timer already due sooner stays:
 * a burst of triggers makes one pass, not one each. */
static void
arm (MendSyncScheduler *self, guint64 delay_ms, gboolean replace, MendSyncSchedulerState state)
{
  gint64 due = g_get_monotonic_time () + (gint64)delay_ms * 1000;

  if (self->running)
    {
      self->again = TRUE;
      return;
    }
  if (self->timer_id != 0 && !replace && self->timer_due_us <= due)
    return;
  disarm (self);
  self->next_delay_ms = delay_ms;
  self->timer_due_us = due;
  self->timer_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint)MIN (delay_ms, G_MAXUINT),
                                       timer_cb, self, NULL);
  g_source_set_name_by_id (self->timer_id, "[mend] sync scheduler");
  set_state (self, state);
}

static gboolean
anything_waits (MendSyncScheduler *self)
{
  return self->counts != NULL
         && (self->counts->events_pending > 0 || self->counts->photos_waiting > 0);
}

static gboolean
send_photos_now (MendSyncScheduler *self)
{
  return !self->network_metered || self->photos_on_metered;
}

static void
progress_cb (MendSyncEngine *engine, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_PROGRESS], 0);
}

static void
set_last_error (MendSyncScheduler *self, const char *message)
{
  if (g_strcmp0 (self->last_error, message) == 0)
    return;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LAST_ERROR]);
}

/* What the UI shows besides the state: counts, last success, the clock warning. */
static void
take_report (MendSyncScheduler *self, const MendSyncReport *report)
{
  MendStore *store = mend_sync_engine_get_store (self->engine);
  g_autoptr (MendSyncEnrolment) enrolment = mend_store_sync_get_enrolment (store, NULL);
  gboolean held;

  g_clear_pointer (&self->counts, mend_sync_counts_free);
  self->counts = mend_store_sync_get_counts (store, NULL);
  if (enrolment != NULL && enrolment->last_success_ms != self->last_success_ms)
    {
      self->last_success_ms = enrolment->last_success_ms;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LAST_SUCCESS]);
    }
  if (report->clock_warning != self->clock_warning)
    {
      self->clock_warning = report->clock_warning;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CLOCK_WARNING]);
    }
  held = !send_photos_now (self) && self->counts != NULL && self->counts->photos_waiting > 0;
  if (held != self->photos_held)
    {
      self->photos_held = held;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PHOTOS_HELD]);
    }
  set_last_error (self, report->stopped);
}

/* After a pass that reached HQ and stopped nowhere: records HQ holds and that are old enough
 * lose their personal fields and photo files. A failure is logged and retried next time; it
 * never makes the pass look failed. */
static void
purge (MendSyncScheduler *self)
{
  g_autoptr (GError) error = NULL;
  MendRetentionResult result = { 0 };
  gint64 cutoff;

  if (self->retention_days == 0)
    return;
  cutoff = mend_store_retention_cutoff (self->clock (self->clock_data), self->retention_days);
  if (!mend_store_retention_purge (mend_sync_engine_get_store (self->engine), cutoff, FALSE,
                                   &result, &error))
    {
      g_warning ("Retention purge failed: %s", error->message);
      return;
    }
  if (result.events > 0 || result.photos > 0)
    g_signal_emit (self, signals[SIGNAL_PURGED], 0, &result);
}

static void
pass_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MendSyncScheduler) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  gboolean again;

  report = mend_sync_engine_run_finish (self->engine, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->running = FALSE;
  again = self->again;
  self->again = FALSE;

  if (report == NULL)
    {
      set_last_error (self, error->message);
      g_signal_emit (self, signals[SIGNAL_PASS_FINISHED], 0, NULL);
      if (g_error_matches (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_NOT_ENROLLED)
          || g_error_matches (error, MEND_SYNC_ERROR, MEND_SYNC_ERROR_TOKEN_FILE))
        {
          disarm (self);
          set_state (self, MEND_SYNC_SCHEDULER_NOT_ENROLLED);
          g_signal_emit (self, signals[SIGNAL_REENROL_NEEDED], 0);
          g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
          return;
        }
      /* The store itself failed: try again later, like a network failure. */
      self->failures++;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FAILURES]);
      arm (self,
           mend_sync_backoff_delay_ms (self->failures, self->backoff_base_ms, self->backoff_cap_ms,
                                       g_rand_double (self->rand), 0),
           TRUE, MEND_SYNC_SCHEDULER_BACKOFF);
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
      return;
    }

  take_report (self, report);
  g_signal_emit (self, signals[SIGNAL_PASS_FINISHED], 0, report);

  if (report->state == MEND_SYNC_STATE_REENROL)
    {
      disarm (self);
      set_state (self, MEND_SYNC_SCHEDULER_REENROL);
      g_signal_emit (self, signals[SIGNAL_REENROL_NEEDED], 0);
    }
  else if (report->stopped != NULL)
    {
      /* HQ could not be reached, or answered with something other than a verdict. */
      self->failures++;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FAILURES]);
      if (!self->network_available)
        {
          disarm (self);
          set_state (self, MEND_SYNC_SCHEDULER_OFFLINE);
        }
      else
        arm (self,
             mend_sync_backoff_delay_ms (self->failures, self->backoff_base_ms,
                                         self->backoff_cap_ms, g_rand_double (self->rand),
                                         report->retry_after_s),
             TRUE, MEND_SYNC_SCHEDULER_BACKOFF);
    }
  else
    {
      if (self->failures != 0)
        {
          self->failures = 0;
          g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FAILURES]);
        }
      purge (self);
      if (again)
        arm (self, 0, TRUE, MEND_SYNC_SCHEDULER_SCHEDULED);
      else if (anything_waits (self) && !self->photos_held)
        arm (self, self->periodic_ms, TRUE, MEND_SYNC_SCHEDULER_SCHEDULED);
      else if (anything_waits (self))
        {
          /* Only photos wait, for an unmetered network: a change of network brings them. A
           * periodic pass still looks for HQ's manifest. */
          arm (self, self->periodic_ms, TRUE, MEND_SYNC_SCHEDULER_IDLE);
        }
      else
        {
          disarm (self);
          set_state (self, MEND_SYNC_SCHEDULER_IDLE);
        }
    }
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
run_pass (MendSyncScheduler *self)
{
  if (stopped_for_good (self) || self->running)
    return;
  if (!self->network_available)
    {
      set_state (self, MEND_SYNC_SCHEDULER_OFFLINE);
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
      return;
    }
  mend_sync_engine_set_send_photos (self->engine, send_photos_now (self));
  self->running = TRUE;
  self->again = FALSE;
  set_state (self, MEND_SYNC_SCHEDULER_RUNNING);
  g_signal_emit (self, signals[SIGNAL_PASS_STARTED], 0);
  mend_sync_engine_run_async (self->engine, self->cancellable, pass_done_cb, g_object_ref (self));
}

static void
network_changed_cb (GNetworkMonitor *monitor, gboolean available, gpointer user_data)
{
  MendSyncScheduler *self = user_data;
  gboolean metered = g_network_monitor_get_network_metered (monitor);
  gboolean came_back = available && !self->network_available;
  gboolean unmetered_now = available && self->network_metered && !metered;

  self->network_available = available;
  self->network_metered = metered;
  if (stopped_for_good (self))
    return;
  if (!available)
    {
      if (!self->running)
        {
          disarm (self);
          set_state (self, MEND_SYNC_SCHEDULER_OFFLINE);
          g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
        }
      return;
    }
  /* Any change of network is a new chance: the backoff starts over. */
  if (self->failures != 0)
    {
      self->failures = 0;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FAILURES]);
    }
  if (came_back || unmetered_now || self->state == MEND_SYNC_SCHEDULER_BACKOFF
      || self->state == MEND_SYNC_SCHEDULER_OFFLINE)
    arm (self, self->network_settle_ms, TRUE, MEND_SYNC_SCHEDULER_SCHEDULED);
}

static void
metered_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  MendSyncScheduler *self = user_data;

  network_changed_cb (self->monitor, g_network_monitor_get_network_available (self->monitor), self);
}

/**
 * mend_sync_scheduler_start:
 *
 * Watches the network and runs the first pass (at once when there is a network).
 */
void
mend_sync_scheduler_start (MendSyncScheduler *self)
{
  g_return_if_fail (MEND_IS_SYNC_SCHEDULER (self));

  if (self->started)
    return;
  self->started = TRUE;
  g_cancellable_reset (self->cancellable);
  self->network_available = g_network_monitor_get_network_available (self->monitor);
  self->network_metered = g_network_monitor_get_network_metered (self->monitor);
  g_signal_connect_object (self->monitor, "network-changed", G_CALLBACK (network_changed_cb), self,
                           0);
  g_signal_connect_object (self->monitor, "notify::network-metered", G_CALLBACK (metered_cb), self,
                           0);
  set_state (self, MEND_SYNC_SCHEDULER_SCHEDULED);
  arm (self, 0, TRUE, MEND_SYNC_SCHEDULER_SCHEDULED);
}

/**
 * mend_sync_scheduler_stop:
 *
 * Cancels a running pass (what HQ confirmed stays confirmed) and plans no more.
 */
void
mend_sync_scheduler_stop (MendSyncScheduler *self)
{
  g_return_if_fail (MEND_IS_SYNC_SCHEDULER (self));

  if (!self->started)
    return;
  self->started = FALSE;
  disarm (self);
  g_cancellable_cancel (self->cancellable);
  self->running = FALSE;
  g_signal_handlers_disconnect_by_data (self->monitor, self);
  set_state (self, MEND_SYNC_SCHEDULER_STOPPED);
}

/**
 * mend_sync_scheduler_notify_new_events:
 *
 * Something was recorded: a pass follows a few seconds later, so a burst of records makes
 * one pass. It does not cut short a backoff: HQ was unreachable a moment ago.
 */
void
mend_sync_scheduler_notify_new_events (MendSyncScheduler *self)
{
  g_return_if_fail (MEND_IS_SYNC_SCHEDULER (self));

  if (stopped_for_good (self) || self->state == MEND_SYNC_SCHEDULER_OFFLINE)
    return;
  if (self->state == MEND_SYNC_SCHEDULER_BACKOFF && !self->running)
    return;
  arm (self, self->debounce_ms, FALSE, MEND_SYNC_SCHEDULER_SCHEDULED);
}

/**
 * mend_sync_scheduler_sync_now:
 *
 * The person asked: a pass at once, with the backoff started over. It also tries again after
 * a refused token, in case the device was enrolled anew since.
 */
void
mend_sync_scheduler_sync_now (MendSyncScheduler *self)
{
  g_return_if_fail (MEND_IS_SYNC_SCHEDULER (self));

  if (!self->started)
    return;
  if (self->failures != 0)
    {
      self->failures = 0;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FAILURES]);
    }
  if (self->state == MEND_SYNC_SCHEDULER_REENROL || self->state == MEND_SYNC_SCHEDULER_NOT_ENROLLED)
    set_state (self, MEND_SYNC_SCHEDULER_SCHEDULED);
  /* The network monitor may lag behind what the person sees: ask it again. */
  self->network_available = g_network_monitor_get_network_available (self->monitor);
  self->network_metered = g_network_monitor_get_network_metered (self->monitor);
  arm (self, 0, TRUE, MEND_SYNC_SCHEDULER_SCHEDULED);
}

MendSyncEngine *
mend_sync_scheduler_get_engine (MendSyncScheduler *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_SCHEDULER (self), NULL);

  return self->engine;
}

/**
 * mend_sync_scheduler_set_clock:
 * @clock: (nullable): the wall clock in UTC ms; %NULL for the real one
 */
void
mend_sync_scheduler_set_clock (MendSyncScheduler *self, MendSyncClockFunc clock, gpointer user_data)
{
  g_return_if_fail (MEND_IS_SYNC_SCHEDULER (self));

  self->clock = clock != NULL ? clock : real_clock;
  self->clock_data = clock != NULL ? user_data : NULL;
}

/**
 * mend_sync_scheduler_set_seed:
 *
 * Seeds the jitter, so a test sees the same waits every run.
 */
void
mend_sync_scheduler_set_seed (MendSyncScheduler *self, guint32 seed)
{
  g_return_if_fail (MEND_IS_SYNC_SCHEDULER (self));

  g_rand_set_seed (self->rand, seed);
}

/**
 * mend_sync_scheduler_set_timing:
 * @debounce_ms: from new events to their pass
 * @periodic_ms: between passes while anything waits
 * @network_settle_ms: from a network change to its pass
 * @backoff_base_ms: the first wait after a failed pass, before jitter
 * @backoff_cap_ms: the longest wait, before jitter
 */
void
mend_sync_scheduler_set_timing (MendSyncScheduler *self,
                                guint debounce_ms,
                                guint periodic_ms,
                                guint network_settle_ms,
                                guint64 backoff_base_ms,
                                guint64 backoff_cap_ms)
{
  g_return_if_fail (MEND_IS_SYNC_SCHEDULER (self));

  self->debounce_ms = debounce_ms;
  self->periodic_ms = periodic_ms;
  self->network_settle_ms = network_settle_ms;
  self->backoff_base_ms = backoff_base_ms;
  self->backoff_cap_ms = backoff_cap_ms;
}

void
mend_sync_scheduler_set_photos_on_metered (MendSyncScheduler *self, gboolean allowed)
{
  g_return_if_fail (MEND_IS_SYNC_SCHEDULER (self));

  allowed = !!allowed;
  if (self->photos_on_metered == allowed)
    return;
  self->photos_on_metered = allowed;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PHOTOS_ON_METERED]);
  /* Allowed now, on a metered network, with photos held back: they can go. */
  if (allowed && self->photos_held && self->started && !stopped_for_good (self))
    arm (self, 0, TRUE, MEND_SYNC_SCHEDULER_SCHEDULED);
}

gboolean
mend_sync_scheduler_get_photos_on_metered (MendSyncScheduler *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_SCHEDULER (self), FALSE);

  return self->photos_on_metered;
}

/**
 * mend_sync_scheduler_set_retention_days:
 * @days: purge what HQ has held this many days after a good pass; 0 keeps everything
 */
void
mend_sync_scheduler_set_retention_days (MendSyncScheduler *self, guint days)
{
  g_return_if_fail (MEND_IS_SYNC_SCHEDULER (self));

  if (self->retention_days == days)
    return;
  self->retention_days = days;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RETENTION_DAYS]);
}

guint
mend_sync_scheduler_get_retention_days (MendSyncScheduler *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_SCHEDULER (self), 0);

  return self->retention_days;
}

MendSyncSchedulerState
mend_sync_scheduler_get_state (MendSyncScheduler *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_SCHEDULER (self), MEND_SYNC_SCHEDULER_STOPPED);

  return self->state;
}

guint
mend_sync_scheduler_get_failures (MendSyncScheduler *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_SCHEDULER (self), 0);

  return self->failures;
}

/**
 * mend_sync_scheduler_get_next_delay_ms:
 *
 * Returns: the wait the timer was last armed with
 */
guint64
mend_sync_scheduler_get_next_delay_ms (MendSyncScheduler *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_SCHEDULER (self), 0);

  return self->next_delay_ms;
}

gint64
mend_sync_scheduler_get_last_success (MendSyncScheduler *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_SCHEDULER (self), 0);

  return self->last_success_ms;
}

gboolean
mend_sync_scheduler_get_clock_warning (MendSyncScheduler *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_SCHEDULER (self), FALSE);

  return self->clock_warning;
}

const char *
mend_sync_scheduler_get_last_error (MendSyncScheduler *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_SCHEDULER (self), NULL);

  return self->last_error;
}

/**
 * mend_sync_scheduler_get_counts:
 *
 * Returns: (transfer none) (nullable): the store's counts after the last pass (waiting events
 *   and photos, bytes to go, parked records with HQ's reasons)
 */
const MendSyncCounts *
mend_sync_scheduler_get_counts (MendSyncScheduler *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_SCHEDULER (self), NULL);

  return self->counts;
}

gboolean
mend_sync_scheduler_get_photos_held (MendSyncScheduler *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_SCHEDULER (self), FALSE);

  return self->photos_held;
}

static void
mend_sync_scheduler_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MendSyncScheduler *self = MEND_SYNC_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_NETWORK_MONITOR:
      g_value_set_object (value, self->monitor);
      break;
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_FAILURES:
      g_value_set_uint (value, self->failures);
      break;
    case PROP_LAST_SUCCESS:
      g_value_set_int64 (value, self->last_success_ms);
      break;
    case PROP_CLOCK_WARNING:
      g_value_set_boolean (value, self->clock_warning);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_PHOTOS_HELD:
      g_value_set_boolean (value, self->photos_held);
      break;
    case PROP_PHOTOS_ON_METERED:
      g_value_set_boolean (value, self->photos_on_metered);
      break;
    case PROP_RETENTION_DAYS:
      g_value_set_uint (value, self->retention_days);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mend_sync_scheduler_set_property (GObject *object,
                                  guint prop_id,
                                  const GValue *value,
                                  GParamSpec *pspec)
{
  MendSyncScheduler *self = MEND_SYNC_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      self->engine = g_value_dup_object (value);
      break;
    case PROP_NETWORK_MONITOR:
      self->monitor = g_value_dup_object (value);
      break;
    case PROP_PHOTOS_ON_METERED:
      mend_sync_scheduler_set_photos_on_metered (self, g_value_get_boolean (value));
      break;
    case PROP_RETENTION_DAYS:
      mend_sync_scheduler_set_retention_days (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mend_sync_scheduler_constructed (GObject *object)
{
  MendSyncScheduler *self = MEND_SYNC_SCHEDULER (object);

  G_OBJECT_CLASS (mend_sync_scheduler_parent_class)->constructed (object);

  g_assert (self->engine != NULL);
  if (self->monitor == NULL)
    self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect_object (self->engine, "progress", G_CALLBACK (progress_cb), self, 0);
}

static void
mend_sync_scheduler_dispose (GObject *object)
{
  MendSyncScheduler *self = MEND_SYNC_SCHEDULER (object);

  if (self->monitor != NULL)
    mend_sync_scheduler_stop (self);
  g_clear_object (&self->engine);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (mend_sync_scheduler_parent_class)->dispose (object);
}

static void
mend_sync_scheduler_finalize (GObject *object)
{
  MendSyncScheduler *self = MEND_SYNC_SCHEDULER (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->counts, mend_sync_counts_free);
  g_free (self->last_error);

  G_OBJECT_CLASS (mend_sync_scheduler_parent_class)->finalize (object);
}

static void
mend_sync_scheduler_class_init (MendSyncSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = mend_sync_scheduler_get_property;
  object_class->set_property = mend_sync_scheduler_set_property;
  object_class->constructed = mend_sync_scheduler_constructed;
  object_class->dispose = mend_sync_scheduler_dispose;
  object_class->finalize = mend_sync_scheduler_finalize;

  props[PROP_ENGINE]
      = g_param_spec_object ("engine", NULL, NULL, MEND_TYPE_SYNC_ENGINE,
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_NETWORK_MONITOR]
      = g_param_spec_object ("network-monitor", NULL, NULL, G_TYPE_NETWORK_MONITOR,
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* A MendSyncSchedulerState. */
  props[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, MEND_SYNC_SCHEDULER_STOPPED,
                                        MEND_SYNC_SCHEDULER_STOPPED, ro);
  props[PROP_FAILURES] = g_param_spec_uint ("failures", NULL, NULL, 0, G_MAXUINT, 0, ro);
  props[PROP_LAST_SUCCESS] = g_param_spec_int64 ("last-success", NULL, NULL, 0, G_MAXINT64, 0, ro);
  props[PROP_CLOCK_WARNING] = g_param_spec_boolean ("clock-warning", NULL, NULL, FALSE, ro);
  props[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  props[PROP_PHOTOS_HELD] = g_param_spec_boolean ("photos-held", NULL, NULL, FALSE, ro);
  props[PROP_PHOTOS_ON_METERED] = g_param_spec_boolean ("photos-on-metered", NULL, NULL, FALSE, rw);
  props[PROP_RETENTION_DAYS]
      = g_param_spec_uint ("retention-days", NULL, NULL, 0, 3650, MEND_RETENTION_DEFAULT_DAYS, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * MendSyncScheduler::pass-started:
   *
   * A pass begins.
   */
  signals[SIGNAL_PASS_STARTED]
      = g_signal_new ("pass-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);
  /**
   * MendSyncScheduler::pass-finished:
   * @report: (nullable): the pass's MendSyncReport, valid during the emission; %NULL when the
   *   pass failed on the device's side (see #MendSyncScheduler:last-error)
   */
  signals[SIGNAL_PASS_FINISHED]
      = g_signal_new ("pass-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  /**
   * MendSyncScheduler::progress:
   *
   * The running pass moved on: read mend_sync_engine_get_progress() (bytes to go, counts).
   */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * MendSyncScheduler::reenrol-needed:
   *
   * HQ refused the token, or the device is not enrolled: the scheduler stopped. Show the
   * enrolment page; mend_sync_scheduler_sync_now() tries again afterwards.
   */
  signals[SIGNAL_REENROL_NEEDED]
      = g_signal_new ("reenrol-needed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);
  /**
   * MendSyncScheduler::purged:
   * @result: the MendRetentionResult, valid during the emission
   */
  signals[SIGNAL_PURGED] = g_signal_new ("purged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  /**
   * MendSyncScheduler::changed:
   *
   * After each pass and each change of plan: re-read the state, counts and last success.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
mend_sync_scheduler_init (MendSyncScheduler *self)
{
  self->cancellable = g_cancellable_new ();
  self->clock = real_clock;
  self->rand = g_rand_new ();
  self->debounce_ms = MEND_SYNC_DEBOUNCE_MS;
  self->periodic_ms = MEND_SYNC_PERIODIC_MS;
  self->network_settle_ms = MEND_SYNC_NETWORK_SETTLE_MS;
  self->backoff_base_ms = MEND_SYNC_BACKOFF_BASE_MS;
  self->backoff_cap_ms = MEND_SYNC_BACKOFF_CAP_MS;
  self->retention_days = MEND_RETENTION_DEFAULT_DAYS;
  self->state = MEND_SYNC_SCHEDULER_STOPPED;
}

/**
 * mend_sync_scheduler_new:
 * @monitor: (nullable): the network to watch; %NULL for g_network_monitor_get_default()
 *
 * Returns: (transfer full): a scheduler for @engine, stopped until
 *   mend_sync_scheduler_start(). It runs on the thread-default main context of its caller.
 */
MendSyncScheduler *
mend_sync_scheduler_new (MendSyncEngine *engine, GNetworkMonitor *monitor)
{
  g_return_val_if_fail (MEND_IS_SYNC_ENGINE (engine), NULL);
  g_return_val_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor), NULL);

  return g_object_new (MEND_TYPE_SYNC_SCHEDULER, "engine", engine, "network-monitor", monitor,
                       NULL);
}
