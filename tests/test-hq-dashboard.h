/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the dashboard tests share: the demo data they read and the hostile strings in it. */
#pragma once

#include "mend-test-hq.h"
#include "mend-test-util.h"

G_BEGIN_DECLS

/* Strings that break markup, quoting, SQL or spreadsheets if any layer forgets its job. */
#define HOSTILE_NAME    "<script>alert('name')</script> & \"Daniel\" O'Hart"
#define HOSTILE_CASE    "=HYPERLINK(\"http://evil.example\",\"x\")"
#define HOSTILE_SITE    "<img src=x onerror=alert(1)> Park"
#define HOSTILE_SUP     "Robert'); DROP TABLE events; --"
#define HOSTILE_OUTCOME "\"><script>alert('o')</script>"
#define HOSTILE_TALLY   "<b>bags</b> & more"
#define HOSTILE_REASON  "</td><script>alert('reason')</script>"
#define HOSTILE_TEAM    "North <i>Kettering</i> & Co"
#define HOSTILE_DEVICE  "Tablet \"3\" <script>"

typedef struct
{
  MendTestHq *hq;
  char *team;
  MendTestFixture device; /* the device store that recorded the day */
  char *device_token;
  char *before_sha256; /* uploaded */
  char *after_sha256;  /* recorded, never uploaded */
  GBytes *before_jpeg;
  char *session_day; /* YYYY-MM-DD (UTC) of the demo session */
} MendTestDemo;

void mend_test_demo_set_up (MendTestDemo *demo);
void mend_test_demo_clear (MendTestDemo *demo);

G_END_DECLS
