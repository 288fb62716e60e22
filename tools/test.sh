#!/usr/bin/env bash
# The whole test suite: lint, plain-Python tests, then (when Odoo 18 can be
# imported) the addon installed in fresh databases and its Odoo tests.
#
#   bash tools/test.sh            # everything
#   SKIP_LINT=1 bash tools/test.sh
#
# Needs: the packages of requirements-test.txt; for the Odoo part an installed
# Odoo 18 ("python3 -c 'import odoo'") and a PostgreSQL server the current
# user can create databases on (.ci/run sets both up).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
PYTHON=${PYTHON:-python3}
ADDON=scrada_exact_bridge
failures=0

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*"; failures=$((failures + 1)); }

if [ -z "${SKIP_LINT:-}" ]; then
    step "ruff"
    ruff check . || fail "ruff"
    ruff format --check --diff scrada_exact_bridge tests tools setup.py >/dev/null 2>&1 \
        || echo "(ruff format would reformat some files; not enforced)"
    step "pylint-odoo (Odoo checks)"
    "$PYTHON" -m pylint --rcfile=.pylintrc "$ADDON" || fail "pylint-odoo"
fi

step "plain-Python tests (no Odoo needed)"
"$PYTHON" -m pytest -q tests
rc=$?
[ $rc -eq 0 ] || fail "pytest (exit $rc)"

if ! odoo_error=$("$PYTHON" -c "import odoo.release; assert odoo.release.version_info[0] == 18, odoo.release.version" 2>&1); then
    reason=$(printf '%s' "$odoo_error" | tail -n 1)
    echo
    echo "SKIPPED: Odoo tests not run: Odoo 18 cannot be imported by $PYTHON ($reason)."
else
    # ------------------------------------------------------------------
    # Odoo: install in fresh databases, run the addon's tests, uninstall.
    # ------------------------------------------------------------------
    free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
    stamp="$(date +%s)_$$"
    DB_BE="seb_test_be_$stamp"
    DB_PLAIN="seb_test_plain_$stamp"
    LOGDIR=${LOGDIR:-$(mktemp -d)}
    cleanup() { dropdb --if-exists "$DB_BE" >/dev/null 2>&1; dropdb --if-exists "$DB_PLAIN" >/dev/null 2>&1; }
    trap cleanup EXIT
    ODOO=("$PYTHON" -m odoo)
    "$PYTHON" -c "import importlib.util as u; assert u.find_spec('odoo.__main__')" 2>/dev/null || ODOO=(odoo)
    odoo_cmd=("${ODOO[@]}" --addons-path="$ROOT" --http-interface=127.0.0.1 --without-demo=all
              --stop-after-init --max-cron-threads=0)

    step "Odoo: install with Belgian accounting and run the addon's tests ($DB_BE)"
    "${odoo_cmd[@]}" -d "$DB_BE" --http-port="$(free_port)" --log-level=test \
        -i account,l10n_be,account_edi_ubl_cii,$ADDON --test-tags "/$ADDON" \
        > "$LOGDIR/odoo-tests.log" 2>&1
    rc=$?
    grep -E "(ERROR|CRITICAL|FAIL:|Ran |tests in|of [0-9]+ tests)" "$LOGDIR/odoo-tests.log" | tail -n 60
    summary=$(grep -Eo "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$LOGDIR/odoo-tests.log" | tail -n 1)
    if [ $rc -ne 0 ] || grep -qE " (ERROR|CRITICAL) " "$LOGDIR/odoo-tests.log" || [ -z "$summary" ]; then
        fail "Odoo tests (exit $rc; full log: $LOGDIR/odoo-tests.log)"
        tail -n 80 "$LOGDIR/odoo-tests.log"
    fi
    if [ -n "$summary" ]; then
        read -r n_failed _ n_errors _ _ n_total _ <<<"$summary"
        n_bad=$((n_failed + n_errors))
        echo "odoo: $((n_total - n_bad)) passed, $n_bad failed"
    fi

    step "Odoo: the committed .pot holds every translatable string of the code"
    "${odoo_cmd[@]}" -d "$DB_BE" --http-port="$(free_port)" --log-level=warn \
        --i18n-export="$LOGDIR/current.pot" --modules=$ADDON > "$LOGDIR/odoo-pot.log" 2>&1
    "$PYTHON" - "$LOGDIR/current.pot" "$ADDON/i18n/$ADDON.pot" <<'PY' || fail "i18n/$ADDON.pot is out of date (tools/update_translations.sh)"
import sys
import polib
current, committed = ({e.msgid for e in polib.pofile(path)} for path in sys.argv[1:3])
missing = sorted(current - committed)
for msgid in missing:
    print("not in the .pot:", msgid[:100])
sys.exit(1 if missing else 0)
PY

    step "Odoo: install without l10n_be, then uninstall ($DB_PLAIN)"
    "${odoo_cmd[@]}" -d "$DB_PLAIN" --http-port="$(free_port)" --log-level=warn -i $ADDON \
        > "$LOGDIR/odoo-plain.log" 2>&1 || fail "install without l10n_be"
    uninstall_out=$(printf '%s\n' \
        "module = env['ir.module.module'].search([('name', '=', '$ADDON')])" \
        "module.button_immediate_uninstall()" \
        "env.cr.commit()" \
        "print('UNINSTALL-STATE', module.state, 'deliveries-model' if 'exact.mailbox.delivery' in env else 'no-deliveries-model')" \
        | "${ODOO[@]}" shell --addons-path="$ROOT" -d "$DB_PLAIN" --no-http --log-level=warn 2>>"$LOGDIR/odoo-plain.log")
    echo "$uninstall_out" | grep UNINSTALL-STATE
    echo "$uninstall_out" | grep -q "UNINSTALL-STATE uninstalled" || fail "uninstall"
fi

echo
if [ $failures -ne 0 ]; then
    echo "tools/test.sh: $failures step(s) failed"
    exit 1
fi
echo "tools/test.sh: all steps passed"
