#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The real `mend` binary end to end, driven the way a screen reader drives it: through the
# accessibility bus (AT-SPI), finding each control by its accessible name (ui/README.md) and
# pressing it through the Action interface. Coordinate clicks miss on GTK 4.8, and the names
# are the contract the UI promises anyway.
#
# It loads the demo into a throwaway store with `mendctl demo`, starts `mend --db STORE`,
# gives Joe Marsh a wrong PIN (the refusal shows, nothing is recorded), unlocks as Ana
# Whitfield, opens today's Spring Rise session, starts it, checks Daniel Hart in, presses his
# safety briefing, checks him out, and then reads the event log back with `mendctl events --json`.
#
# Needs a display and a session bus: the suite runs under one of each,
#   dbus-run-session -- xvfb-run -a -s "-screen 0 720x1440x24" meson test -C BUILD
# Without them the test reports a skip. The session bus starts the accessibility bus
# (at-spi2-core's at-spi-bus-launcher, org.a11y.Bus) on demand when mend asks for it; nothing
# else needs starting, but GTK_A11Y must not be "none".
#
# Every control it uses has an Action interface and a name that stays put: the outcome choices
# are toggle buttons (GTK 4.8 check buttons have no Action), and labels whose text changes are
# named again after each change (GTK 4.8 replaces a label's name with its text). A control that
# cannot be pressed through AT-SPI, or a label that lost its name, fails the test.
#
# Usage: test-ui-e2e.py MEND MENDCTL (or $MEND and $MENDCTL). Prints TAP.

import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# Each control gets this long to appear or change; the whole test gets TOTAL_SECONDS, after
# which it reports what it was waiting for and stops mend rather than hang.
WAIT_SECONDS = 20
PRESS_SECONDS = 0.35
ARRIVAL_STEPS = 6
TOTAL_SECONDS = 240

SUPERVISOR = ("sup-ana", "Ana Whitfield", "2468")
WRONG_PIN_SUPERVISOR = ("sup-joe", "Joe Marsh", "2468")  # Joe's PIN is 1357.
SITE = "Spring Rise Park, Kettering"
PERSON = ("demo-p-hart", "Daniel Hart")
OUTCOME = "Attended, complied"


def tap(line):
    print(line, flush=True)


def diag(text):
    for line in str(text).splitlines():
        tap("# " + line)


def skip_all(reason):
    tap("1..0 # SKIP " + reason)
    sys.exit(0)


class Failure(Exception):
    pass


if os.environ.get("DISPLAY") is None and os.environ.get("WAYLAND_DISPLAY") is None:
    skip_all("no display: run the suite under xvfb-run and dbus-run-session (see tests/meson.build)")
if os.environ.get("DBUS_SESSION_BUS_ADDRESS") is None:
    skip_all("no session bus: run the suite under dbus-run-session (AT-SPI needs one)")
if os.environ.get("GTK_A11Y", "") == "none":
    skip_all("GTK_A11Y=none turns GTK's accessibility off")

# mend runs with the suite's G_DEBUG (fatal-warnings: any warning of its own fails the test),
# but libatspi in this process warns about objects that vanish between two calls, which is
# normal while the tree changes. GLib reads G_DEBUG when it loads, so drop it before that.
mend_g_debug = os.environ.pop("G_DEBUG", None)

try:
    import gi

    gi.require_version("Atspi", "2.0")
    from gi.repository import Atspi
except (ImportError, ValueError) as error:
    # The packages are in .ci/install-deps; a missing one is a broken machine, not a skip.
    tap("1..1")
    tap("not ok 1 - AT-SPI bindings (gir1.2-atspi-2.0, python3-gi): %s" % error)
    sys.exit(1)

mend_path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MEND")
mendctl_path = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("MENDCTL")
if not mend_path or not mendctl_path:
    tap("1..1")
    tap("not ok 1 - usage: test-ui-e2e.py MEND MENDCTL")
    sys.exit(1)

workdir = tempfile.mkdtemp(prefix="mend-e2e-")
store = os.path.join(workdir, "mend.db")
mend_log = os.path.join(workdir, "mend.log")
mend = None


def stop_mend():
    global mend
    if mend is None:
        return
    if mend.poll() is None:
        mend.terminate()
        try:
            mend.wait(5)
        except subprocess.TimeoutExpired:
            mend.kill()
            mend.wait()
    mend = None


def mend_log_tail():
    try:
        with open(mend_log, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-30:])
    except OSError:
        return ""


def on_alarm(signum, frame):
    raise Failure("the whole test took longer than %d s" % TOTAL_SECONDS)


def keep_log(what, text):
    """Appends text to MEND_TEST_LOG_DIR/test-ui-e2e-WHAT.log when that variable is set, for
    the search for personal data in every log the suite writes (tests/check-logs-private.sh)."""
    folder = os.environ.get("MEND_TEST_LOG_DIR")
    if not folder or not text:
        return
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "test-ui-e2e-%s.log" % what), "a", encoding="utf-8") as f:
        f.write(text)


def mendctl(*args):
    out = subprocess.run(
        [mendctl_path, "--db", store, *args], capture_output=True, text=True, timeout=60
    )
    keep_log("mendctl", out.stderr)
    if out.returncode != 0:
        raise Failure("mendctl %s exited %d: %s" % (" ".join(args), out.returncode, out.stderr))
    return out.stdout


def events():
    return json.loads(mendctl("events", "--json"))


# ---------------------------------------------------------------------------------------------
# AT-SPI helpers. libatspi caches what it has read; each search starts from a cleared cache so
# it sees the tree as GTK has it now.


def find_application(pid):
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        try:
            if app is not None and app.get_process_id() == pid:
                return app
        except gi.repository.GLib.Error:
            continue
    return None


def states(obj):
    return obj.get_state_set()


def walk(obj):
    stack = [obj]
    while stack:
        node = stack.pop()
        yield node
        try:
            count = node.get_child_count()
        except gi.repository.GLib.Error:
            continue
        for i in reversed(range(count)):
            child = node.get_child_at_index(i)
            if child is not None:
                stack.append(child)


def is_visible(obj):
    # GTK 4.8 only sets SHOWING on the window; VISIBLE follows gtk_widget_get_visible().
    return states(obj).contains(Atspi.StateType.VISIBLE)


def name_matches(found, name):
    # Exact: a doubled name ("Attended, complied Attended, complied") is a bug to report.
    return found == name


def find(app, role, name, visible=True):
    app.clear_cache()
    for node in walk(app):
        try:
            if node.get_role_name() == role and name_matches(node.get_name(), name):
                if not visible or is_visible(node):
                    return node
        except gi.repository.GLib.Error:
            continue
    return None


def wait_until(what, condition, seconds=WAIT_SECONDS, mend_may_exit=False):
    deadline = time.monotonic() + seconds
    while True:
        exited = mend is not None and mend.poll() is not None
        if exited and not mend_may_exit:
            raise Failure("mend exited (%d) while waiting for %s" % (mend.returncode, what))
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("after %d s, still no %s" % (seconds, what))
        time.sleep(0.1)


def wait_for(app, role, name, sensitive=True, seconds=WAIT_SECONDS):
    def ready():
        node = find(app, role, name)
        if node is None:
            return None
        if sensitive and not states(node).contains(Atspi.StateType.SENSITIVE):
            return None
        return node

    try:
        return wait_until("%s %r%s" % (role, name, " that can be pressed" if sensitive else ""),
                          ready, seconds)
    except Failure as failure:
        # Say what is there instead: a renamed control or a changed role shows up here.
        near = similar(app, name)
        if near:
            raise Failure("%s; controls with similar names: %s" % (failure, ", ".join(near)))
        raise


def similar(app, name):
    word = name.split()[0].lower()
    found = []
    try:
        app.clear_cache()
        for node in walk(app):
            node_name = node.get_name() or ""
            if word in node_name.lower():
                found.append("%s %r" % (node.get_role_name(), node_name))
    except gi.repository.GLib.Error:
        pass
    return found[:12]


def press(app, role, name):
    node = wait_for(app, role, name)
    if node.get_n_actions() < 1:
        raise Failure("%s %r has no Action interface: AT-SPI cannot press it" % (role, name))
    if not node.do_action(0):
        raise Failure("pressing %s %r was refused" % (role, name))
    # GTK 4.8 answers the action by activating the widget, and a button activated that way
    # emits "clicked" after its press animation, about 250 ms later; a second press before
    # then is lost. Callers wait for the effect they expect; this covers the animation.
    time.sleep(PRESS_SECONDS)
    return node


def text_of(node):
    try:
        return node.get_text(0, node.get_character_count())
    except gi.repository.GLib.Error:
        return node.get_name()


def label_text(app, name, condition):
    """The text of the label named @name, once @condition holds for it. The name must stay put
    while the text changes (the app names such labels again after each change)."""
    node = find(app, "label", name)
    if node is None:
        return None
    text = text_of(node)
    return text if text and condition(text) else None


def pin_length(app):
    """How many digits the label named 'PIN entered' says were typed, from its description."""
    node = find(app, "label", "PIN entered")
    if node is None:
        return None
    words = (node.get_description() or "").split()
    if len(words) == 3 and words[0].isdigit() and words[1:] in (["digit", "entered"], ["digits", "entered"]):
        return int(words[0])
    return None


def type_pin(app, pin):
    for count, digit in enumerate(pin, 1):
        press(app, "push button", digit)
        wait_until("'PIN entered' saying %d digit(s) entered" % count,
                   lambda: pin_length(app) == count)
    press(app, "push button", "Unlock")


# ---------------------------------------------------------------------------------------------
# The steps. Each one is a TAP test point; the first that fails ends the run, and the rest are
# reported as not reached.

context = {}


def step_demo():
    out = mendctl("demo")
    for sup_id, name, pin in (SUPERVISOR, ("sup-joe", "Joe Marsh", "1357")):
        if sup_id not in out or name not in out or ("PIN " + pin) not in out:
            raise Failure("mendctl demo did not print %s (%s) with PIN %s:\n%s" % (name, sup_id, pin, out))
    sessions = json.loads(mendctl("sessions", "--json"))
    spring = [s for s in sessions if s["id"].endswith("-spring-rise")]
    if len(spring) != 1:
        raise Failure("expected one Spring Rise session today, got %r" % sessions)
    context["session"] = spring[0]["id"]
    if events():
        raise Failure("a fresh demo store already holds events")


def step_start():
    global mend
    env = dict(os.environ)
    env.setdefault("GSK_RENDERER", "cairo")
    env.setdefault("GSETTINGS_BACKEND", "memory")
    if mend_g_debug is not None:
        env["G_DEBUG"] = mend_g_debug
    with open(mend_log, "w") as log:
        mend = subprocess.Popen(
            [mend_path, "--db", store, "--no-gps"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    app = wait_until("application with pid %d on the accessibility bus" % mend.pid,
                     lambda: find_application(mend.pid), 30)
    context["app"] = app
    # The window's first content: the Unlock page lists the supervisors.
    wait_for(app, "push button", SUPERVISOR[1], seconds=30)


def step_wrong_pin():
    app = context["app"]
    press(app, "push button", WRONG_PIN_SUPERVISOR[1])
    type_pin(app, WRONG_PIN_SUPERVISOR[2])
    message = wait_until("refusal in the 'Unlock message' label",
                         lambda: (lambda t: t if t and "Wrong PIN" in t else None)(
                             label_text(app, "Unlock message", lambda t: "Wrong PIN" in t)))
    diag("Unlock message: " + message)
    # Still locked: the header's Lock button only works once someone has unlocked.
    if lock_can_be_pressed(app):
        raise Failure("the Lock button can be pressed after a wrong PIN: the app unlocked")
    recorded = events()
    if recorded:
        raise Failure("a wrong PIN recorded %d event(s): %r" % (len(recorded), recorded))


def lock_can_be_pressed(app):
    node = find(app, "push button", "Lock")
    if node is None:
        raise Failure("no push button 'Lock' in the header")
    return states(node).contains(Atspi.StateType.SENSITIVE)


def step_unlock():
    app = context["app"]
    press(app, "push button", "Not you? Choose another name")
    press(app, "push button", SUPERVISOR[1])
    type_pin(app, SUPERVISOR[2])
    wait_until("unlocked window (the Lock button can be pressed)", lambda: lock_can_be_pressed(app))
    wait_for(app, "push button", "Session %s 09:00" % SITE)


def step_open_and_start():
    app = context["app"]
    press(app, "push button", "Session %s 09:00" % SITE)
    press(app, "push button", "Start session")
    wait_for(app, "push button", "Check in " + PERSON[1])


def step_check_in():
    app = context["app"]
    press(app, "push button", "Check in " + PERSON[1])
    # The row shows the new state once the commit is done: its one action becomes Check out.
    wait_for(app, "push button", "Check out " + PERSON[1])
    if find(app, "push button", "Check in " + PERSON[1]) is not None:
        raise Failure("the row still offers Check in after checking in")
    # The safety briefing: a toggle button (a "push button" with a pressed state on GTK 4.8),
    # pressed through its Action like the rest; once recorded it stays pressed and waits.
    press(app, "push button", "Safety briefing " + PERSON[1])
    wait_until("'Safety briefing %s' pressed and no longer pressable" % PERSON[1],
               lambda: briefing_done(app))


def briefing_done(app):
    node = find(app, "push button", "Safety briefing " + PERSON[1])
    if node is None:
        return False
    node_states = states(node)
    return (node_states.contains(Atspi.StateType.PRESSED) or node_states.contains(Atspi.StateType.CHECKED)) \
        and not node_states.contains(Atspi.StateType.SENSITIVE)


def arrival_clock(app):
    """The arrival time the check-out form shows (HH:MM), the label beside its steppers."""
    button = find(app, "push button", "Arrival earlier")
    if button is None:
        return None
    row = button.get_parent()
    for i in range(row.get_child_count()):
        child = row.get_child_at_index(i)
        if child is not None and child.get_role_name() == "label":
            text = text_of(child)
            if re.fullmatch(r"\d\d:\d\d", text or ""):
                return text
    return None


def credited_minutes(text):
    match = re.match(r"^(?:(\d+) h )?(\d+) min credited", text)
    return int(match.group(1) or 0) * 60 + int(match.group(2)) if match else None


def step_check_out():
    app = context["app"]
    press(app, "push button", "Check out " + PERSON[1])
    # A toggle button: on GTK 4.8 its role is "push button", with a pressed/checked state.
    press(app, "push button", OUTCOME)
    # Arrival is prefilled with the check-in time; six taps on "earlier" move it back 30
    # minutes, so the review has time to credit. Each tap is waited for on the clock it shows.
    for _ in range(ARRIVAL_STEPS):
        before = wait_until("arrival time on the check-out form", lambda: arrival_clock(app))
        press(app, "push button", "Arrival earlier")
        wait_until("arrival time to change from %s" % before,
                   lambda: arrival_clock(app) not in (None, before))
    press(app, "push button", "Review check-out")
    credited = wait_until("'N min credited' in the 'Hours credited' label",
                          lambda: label_text(app, "Hours credited",
                                             lambda t: credited_minutes(t) is not None))
    diag("Hours credited: " + credited)
    context["review_minutes"] = credited_minutes(credited)
    press(app, "push button", "Save check-out")
    # Back on the session, the row offers neither Check in nor Check out: the person is done.
    wait_until("row of %s without Check out" % PERSON[1],
               lambda: find(app, "push button", "Check out " + PERSON[1]) is None
               and find(app, "push button", "Correct " + PERSON[1]) is not None)


def step_events():
    recorded = events()
    kinds = [(e["kind"], e["participant"]) for e in recorded]
    expected = [
        ("session.started", None),
        ("attendance.checked_in", PERSON[0]),
        ("attendance.briefed", PERSON[0]),
        ("attendance.checked_out", PERSON[0]),
    ]
    if kinds != expected:
        raise Failure("events are %r, expected %r" % (kinds, expected))
    for e in recorded:
        if e["session"] != context["session"]:
            raise Failure("event %s is on session %s" % (e["id"], e["session"]))
        if e["supervisor"] != SUPERVISOR[0]:
            raise Failure("event %s was recorded under %s, not %s" % (e["id"], e["supervisor"], SUPERVISOR[0]))
        if e["fix"]["state"] != "off":
            raise Failure("event %s has fix state %s with --no-gps" % (e["id"], e["fix"]["state"]))
    checked_out = recorded[3]["payload"]
    if checked_out.get("outcome") != "ATTC":
        raise Failure("the check-out's outcome is %r, not ATTC: %r" % (checked_out.get("outcome"), checked_out))
    # What the review showed is what the store credits, and the arrival moved back 30 minutes
    # from the check-in (to the minute, as the form rounds it).
    roster = json.loads(mendctl("roster", context["session"], "--json"))
    row = [r for r in roster if r["participant_id"] == PERSON[0]][0]
    if row["state"] != "done" or row["outcome"] != "ATTC":
        raise Failure("the roster has %s %s with outcome %s" % (PERSON[0], row["state"], row["outcome"]))
    if row["minutes_credited"] != context["review_minutes"]:
        raise Failure("the review showed %d min credited, the store credits %d"
                      % (context["review_minutes"], row["minutes_credited"]))
    check_in_ms = iso_ms(recorded[1]["occurred_at"])
    shift_min = (check_in_ms - checked_out["arrived_at"]) / 60000.0
    if not (ARRIVAL_STEPS * 5 - 1 < shift_min < ARRIVAL_STEPS * 5 + 1):
        raise Failure("arrival is %.1f min before the check-in, expected %d" % (shift_min, ARRIVAL_STEPS * 5))
    if not (ARRIVAL_STEPS * 5 - 1 <= row["minutes_credited"] <= ARRIVAL_STEPS * 5 + 3):
        raise Failure("%d min credited for about %d min on site" % (row["minutes_credited"], ARRIVAL_STEPS * 5))
    mendctl("verify")


def iso_ms(text):
    return int(datetime.datetime.fromisoformat(text).timestamp() * 1000)


def step_quit():
    app = context["app"]
    press(app, "push button", "Close")
    wait_until("exit of mend after Close", lambda: mend.poll() is not None, 15, True)
    if mend.returncode != 0:
        raise Failure("mend exited with %d" % mend.returncode)
    # What was recorded survives the app closing.
    if len(events()) != 4:
        raise Failure("the store lost events when mend closed")


steps = [
    ("mendctl demo loads a fresh store and prints the supervisors and PINs", step_demo),
    ("mend --db starts and shows the supervisors on the accessibility bus", step_start),
    ("a wrong PIN shows the refusal, stays locked and records nothing", step_wrong_pin),
    ("the right PIN unlocks and Today shows the session card", step_unlock),
    ("the session opens and starts; the roster offers Check in", step_open_and_start),
    ("Check in turns the row's action into Check out; the briefing is pressed", step_check_in),
    ("check-out with an outcome, review and save; the row is done", step_check_out),
    ("mendctl events --json: start, check-in, briefing, check-out under sup-ana; verify", step_events),
    ("Close ends mend with status 0 and the events stay", step_quit),
]

tap("1..%d" % len(steps))
signal.signal(signal.SIGALRM, on_alarm)
signal.alarm(TOTAL_SECONDS)
failed = False
try:
    for number, (title, function) in enumerate(steps, 1):
        if failed:
            tap("not ok %d - %s # not reached" % (number, title))
            continue
        try:
            function()
            tap("ok %d - %s" % (number, title))
        except Failure as error:
            failed = True
            tap("not ok %d - %s" % (number, title))
            diag(str(error))
            tail = mend_log_tail()
            if tail:
                diag("mend's output:\n" + tail)
        except gi.repository.GLib.Error as error:
            failed = True
            tap("not ok %d - %s" % (number, title))
            diag("AT-SPI: " + str(error))
finally:
    signal.alarm(0)
    stop_mend()
    try:
        with open(mend_log, encoding="utf-8", errors="replace") as f:
            keep_log("mend", f.read())
    except OSError:
        pass
    if not failed:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        diag("store and mend's log kept in " + workdir)
sys.exit(1 if failed else 0)
