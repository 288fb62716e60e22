#!/usr/bin/env bash
# The main job as a demo, entirely on this machine:
#   1. start a local SMTP sink on 127.0.0.1 (stands in for Exact Online's mail intake);
#   2. create the database "scrada_exact_demo" with a Belgian company, a flagged
#      daily-receipts journal and a flagged cash journal;
#   3. post daily-receipts invoices and a credit note, encode a few days of cash,
#      run the scheduled actions (close CODA periods, deliver);
#   4. list what the sink received and save the UBL/CODA attachments.
#
#   bash tools/demo.sh                  # DEMO_DB, DEMO_SMTP_PORT override the defaults
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3}
DB=${DEMO_DB:-scrada_exact_demo}
SMTP_PORT=${DEMO_SMTP_PORT:-2525}
OUT="$ROOT/demo-output"

if ! odoo_check=$("$PYTHON" tools/odoo_env.py check 2>&1); then
    echo "The demo needs Odoo 18 importable by $PYTHON (python3 -c 'import odoo'): $odoo_check" >&2
    exit 1
fi
ADDONS_PATH=$("$PYTHON" tools/odoo_env.py addons-path)
"$PYTHON" -c "import aiosmtpd" 2>/dev/null || "$PYTHON" -m pip install --quiet aiosmtpd
ODOO=("$PYTHON" -m odoo)
"$PYTHON" -c "import importlib.util as u; assert u.find_spec('odoo.__main__')" 2>/dev/null || ODOO=(odoo)
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

rm -rf "$OUT"
mkdir -p "$OUT"
"$PYTHON" tools/smtp_sink.py --port "$SMTP_PORT" --maildir "$OUT/maildir" > "$OUT/smtp-sink.log" 2>&1 &
SINK=$!
trap 'kill $SINK 2>/dev/null || true' EXIT
sleep 1
kill -0 $SINK 2>/dev/null || { cat "$OUT/smtp-sink.log"; echo "SMTP sink did not start" >&2; exit 1; }
echo "==> SMTP sink on 127.0.0.1:$SMTP_PORT (mail stored in $OUT/maildir)"

echo "==> Creating database $DB (Belgian accounting + scrada_exact_bridge)"
dropdb --if-exists "$DB"
"${ODOO[@]}" --addons-path="$ADDONS_PATH" -d "$DB" -i l10n_be,account_edi_ubl_cii,scrada_exact_bridge \
    --without-demo=all --stop-after-init --http-interface=127.0.0.1 --http-port="$(free_port)" \
    --max-cron-threads=0 --log-level=warn > "$OUT/odoo-install.log" 2>&1 \
    || { tail -n 40 "$OUT/odoo-install.log"; exit 1; }

echo "==> Demo company, journals, invoices, cash; running the scheduled actions"
DEMO_SMTP_PORT="$SMTP_PORT" "${ODOO[@]}" shell --addons-path="$ADDONS_PATH" -d "$DB" --no-http \
    --log-level=warn < tools/demo_data.py 2> "$OUT/odoo-demo.log" | tee "$OUT/demo.log" \
    || { tail -n 40 "$OUT/odoo-demo.log"; exit 1; }
grep -q "DEMO-DATA-DONE" "$OUT/demo.log" || { tail -n 40 "$OUT/odoo-demo.log"; exit 1; }

echo "==> What the SMTP sink received"
"$PYTHON" tools/demo_report.py "$OUT/maildir" "$OUT/received"

cat <<MSG

Open the demo database in a browser:
    ${ODOO[*]} --addons-path="$ADDONS_PATH" -d $DB --http-interface=127.0.0.1 --http-port=8069 --smtp=127.0.0.1 --smtp-port=$SMTP_PORT
    then http://127.0.0.1:8069  (login: admin, password: admin), Invoicing > Exact Online > Deliveries
    (on Enterprise the app is called Accounting: Accounting > Exact Online > Deliveries).
MSG
