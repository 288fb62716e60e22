#!/usr/bin/env bash
# Re-export the addon's .pot from a database where it is installed and merge
# it into nl.po and fr.po (new messages come out untranslated: translate them;
# tests/test_translations.py fails until every message is translated).
#
#   bash tools/update_translations.sh <database>
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DB=${1:?usage: tools/update_translations.sh <database with scrada_exact_bridge installed>}
I18N="$ROOT/scrada_exact_bridge/i18n"
PYTHON=${PYTHON:-python3}
ADDONS_PATH=$("$PYTHON" "$ROOT/tools/odoo_env.py" addons-path)
"$PYTHON" -m odoo --addons-path="$ADDONS_PATH" -d "$DB" -u scrada_exact_bridge --stop-after-init --http-interface=127.0.0.1 \
    --http-port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" \
    --i18n-export="$I18N/scrada_exact_bridge.pot" --modules=scrada_exact_bridge --log-level=warn
for lang in nl fr; do
    msgmerge --quiet --no-fuzzy-matching --no-wrap --update --backup=none "$I18N/$lang.po" "$I18N/scrada_exact_bridge.pot"
done
"$PYTHON" -m pytest -q "$ROOT/tests/test_translations.py" || true
