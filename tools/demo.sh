#!/usr/bin/env bash
# The main job as a demo, over both transports, entirely on this machine (127.0.0.1 only):
#   1. start a local SMTP sink (the e-mail route: Exact Online's linked e-mail addresses) and a
#      local stand-in of Exact Online (the connection: OAuth2 and the Mailbox API);
#   2. create the database with a Belgian company: the sales journal "Dagontvangsten" e-mails
#      its UBL invoices, the daily-receipts book and the cash book deliver through the Exact
#      Online connection to postbox names;
#   3. start Odoo and connect to the stand-in the way a person does: Connect, Exact Online's
#      sign-in page, its redirect to Odoo's callback (real HTTP requests, tools/demo_connect.py);
#   4. post invoices and a credit note, encode cash days and a week of daily receipts, run the
#      scheduled actions (close CODA periods, deliver, read Exact's processing status);
#   5. list what the sink and the stand-in received (files saved and checked), each document once.
#
#   bash tools/demo.sh            # refuses to replace an existing demo database
#   bash tools/demo.sh --force    # drops the existing demo database first
#
# DEMO_DB, DEMO_SMTP_PORT, DEMO_STANDIN_PORT, DEMO_ODOO_PORT override the defaults. The SMTP
# sink and the stand-in keep running after the demo (the database points at them); the last
# lines say how to stop them or start them again.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3}
DB=${DEMO_DB:-scrada_exact_demo}
SMTP_PORT=${DEMO_SMTP_PORT:-2525}
STANDIN_PORT=${DEMO_STANDIN_PORT:-18110}
OUT="$ROOT/demo-output"
SENDER_POSTBOX="bakkerij-demo@exactonline.be"
RECEIPTS_POSTBOX="bakkerij-verkoop@exactonline.be"
CASH_POSTBOX="bakkerij-kas@exactonline.be"
FORCE=0
for arg in "$@"; do
    case "$arg" in
        --force) FORCE=1 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown option $arg (use --force or --help)" >&2; exit 2 ;;
    esac
done

if ! odoo_check=$("$PYTHON" tools/odoo_env.py check 2>&1); then
    echo "The demo needs Odoo 18 importable by $PYTHON (python3 -c 'import odoo'): $odoo_check" >&2
    exit 1
fi
ADDONS_PATH=$("$PYTHON" tools/odoo_env.py addons-path)
"$PYTHON" -c "import aiosmtpd" 2>/dev/null || "$PYTHON" -m pip install --quiet aiosmtpd
ODOO=("$PYTHON" -m odoo)
"$PYTHON" -c "import importlib.util as u; assert u.find_spec('odoo.__main__')" 2>/dev/null || ODOO=(odoo)
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ODOO_PORT=${DEMO_ODOO_PORT:-$(free_port)}
ODOO_URL="http://127.0.0.1:$ODOO_PORT"
STANDIN_URL="http://127.0.0.1:$STANDIN_PORT"

# -- the database: never dropped without being asked ------------------------------------
if psql -lqt 2>/dev/null | cut -d'|' -f1 | tr -d ' ' | grep -qx "$DB"; then
    if [ "$FORCE" != 1 ]; then
        echo "Database $DB already exists. Run 'bash tools/demo.sh --force' to drop it and" \
             "start again, or choose another name with DEMO_DB=..." >&2
        exit 2
    fi
    echo "==> Dropping the existing database $DB (--force)"
    dropdb "$DB"
fi

# -- what a previous demo left running ----------------------------------------------------
stop_pidfile() {  # stop the process of a pid file of a previous demo, if it is still ours
    local file=$1 what=$2 pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null && grep -q "$what" "/proc/$pid/cmdline" 2>/dev/null; then
        echo "==> Stopping the $what of the previous demo (pid $pid)"
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$file"
}
mkdir -p "$OUT"
stop_pidfile "$OUT/smtp-sink.pid" smtp_sink.py
stop_pidfile "$OUT/exact-standin.pid" exact_standin.py
find "$OUT" -mindepth 1 -delete

ODOO_PID=
cleanup() {
    local rc=$?
    if [ -n "$ODOO_PID" ]; then kill "$ODOO_PID" 2>/dev/null || true; fi
    if [ $rc -ne 0 ]; then  # a failed demo leaves nothing running
        for file in "$OUT/smtp-sink.pid" "$OUT/exact-standin.pid"; do
            [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null || true
        done
    fi
}
trap cleanup EXIT

# -- 1. the SMTP sink and the stand-in of Exact Online (they keep running) ---------------
setsid nohup "$PYTHON" tools/smtp_sink.py --port "$SMTP_PORT" --maildir "$OUT/maildir" \
    > "$OUT/smtp-sink.log" 2>&1 < /dev/null &
echo $! > "$OUT/smtp-sink.pid"
setsid nohup "$PYTHON" scrada_exact_bridge/tests/exact_standin.py --port "$STANDIN_PORT" \
    --sender-mailbox "$SENDER_POSTBOX" --mailbox "$RECEIPTS_POSTBOX" --mailbox "$CASH_POSTBOX" \
    > "$OUT/exact-standin.log" 2>&1 < /dev/null &
echo $! > "$OUT/exact-standin.pid"
sleep 1
kill -0 "$(cat "$OUT/smtp-sink.pid")" 2>/dev/null \
    || { cat "$OUT/smtp-sink.log"; echo "SMTP sink did not start (port $SMTP_PORT in use?)" >&2; exit 1; }
kill -0 "$(cat "$OUT/exact-standin.pid")" 2>/dev/null \
    || { cat "$OUT/exact-standin.log"; echo "The stand-in did not start (port $STANDIN_PORT in use?)" >&2; exit 1; }
echo "==> SMTP sink on 127.0.0.1:$SMTP_PORT (mail stored in $OUT/maildir)"
echo "==> Stand-in of Exact Online on $STANDIN_URL (postboxes $RECEIPTS_POSTBOX, $CASH_POSTBOX)"

# -- 2. the database ---------------------------------------------------------------------
echo "==> Creating database $DB (Belgian accounting + scrada_exact_bridge)"
"${ODOO[@]}" --addons-path="$ADDONS_PATH" -d "$DB" -i l10n_be,account_edi_ubl_cii,scrada_exact_bridge \
    --without-demo=all --stop-after-init --http-interface=127.0.0.1 --http-port="$(free_port)" \
    --max-cron-threads=0 --log-level=warn > "$OUT/odoo-install.log" 2>&1 \
    || { tail -n 40 "$OUT/odoo-install.log"; exit 1; }

shell_phase() {  # run tools/demo_data.py in "odoo shell" for one phase
    DEMO_PHASE=$1 DEMO_SMTP_PORT="$SMTP_PORT" DEMO_STANDIN_URL="$STANDIN_URL" \
    DEMO_ODOO_URL="$ODOO_URL" DEMO_RECEIPTS_POSTBOX="$RECEIPTS_POSTBOX" \
    DEMO_CASH_POSTBOX="$CASH_POSTBOX" \
        "${ODOO[@]}" shell --addons-path="$ADDONS_PATH" -d "$DB" --no-http --log-level=warn \
        < tools/demo_data.py 2>> "$OUT/odoo-demo.log" | tee -a "$OUT/demo.log" \
        || { tail -n 40 "$OUT/odoo-demo.log"; exit 1; }
    grep -q "$2" "$OUT/demo.log" || { tail -n 40 "$OUT/odoo-demo.log"; exit 1; }
}
echo "==> Demo company and journals (named in English, Dutch and French)"
shell_phase setup DEMO-SETUP-DONE

# -- 3. connect through the real sign-in redirect and callback --------------------------
echo "==> Starting Odoo on $ODOO_URL and connecting to Exact Online (the stand-in)"
"${ODOO[@]}" --addons-path="$ADDONS_PATH" -d "$DB" --db-filter="^$DB\$" \
    --http-interface=127.0.0.1 --http-port="$ODOO_PORT" --max-cron-threads=0 --workers=0 \
    --log-level=warn > "$OUT/odoo-server.log" 2>&1 &
ODOO_PID=$!
for _ in $(seq 120); do
    curl -fs -o /dev/null "$ODOO_URL/web/login" 2>/dev/null && break
    kill -0 "$ODOO_PID" 2>/dev/null || { tail -n 40 "$OUT/odoo-server.log"; exit 1; }
    sleep 1
done
"$PYTHON" tools/demo_connect.py --url "$ODOO_URL" --db "$DB" --company "Bakkerij Demo BV" \
    | tee "$OUT/demo-connect.log"
kill "$ODOO_PID"; wait "$ODOO_PID" 2>/dev/null || true
ODOO_PID=

# -- 4. the job ----------------------------------------------------------------------------
echo "==> Invoices, cash, daily receipts; running the scheduled actions"
shell_phase run DEMO-DATA-DONE

# -- 5. what arrived -------------------------------------------------------------------------
echo "==> What the SMTP sink and the stand-in of Exact Online received"
"$PYTHON" tools/demo_report.py "$OUT/maildir" "$OUT/received" --standin "$STANDIN_URL"

cat <<MSG

The SMTP sink (pid $(cat "$OUT/smtp-sink.pid")) and the stand-in of Exact Online (pid $(cat "$OUT/exact-standin.pid"))
keep running: the demo database sends its mail to 127.0.0.1:$SMTP_PORT and is connected to $STANDIN_URL.
    stop them:        kill \$(cat $OUT/smtp-sink.pid) \$(cat $OUT/exact-standin.pid)
    start them again: $PYTHON tools/smtp_sink.py --port $SMTP_PORT --maildir $OUT/maildir &
                      $PYTHON scrada_exact_bridge/tests/exact_standin.py --port $STANDIN_PORT \\
                          --sender-mailbox $SENDER_POSTBOX --mailbox $RECEIPTS_POSTBOX --mailbox $CASH_POSTBOX &
                      (a restarted stand-in has forgotten the sign-in: press Connect again on
                      Invoicing > Exact Online > Connection)

Open the demo database in a browser:
    ${ODOO[*]} --addons-path="$ADDONS_PATH" -d $DB --http-interface=127.0.0.1 --http-port=8069
    then http://127.0.0.1:8069 (login: admin, password: admin), Invoicing > Exact Online > Deliveries
    (on Enterprise the app is called Accounting: Accounting > Exact Online > Deliveries).
MSG
