/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A simulated device for HQ tests and benchmarks: enrolled over HTTP, with its own hash-chained
 * log of events built by the real canonical-bytes code, pushed in batches, and photos uploaded
 * by HEAD and PATCH as PROTOCOL.md section 11 has it. Thread-safe per device. */
#pragma once

#include "mend-test-hq.h"
#include "mend-wire.h"

G_BEGIN_DECLS

typedef struct
{
  MendTestHq *hq;
  char *device_id;
  char *token;
  GPtrArray *rows; /* MendEventRow, seq 1… */
} MendTestDevice;

char *mend_test_hq_new_code (MendTestHq *hq, const char *team);
MendTestDevice *mend_test_device_enrol (MendTestHq *hq, const char *team);
MendTestDevice *mend_test_device_new (MendTestHq *hq, const char *device_id, const char *token);
void mend_test_device_free (MendTestDevice *device);

const MendEventRow *
mend_test_device_add (MendTestDevice *device, const char *kind, const char *payload_json);
const MendEventRow *mend_test_device_add_photo (MendTestDevice *device, GBytes *photo);
GBytes *mend_test_device_batch (MendTestDevice *device, guint from, guint n);
MendWireResults *
mend_test_device_push (MendTestDevice *device, guint from, guint n, long *out_status);

char *mend_test_sha256_hex (GBytes *bytes);
GBytes *mend_test_random_bytes (gsize length);

/* One PATCH of @photo's bytes [offset, offset + n); the answer as it came. */
MendTestHttp *mend_test_device_patch (MendTestDevice *device,
                                      GBytes *photo,
                                      const char *sha256,
                                      gint64 offset,
                                      gsize n,
                                      gboolean with_length);
/* HEAD and PATCH until HQ says complete, in @chunk bytes; FALSE on any other answer. */
gboolean mend_test_device_upload (MendTestDevice *device, GBytes *photo, gsize chunk);

int mend_test_hq_socket (MendTestHq *hq);
void mend_test_send_all (int fd, const void *data, gsize length);
double mend_test_hq_metric (MendTestHq *hq, const char *series);
void mend_test_hq_server_stop (GSubprocess *server);
void mend_test_http_assert_refused (MendTestHttp *http, long status, const char *code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendTestDevice, mend_test_device_free)

G_END_DECLS
