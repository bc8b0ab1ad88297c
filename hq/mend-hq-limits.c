/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <math.h>

/* Request rates (PROTOCOL.md section 8): a token bucket per device for every authenticated
 * request, and one per client address for enrolment attempts. The buckets live in this
 * process only: a restart forgets them, which at worst lets a device have one extra burst. */

typedef struct
{
  double tokens;
  gint64 updated_us;
} Bucket;

typedef struct
{
  GMutex lock;
  GHashTable *buckets; /* key → Bucket */
  double per_second;   /* refill; 0 means no limit */
  double burst;
} Limiter;

static Limiter device_limiter;
static Limiter enrol_limiter;

static void
limiter_init (Limiter *limiter, int per_minute, int burst)
{
  g_mutex_init (&limiter->lock);
  limiter->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  limiter->per_second = per_minute / 60.0;
  limiter->burst = burst;
}

/* Buckets that have refilled completely say nothing a fresh bucket would not, so they are
 * dropped once the table grows, keeping its size to the clients active in the last minutes. */
static void
limiter_prune (Limiter *limiter, gint64 now_us)
{
  GHashTableIter iter;
  Bucket *bucket;

  g_hash_table_iter_init (&iter, limiter->buckets);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&bucket))
    if (bucket->tokens + (now_us - bucket->updated_us) / 1e6 * limiter->per_second
        >= limiter->burst)
      g_hash_table_iter_remove (&iter);
}

/* Takes one token for @key; FALSE when there is none, with the seconds until there is. */
static gboolean
limiter_take (Limiter *limiter, const char *key, int *out_retry_after_s)
{
  gint64 now_us = g_get_monotonic_time ();
  gboolean allowed;
  Bucket *bucket;

  if (limiter->per_second <= 0)
    return TRUE;
  g_mutex_lock (&limiter->lock);
  bucket = g_hash_table_lookup (limiter->buckets, key);
  if (bucket == NULL)
    {
      if (g_hash_table_size (limiter->buckets) >= 10000)
        limiter_prune (limiter, now_us);
      bucket = g_new (Bucket, 1);
      bucket->tokens = limiter->burst;
      bucket->updated_us = now_us;
      g_hash_table_insert (limiter->buckets, g_strdup (key), bucket);
    }
  bucket->tokens = MIN (limiter->burst,
                        bucket->tokens + (now_us - bucket->updated_us) / 1e6 * limiter->per_second);
  bucket->updated_us = now_us;
  allowed = bucket->tokens >= 1.0;
  if (allowed)
    bucket->tokens -= 1.0;
  else
    *out_retry_after_s = MAX (1, (int)ceil ((1.0 - bucket->tokens) / limiter->per_second));
  g_mutex_unlock (&limiter->lock);
  return allowed;
}

/* Called once, before the daemon starts: rates in requests a minute, 0 for none. */
void
mend_hq_limits_init (int device_per_minute, int device_burst, int enrol_per_minute)
{
  limiter_init (&device_limiter, device_per_minute, device_burst);
  /* Enrolment has no separate burst: ten a minute may come at once. */
  limiter_init (&enrol_limiter, enrol_per_minute, MAX (1, enrol_per_minute));
}

static gboolean
refuse (Limiter *limiter,
        const char *key,
        const MendHqRequest *request,
        MendHqAnswer *answer,
        const char *message)
{
  int retry_after_s = 0;

  if (limiter->buckets == NULL || limiter_take (limiter, key, &retry_after_s))
    return FALSE;
  answer->retry_after_s = retry_after_s;
  mend_hq_answer_error (answer, request, "rate_limited", message);
  mend_hq_metrics_rate_limited (request->endpoint);
  return TRUE;
}

/* TRUE, with a 429 answer, when @device_id is over its request rate. */
gboolean
mend_hq_limits_refuse_device (const char *device_id,
                              const MendHqRequest *request,
                              MendHqAnswer *answer)
{
  return refuse (&device_limiter, device_id, request, answer,
                 "too many requests from this device; try again after Retry-After seconds");
}

/* TRUE, with a 429 answer, when the client's address has tried to enrol too often. */
gboolean
mend_hq_limits_refuse_enrol (const MendHqRequest *request, MendHqAnswer *answer)
{
  return refuse (&enrol_limiter, request->client_address, request, answer,
                 "too many enrolment attempts from this address; try again later");
}
