/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The canonical bytes of an event and the hash chain over them. sync/PROTOCOL.md ("Canonical
 * event bytes") is the specification; this file is its one implementation in C. */
#pragma once

#include <json-glib/json-glib.h>

#include "mend-fix.h"
#include "mend-types.h"

G_BEGIN_DECLS

/* The prev_hash of a device's first event. */
#define MEND_HASH_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Every field that the hash covers, exactly as stored. */
typedef struct
{
  const char *device_id;
  gint64 seq;
  const char *id;
  const char *kind;
  const char *session_id;     /* nullable */
  const char *participant_id; /* nullable */
  const char *supervisor_id;  /* nullable */
  gint64 recorded_at_ms;
  gint64 occurred_at_ms;
  const MendFix *fix;       /* never NULL: says why when there was no fix */
  gboolean has_clock_skew;  /* device clock and satellite time more than 2 minutes apart */
  gint64 clock_skew_ms;     /* device minus satellite, when has_clock_skew */
  const char *payload_json; /* canonical JSON object text */
} MendEventFields;

char *mend_canonical_json (JsonNode *node, GError **error);
char *mend_canonical_json_text (const char *json, GError **error);
GBytes *mend_canonical_event_bytes (const MendEventFields *fields);
char *mend_hash_chain_next (const char *prev_hash, GBytes *canonical);
char *mend_event_hash (const char *prev_hash, const MendEventFields *fields);
void mend_event_row_get_fields (const MendEventRow *row,
                                const char *device_id,
                                MendEventFields *out_fields);

double mend_canonical_round_degrees (double degrees);
double mend_canonical_round_metres (double metres);

G_END_DECLS
