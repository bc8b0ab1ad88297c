/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The wire codec shared by the device and mend-hq: the JSON bodies of sync/PROTOCOL.md
 * (sections 6–13), and nothing about how they travel. Every decoder takes untrusted bytes and
 * either returns a fully checked value or a MEND_WIRE_ERROR saying what was wrong. */
#pragma once

#include <json-glib/json-glib.h>

#include "mend-canonical.h"
#include "mend-rows.h"
#include "mend-store-retention.h"

G_BEGIN_DECLS

#define MEND_WIRE_ERROR (mend_wire_error_quark ())

typedef enum
{
  MEND_WIRE_ERROR_MALFORMED, /* not JSON, or not the shape the protocol promises */
  MEND_WIRE_ERROR_TOO_LARGE, /* over a limit of PROTOCOL.md section 8 */
  MEND_WIRE_ERROR_MISMATCH,  /* well formed, but does not answer what was sent */
  MEND_WIRE_ERROR_INVALID,   /* an encoder was given something the protocol cannot carry */
} MendWireError;

/* Limits, PROTOCOL.md section 8. A payload has room for the longest note sealed: 4,000
 * four-byte characters are 21,400 characters of base64 once sealed (section 5). */
#define MEND_WIRE_MAX_REQUEST_BYTES  (4 * 1024 * 1024)
#define MEND_WIRE_MAX_EVENTS         500
#define MEND_WIRE_MAX_PAYLOAD_BYTES  (24 * 1024)
#define MEND_WIRE_MAX_ERROR_BYTES    (64 * 1024)
#define MEND_WIRE_MAX_ENROL_BYTES    (64 * 1024)
#define MEND_WIRE_MAX_RESULTS_BYTES  (2 * 1024 * 1024)
#define MEND_WIRE_MAX_MANIFEST_BYTES (64 * 1024 * 1024)
#define MEND_WIRE_MAX_DEPTH          64
#define MEND_WIRE_MAX_ID_BYTES       128
#define MEND_WIRE_MAX_MESSAGE_BYTES  1000
#define MEND_WIRE_MAX_CURSOR_BYTES   256

GQuark mend_wire_error_quark (void);

/* Whether @body (JSON text of @length bytes) nests arrays and objects at most @max_depth deep;
 * checked before json-glib, whose parser recurses once per level. */
gboolean mend_wire_json_depth_is_bounded (const char *body, gsize length, guint max_depth);

/* Events: POST /api/v1/events (section 10). */

/* One event as HQ read it from a batch. When @invalid is %NULL every member was read, the
 * payload is canonical and @hash was recomputed from the values and matched; otherwise
 * @invalid says why the event is refused, and only the members read before that are set. */
typedef struct
{
  char *device_id;
  gint64 seq; /* 0 when unreadable */
  char *id;   /* as sent when it was a string, even a bad one; %NULL otherwise */
  char *kind;
  char *session_id;     /* nullable */
  char *participant_id; /* nullable */
  char *supervisor_id;  /* nullable */
  gint64 recorded_at_ms;
  gint64 occurred_at_ms;
  MendFix fix;
  gboolean has_clock_skew;
  gint64 clock_skew_ms;
  char *payload_json; /* canonical */
  char *prev_hash;
  char *hash;
  char *invalid; /* the message for an `invalid` result, or %NULL */
} MendWireEvent;

typedef struct
{
  char *device_id;
  GPtrArray *events; /* (element-type MendWireEvent) in request order */
} MendWireBatch;

GBytes *mend_wire_encode_events (const char *device_id, GPtrArray *rows, GError **error);
MendWireBatch *mend_wire_decode_events (const char *body, gsize length, GError **error);
void mend_wire_event_get_fields (const MendWireEvent *event, MendEventFields *out_fields);
void mend_wire_event_free (MendWireEvent *event);
void mend_wire_batch_free (MendWireBatch *batch);

/* The answer to a batch: one result per event, and the chain as HQ holds it. */
typedef enum
{
  MEND_WIRE_STATUS_STORED,
  MEND_WIRE_STATUS_DUPLICATE,
  MEND_WIRE_STATUS_CONFLICT,
  MEND_WIRE_STATUS_INVALID,
} MendWireStatus;

typedef struct
{
  char *id; /* nullable */
  MendWireStatus status;
  char *message; /* set for conflict and invalid */
} MendWireResult;

typedef struct
{
  GPtrArray *results; /* (element-type MendWireResult) */
  gboolean chain_ok;
  gint64 head_seq;
  char *head_hash;
  gint64 first_bad_seq; /* 0 when chain_ok */
  char *chain_message;  /* nullable */
} MendWireResults;

const char *mend_wire_status_to_string (MendWireStatus status);
gboolean mend_wire_status_from_string (const char *text, MendWireStatus *out_status);
gboolean mend_wire_status_acknowledges (MendWireStatus status);

MendWireResults *mend_wire_results_new (void);
void mend_wire_results_add (MendWireResults *results,
                            const char *id,
                            MendWireStatus status,
                            const char *message);
GBytes *mend_wire_encode_results (const MendWireResults *results);
MendWireResults *mend_wire_decode_results (const char *body, gsize length, GError **error);
gboolean mend_wire_results_check (const MendWireResults *results, GPtrArray *rows, GError **error);
void mend_wire_results_free (MendWireResults *results);

/* The error object (section 7). */
typedef struct
{
  char *code;
  char *message;
  char *request_id; /* nullable */
} MendWireRefusal;

guint mend_wire_error_code_status (const char *code);
GBytes *mend_wire_encode_error (const char *code, const char *message, const char *request_id);
MendWireRefusal *mend_wire_decode_error (const char *body, gsize length, GError **error);
void mend_wire_refusal_free (MendWireRefusal *refusal);

/* Reference data: GET /api/v1/manifest (section 12). */

/* The seven lists of a manifest, in the order they are applied. */
extern const char *const mend_wire_manifest_lists[7];

typedef struct
{
  char *cursor;
  gboolean full;
  gint64 generated_at_ms; /* 0 when absent */
  char *hq_public_key;    /* standard base64 of 32 bytes */
  char *team_id;          /* nullable */
  char *team_name;        /* nullable */
  JsonObject *reference;  /* only the lists, for mend_store_apply_reference() */
  JsonObject *deleted;    /* every list present: ids, or {session, participant} pairs */
} MendWireManifest;

GBytes *mend_wire_encode_manifest (const MendWireManifest *manifest);
MendWireManifest *mend_wire_decode_manifest (const char *body, gsize length, GError **error);
void mend_wire_manifest_free (MendWireManifest *manifest);

/* Headers (sections 6 and 11). */
gboolean mend_wire_parse_http_date (const char *value, gint64 *out_ms, GError **error);
char *mend_wire_format_http_date (gint64 unix_ms);
gboolean mend_wire_clock_skew_ms (gint64 hq_ms, gint64 device_ms, gint64 *out_skew_ms);
gboolean mend_wire_parse_upload_offset (const char *value, gint64 *out_offset, GError **error);
gboolean
mend_wire_parse_upload_complete (const char *value, gboolean *out_complete, GError **error);
char *mend_wire_blob_path (const char *sha256);

/* Enrolment: POST /api/v1/devices/enrol (section 9). */
typedef struct
{
  char *device_id;
  char *team_id;
  char *team_name;
  char *token;
  char *hq_public_key; /* nullable */
} MendWireEnrolment;

typedef struct
{
  char *code;
  char *device_id;
  char *name; /* nullable */
} MendWireEnrolRequest;

GBytes *mend_wire_encode_enrol_request (const char *code, const char *device_id, const char *name);
MendWireEnrolRequest *
mend_wire_decode_enrol_request (const char *body, gsize length, GError **error);
void mend_wire_enrol_request_free (MendWireEnrolRequest *request);

GBytes *mend_wire_encode_enrolment (const MendWireEnrolment *enrolment);
MendWireEnrolment *mend_wire_decode_enrolment (const char *body, gsize length, GError **error);
void mend_wire_enrolment_free (MendWireEnrolment *enrolment);

/* Purge reports: GET and POST /api/v1/purges (section 14). */
#define MEND_WIRE_MAX_PURGE_RANGES 1000

typedef struct
{
  char *device_id;
  GArray *ranges; /* (element-type MendPurgeRange) in seq order, none overlapping */
} MendWirePurges;

GBytes *mend_wire_encode_purges (const char *device_id, GArray *ranges, guint first, guint n);
MendWirePurges *mend_wire_decode_purges (const char *body, gsize length, GError **error);
void mend_wire_purges_free (MendWirePurges *purges);
GBytes *mend_wire_encode_purge_state (gint64 events_purged, gint64 last_purged_at_ms);
gboolean mend_wire_decode_purge_state (const char *body,
                                       gsize length,
                                       gint64 *out_events_purged,
                                       gint64 *out_last_purged_at_ms,
                                       GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendWireEvent, mend_wire_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendWireBatch, mend_wire_batch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendWireResults, mend_wire_results_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendWireRefusal, mend_wire_refusal_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendWireManifest, mend_wire_manifest_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendWireEnrolRequest, mend_wire_enrol_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendWireEnrolment, mend_wire_enrolment_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendWirePurges, mend_wire_purges_free)

G_END_DECLS
